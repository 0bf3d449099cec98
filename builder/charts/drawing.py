"""A matplotlib figure drawn straight into a ReportLab `Drawing` (the PDF's vector charts), with no SVG between.

`DrawingRenderer` is a matplotlib renderer whose primitives become ReportLab shapes in figure points (the figure
drawn at 72 dpi, y upwards, as ReportLab draws): paths become `Path`s (curves, dashes, joins, caps, opacity), a
marker series one `Path` of all its marks, text a `String` in the style's registered TrueType fonts, anchored as
matplotlib anchors it (the same anchoring the SVG backend writes, so labels sit where they sat when the PDF's
charts came from the SVG). Text is measured as the SVG backend measures it (the font files themselves, unhinted).
An opaque stroke joins an earlier `Path` of the same style and clip when nothing drawn since overlaps it (so the
painting order of everything that overlaps is kept), and consecutive shapes under the same clip share one clipped
`Group`: a chart's grid lines are one path, its tick marks another, its markers one a series, and the chart a few
dozen flat shapes that the PDF writer draws quickly.
Not handled, as no chart uses them: images, hatches, Gouraud shading."""
from __future__ import annotations

import copy
import math

from matplotlib import font_manager
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.path import Path as MplPath
from reportlab.graphics.shapes import FILL_NON_ZERO, Drawing, Group, Path, String
from reportlab.lib.colors import Color

try:
    from matplotlib.text import _get_text_metrics_with_cache as _cached_metrics  # the text layout's own cache
except ImportError:  # pragma: no cover (a matplotlib without it measures again)
    _cached_metrics = None

JOINS = {"miter": 0, "round": 1, "bevel": 2}
CAPS = {"butt": 0, "round": 1, "projecting": 2}
ANCHORS = {"left": "start", "center": "middle", "right": "end"}
BOLD = 600  # a font weight from which the bold face is used


def figure_drawing(fig, family: str, rl_fonts: dict[str, str]) -> Drawing:
    """The figure as a Drawing of its size in points; text in `family` is set in the registered ReportLab fonts
    `rl_fonts` (regular, bold), other text in Helvetica."""
    width, height = (float(v) * 72 for v in fig.get_size_inches())
    renderer = DrawingRenderer(width, height, family, rl_fonts)
    dpi = fig.dpi
    fig.dpi = 72  # a pixel is a point, as in the SVG and PDF backends
    try:
        fig.draw(renderer)
    finally:
        fig.dpi = dpi
    return renderer.finish()


def _colour(rgb) -> Color:
    return Color(float(rgb[0]), float(rgb[1]), float(rgb[2]))


