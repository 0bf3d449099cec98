"""Drawing one chart with matplotlib in the house style; imported only when a chart must be rendered."""
from __future__ import annotations

import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from builder.formatting import format_number  # noqa: E402
from builder.staging import temp_path  # noqa: E402


def _setup(job) -> None:
    for path in job.style_fonts["files"].values():
        font_manager.fontManager.addfont(path)
    plt.rcParams.update({"font.family": job.style_fonts["name"], "font.size": 8.5, "svg.fonttype": "none",
                         "svg.hashsalt": "dossier", "axes.spines.top": False, "axes.spines.right": False,
                         "axes.grid": True, "grid.color": "#d9d9d9", "grid.linewidth": 0.5,
                         "axes.axisbelow": True, "axes.prop_cycle": plt.cycler(color=job.palette or ["#1f4e79"])})


def _ticks(job):
    return FuncFormatter(lambda v, _pos: format_number(v, None, job.locale))


def figure(job):
    """The chart's matplotlib figure, laid out; saved once per format by `save_vector` and `save_raster`."""
    _setup(job)
    fig, ax = plt.subplots(figsize=job.size)
    xs = [str(r[0]) for r in job.rows]
    series = [[r[i + 1] for r in job.rows] for i in range(len(job.labels))]
    _plot(job.spec.kind, ax, xs, series, job.labels)
    if job.spec.kind != "hbar":
        _x_ticks(job.spec.kind, ax, xs, job.size[0])
    values_axis = ax.xaxis if job.spec.kind == "hbar" else ax.yaxis
    values_axis.set_major_formatter(_percent(job) if job.spec.kind == "stacked_share" else _ticks(job))
    if job.spec.unit:
        values_axis.set_label_text(job.spec.unit)
    if len(job.labels) > 1:
        ax.legend(frameon=False, fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.14),
                  ncol=min(len(job.labels), 3))
    fig.tight_layout()
    return fig


def close(fig) -> None:
    plt.close(fig)


def _plot(kind: str, ax, xs, series, labels) -> None:
    import numpy as np
    clean = [[np.nan if v is None else v for v in s] for s in series]
    if kind == "line":
        pos = periods(xs) or list(range(len(xs)))
        marker = "o" if len(xs) <= 40 else None  # a long series reads as a line, not as beads
        for s, label in zip(clean, labels):
            ax.plot(pos, s, marker=marker, markersize=3, linewidth=1.6 if marker else 1.2, label=label)
    elif kind in ("bar", "grouped_bar"):  # tick labels are set by _x_ticks
        width = 0.8 / len(clean)
        pos = np.arange(len(xs))
        for i, (s, label) in enumerate(zip(clean, labels)):
            ax.bar(pos + (i - (len(clean) - 1) / 2) * width, s, width, label=label)
    elif kind == "stacked_share":  # each x's values as shares of their sum: every bar reaches 100 %
        values = np.nan_to_num(np.array(clean, dtype=float))
        totals = values.sum(axis=0)
        shares = np.divide(values * 100.0, totals, out=np.zeros_like(values), where=totals != 0)
        bottom = np.zeros(len(xs))
        pos = np.arange(len(xs))
        for vals, label in zip(shares, labels):
            ax.bar(pos, vals, 0.6 if len(xs) <= 40 else 0.9, bottom=bottom, label=label)
            bottom += vals
        ax.set_ylim(0, 100)
    elif kind == "hbar":
        height = 0.8 / len(clean)
        pos = np.arange(len(xs))
        for i, (s, label) in enumerate(zip(clean, labels)):
            ax.barh(pos + (i - (len(clean) - 1) / 2) * height, s, height, label=label)
        ax.set_yticks(pos, xs)
        ax.invert_yaxis()


QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def periods(xs: list[str]) -> list[float] | None:
    """Keys as points in time (years; quarters like 1967-Q2; months 1967-05; dates 1967-05-31) → decimal years,
    or None when they are not all periods."""
    out = []
    for x in xs:
        if x.isdigit() and len(x) == 4:
            out.append(float(x))
        elif m := QUARTER.match(x):
            out.append(int(m[1]) + (int(m[2]) - 1) / 4)
        elif m := DATE.match(x):
            out.append(int(m[1]) + (int(m[2]) - 1) / 12 + (int(m[3] or 1) - 1) / 365)
        else:
            return None
    return out


def _x_ticks(kind: str, ax, xs: list[str], width_in: float) -> None:
    """As many x labels as fit side by side: a time axis gets round years; categories every k-th label."""
    import math

    from matplotlib.ticker import FuncFormatter, MaxNLocator
    if not xs:
        return
    font = 7.5
    room = width_in * 72 * 0.85  # points of axis length, less the value axis' labels
    pos = periods(xs) if kind == "line" else None
    if pos is not None:
        fit = max(2, int(room // (font * 0.6 * 4 + 10)))  # year labels: 4 characters and a gap
        ax.xaxis.set_major_locator(MaxNLocator(nbins=fit, integer=True, min_n_ticks=2))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: str(int(round(v)))))
        ax.set_xlim(min(pos) - 0.02 * (max(pos) - min(pos) or 1), max(pos) + 0.02 * (max(pos) - min(pos) or 1))
        ax.tick_params(axis="x", labelsize=font)
        return
    longest = max(len(x) for x in xs)
    fit = max(1, int(room // (font * 0.6 * longest + 8)))
    step = math.ceil(len(xs) / fit)
    if step == 1:
        if len(xs) > 8:
            ax.tick_params(axis="x", labelsize=font)
        ax.set_xticks(range(len(xs)), xs)
        return
    quarters = all(QUARTER.match(x) for x in xs)
    if quarters:  # label the first quarter of every k-th year, as the year
        step = 4 * math.ceil(step / 4)
        first = next((i for i, x in enumerate(xs) if x.endswith("Q1")), 0)
        ticks = list(range(first, len(xs), step))
        ax.set_xticks(ticks, [xs[i][:4] for i in ticks])
    else:
        ticks = list(range(0, len(xs), step))
        ax.set_xticks(ticks, [xs[i] for i in ticks])
    ax.tick_params(axis="x", labelsize=font)


def _percent(job):
    return FuncFormatter(lambda v, _pos: f"{format_number(float(v), 0, job.locale)} %")


def save_vector(fig, job, font_map) -> None:
    """The SVG (for HTML, and the PDF's source) and its ReportLab drawing, parsed here once and pickled: the
    drawing is written first, so a file waiter that sees the SVG finds the drawing too."""
    import io
    import pickle

    from svglib.svglib import svg2rlg
    svg = io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None})
    svg.seek(0)
    drawing = svg2rlg(svg, font_map=font_map)
    _write(job.rlg, pickle.dumps(drawing, protocol=pickle.HIGHEST_PROTOCOL))
    _write(job.svg, svg.getvalue())


def save_raster(fig, job) -> None:
    """The PNG for the DOCX at the style's resolution (zlib level 1: compression dominated the PNG time)."""
    import io
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=job.dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    _write(job.png, png.getvalue())


def _write(path: str, data: bytes) -> None:
    tmp = temp_path(Path(path))  # unique: two builds may render the same chart at once
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
