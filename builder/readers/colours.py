"""Colour differences for chart palettes: CIEDE2000 (ΔE00) between sRGB colours, as seen with normal vision and
as simulated for the two common colour-vision deficiencies (Machado, Oliveira & Fernandes 2009, severity 1)."""
from __future__ import annotations

import math

# distances below these are hard to tell apart in a thin line or a small patch
MIN_NORMAL = 20.0
MIN_DEFICIENT = 10.0

_DEFICIENCIES = {
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
}


def _linear(hex_colour: str) -> tuple[float, float, float]:
    rgb = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)


def _lab(lin: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b = lin
    xyz = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _simulated(lin: tuple[float, float, float], matrix) -> tuple[float, float, float]:
    return tuple(min(1.0, max(0.0, sum(m * c for m, c in zip(row, lin)))) for row in matrix)


def delta_e(first: str, second: str, vision: str = "normal") -> float:
    """CIEDE2000 distance of two '#rrggbb' colours, as seen with `vision` (normal, deuteranopia, protanopia)."""
    one, two = _linear(first), _linear(second)
    if vision != "normal":
        one, two = _simulated(one, _DEFICIENCIES[vision]), _simulated(two, _DEFICIENCIES[vision])
    return ciede2000(_lab(one), _lab(two))


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1 = math.degrees(math.atan2(b1, a1)) % 360 if c1 else 0.0
    h2 = math.degrees(math.atan2(b2, a2)) % 360 if c2 else 0.0
    dh = 0.0 if c1 * c2 == 0 else h2 - h1 - 360 * ((h2 - h1) > 180) + 360 * ((h2 - h1) < -180)
    d_l, d_c, d_h = l2 - l1, c2 - c1, 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    rotation = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    r_t = -math.sin(math.radians(2 * rotation)) * r_c
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def close_pairs(palette: list[str]) -> list[tuple[int, int, str, float]]:
    """Pairs of palette entries (indexes) too close to tell apart: (i, j, vision, ΔE00)."""
    out = []
    for i, first in enumerate(palette):
        for j in range(i + 1, len(palette)):
            for vision, least in (("normal", MIN_NORMAL), ("deuteranopia", MIN_DEFICIENT),
                                  ("protanopia", MIN_DEFICIENT)):
                distance = delta_e(first, palette[j], vision)
                if distance < least:
                    out.append((i, j, vision, distance))
                    break
    return out