class DrawingRenderer(RendererBase):
    def __init__(self, width: float, height: float, family: str, rl_fonts: dict[str, str]):
        super().__init__()
        self.width, self.height = width, height
        self.family, self.rl_fonts = family.lower(), rl_fonts
        self._entries: list[list] = []  # [clip key, shape, bounds] in painting order
        self._clips: dict[tuple, list] = {}  # clip key → its clipping paths
        self._like: dict[tuple, int] = {}  # (clip key, stroke style) → the entry a like stroke may join

    def finish(self) -> Drawing:
        """The drawing: the shapes in painting order, consecutive ones under the same clip in one group."""
        drawing = Drawing(self.width, self.height)
        target, current = drawing, None
        for clip, shape, _bounds in self._entries:
            if clip != current:
                current, target = clip, drawing
                if clip != (None, None):
                    target = Group(*self._clips[clip])
                    drawing.add(target)
            target.add(shape)
        return drawing

    # ---- the renderer's surface ---------------------------------------------------------------------------------
    def flipy(self) -> bool:
        return False

    def get_canvas_width_height(self):
        return self.width, self.height

    def points_to_pixels(self, points):
        return points

    def new_gc(self):
        return GraphicsContextBase()

    def option_image_nocomposite(self) -> bool:
        return True

    # ---- paths --------------------------------------------------------------------------------------------------
    def draw_path(self, gc, path, transform, rgbFace=None):
        clip = (0.0, 0.0, self.width, self.height) if rgbFace is None else None
        points, ops = _segments(path, transform, clip, path.should_simplify and rgbFace is None)
        if ops:
            self._add(gc, rgbFace, points, ops)

    def draw_markers(self, gc, marker_path, marker_trans, path, trans, rgbFace=None):
        mark, mark_ops = _segments(marker_path, marker_trans, None, False)
        if not mark_ops:
            return
        xs, ys = mark[0::2], mark[1::2]
        reach = gc.get_linewidth() + max(max(map(abs, xs)), max(map(abs, ys)))
        points: list[float] = []
        ops: list[int] = []
        for vertices, code in path.iter_segments(trans, simplify=False):
            if not len(vertices) or code == MplPath.CLOSEPOLY:
                continue
            x, y = float(vertices[-2]), float(vertices[-1])
            if not (-reach <= x <= self.width + reach and -reach <= y <= self.height + reach):
                continue  # off the canvas (also NaN)
            for i in range(0, len(mark), 2):
                points.append(mark[i] + x)
                points.append(mark[i + 1] + y)
            ops.extend(mark_ops)
        if ops:
            self._add(gc, rgbFace, points, ops)

    def _add(self, gc, rgbFace, points: list[float], ops: list[int]) -> None:
        paint = _paint(gc, rgbFace)
        if paint is None:
            return
        clip, bounds = self._clip(gc), _bounds(points, paint["strokeWidth"])
        # opaque strokes only are joined: fills stay apart, as screen viewers snap a lone rectangle's edges to the
        # pixels (crisp bars) but not those of a path of many, and a fill joined to one it overlaps turning the
        # other way would cancel out under the nonzero rule
        if paint["fillColor"] is None and paint["strokeOpacity"] is None and self._join(clip, paint, points, ops,
                                                                                         bounds):
            return
        self._entries.append([clip, _made(PATH, points=points, operators=ops, **paint), bounds])

    def _join(self, clip, paint: dict, points: list[float], ops: list[int], bounds: tuple) -> bool:
        """Add a stroke to a like one painted before under the same clip when nothing painted since is in its way;
        False when there is none (the stroke about to be added is then the one the next like stroke may join)."""
        like = (clip, paint["strokeColor"].rgb(), paint["strokeWidth"], paint["strokeLineJoin"],
                paint["strokeLineCap"], str(paint["strokeDashArray"]))
        at = self._like.get(like)
        if at is not None and not any(_overlap(bounds, later[2]) for later in self._entries[at + 1:]):
            entry = self._entries[at]
            entry[1].points.extend(points)
            entry[1].operators.extend(ops)
            entry[2] = _union(entry[2], bounds)
            return True
        self._like[like] = len(self._entries)
        return False

    # ---- clipping -----------------------------------------------------------------------------------------------
    def _clip(self, gc) -> tuple:
        """The key of `gc`'s clip, its clipping paths made the first time it is seen."""
        rect = gc.get_clip_rectangle()
        clip_path, clip_trans = gc.get_clip_path()
        key = (tuple(round(float(v), 4) for v in rect.bounds) if rect is not None else None,
               (clip_path.vertices.tobytes(), None if clip_path.codes is None else clip_path.codes.tobytes(),
                clip_trans.get_matrix().tobytes()) if clip_path is not None else None)
        if key not in self._clips:
            clippers = []
            if rect is not None:
                x, y, w, h = (float(v) for v in rect.bounds)
                clippers.append(_clipper([x, y, x + w, y, x + w, y + h, x, y + h], [0, 1, 1, 1, 3]))
            if clip_path is not None:
                points, ops = _segments(clip_path, clip_trans, None, False)
                if ops:
                    clippers.append(_clipper(points, ops))
            self._clips[key] = clippers
        return key

    # ---- text ---------------------------------------------------------------------------------------------------
    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:  # mathematical text as outlines, through draw_path
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        clip = self._clip(gc)
        anchor = "start"
        if mtext is not None and (angle == 0 or mtext.get_rotation_mode() == "anchor"):
            # matplotlib's anchor point, moved onto the baseline: the text is aligned on it by its own width
            ax, ay = mtext.get_transform().transform(mtext.get_unitless_position())
            a = math.radians(angle)
            up = (-math.sin(a), math.cos(a))
            shift = up[0] * (x - ax) + up[1] * (y - ay)
            x, y = ax + shift * up[0], ay + shift * up[1]
            anchor = ANCHORS.get(mtext.get_ha(), "start")
        rgba = gc.get_rgb()
        alpha = gc.get_alpha() if gc.get_forced_alpha() else (rgba[3] if len(rgba) > 3 else 1)
        text = _made(STRING, text=s, fontName=self._font(prop), fontSize=float(prop.get_size_in_points()),
                     fillColor=_colour(rgba), textAnchor=anchor, fillOpacity=float(alpha) if alpha < 1 else None)
        if angle:
            c, si = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            shape = Group(text, transform=(c, si, -si, c, float(x), float(y)))
        else:
            text.x, text.y = float(x), float(y)
            shape = text
        self._entries.append([clip, shape, self._text_bounds(s, prop, x, y, angle, anchor)])

    def _text_bounds(self, s: str, prop, x: float, y: float, angle: float, anchor: str) -> tuple:
        """The box of a line of text (and a point to spare), for the strokes that would join one painted before."""
        w, h, d = (_cached_metrics(self, s, prop, False, 72) if _cached_metrics else
                   self.get_text_width_height_descent(s, prop, False))
        left = {"start": 0.0, "middle": -w / 2, "end": -w}[anchor] - 1
        c, si = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        corners = [(x + c * u - si * v, y + si * u + c * v) for u in (left, left + w + 2) for v in (-d - 1, h - d + 1)]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        return min(xs), min(ys), max(xs), max(ys)

    def _font(self, prop) -> str:
        weight = prop.get_weight()
        weight = font_manager.weight_dict.get(weight, weight) if isinstance(weight, str) else weight
        bold = int(weight) >= BOLD
        families = [f.strip("'\" ").lower() for f in prop.get_family()]
        if self.family in families:
            return self.rl_fonts["bold" if bold else "regular"]
        return "Helvetica-Bold" if bold else "Helvetica"


def _paint(gc, rgbFace) -> dict | None:
    """The ReportLab paint attributes of a shape drawn under `gc` and filled with `rgbFace`; None: it paints nothing."""
    lw, rgba = float(gc.get_linewidth()), gc.get_rgb()
    stroke_alpha = float(rgba[3]) if len(rgba) > 3 else 1.0
    stroke = lw > 0 and stroke_alpha > 0
    fill_alpha = _fill_alpha(gc, rgbFace)
    fill = fill_alpha > 0
    if not (stroke or fill):
        return None
    offset, dashes = gc.get_dashes()
    return {"strokeColor": _colour(rgba) if stroke else None, "strokeWidth": lw if stroke else 0,
            "strokeLineJoin": JOINS.get(gc.get_joinstyle(), 0), "strokeLineCap": CAPS.get(gc.get_capstyle(), 0),
            "strokeDashArray": [float(offset or 0), [float(d) for d in dashes]] if stroke and dashes is not None
            else None,
            "strokeOpacity": stroke_alpha if stroke and stroke_alpha < 1 else None,
            "fillColor": _colour(rgbFace) if fill else None,
            "fillOpacity": fill_alpha if fill and fill_alpha < 1 else None}


def _fill_alpha(gc, rgbFace) -> float:
    if rgbFace is None:
        return 0.0
    if gc.get_forced_alpha():
        return float(gc.get_alpha())
    return float(rgbFace[3]) if len(rgbFace) > 3 else 1.0


def _bounds(points: list[float], line_width: float) -> tuple:
    """The box of a path's points, and of its stroke's reach beyond them (and a point to spare)."""
    half = line_width / 2 + 1 if line_width else 0.0
    xs, ys = points[0::2], points[1::2]
    return min(xs) - half, min(ys) - half, max(xs) + half, max(ys) + half


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _union(a: tuple, b: tuple) -> tuple:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


PATH = Path(autoclose="svg", fillMode=FILL_NON_ZERO)
STRING = String(0, 0, "")


def _made(prototype, **attrs):
    """A copy of a prototype shape with `attrs` set as given: the values are made here, of the kinds ReportLab
    checks for, so each is not checked again on assignment (a dozen checked assignments a shape cost more than
    drawing it)."""
    shape = copy.copy(prototype)
    shape.__dict__.update(attrs)
    return shape


def _clipper(points: list[float], ops: list[int]) -> Path:
    return Path(points, ops, isClipPath=1, fillMode=FILL_NON_ZERO, strokeColor=None, fillColor=None)


def _segments(path, transform, clip, simplify) -> tuple[list[float], list[int]]:
    """The path in ReportLab's terms: flat points and operators (0 move, 1 line, 2 curve, 3 close)."""
    points: list[float] = []
    ops: list[int] = []
    last = (0.0, 0.0)
    for vertices, code in path.iter_segments(transform, remove_nans=True, clip=clip, simplify=simplify,
                                             curves=True):
        v = vertices.tolist()
        if code == MplPath.MOVETO:
            ops.append(0)
            points += v
        elif code == MplPath.LINETO:
            ops.append(1)
            points += v
        elif code == MplPath.CURVE4:
            ops.append(2)
            points += v
        elif code == MplPath.CURVE3:  # a quadratic curve as the cubic it is
            (qx, qy), (ex, ey) = (v[0], v[1]), (v[2], v[3])
            ops.append(2)
            points += [last[0] + 2 / 3 * (qx - last[0]), last[1] + 2 / 3 * (qy - last[1]),
                       ex + 2 / 3 * (qx - ex), ey + 2 / 3 * (qy - ey), ex, ey]
        elif code == MplPath.CLOSEPOLY:
            ops.append(3)
            continue
        else:
            continue
        last = (points[-2], points[-1])
    return points, ops
