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

from builder.model.formatting import format_number  # noqa: E402
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


MARKERS = ("o", "s", "^", "D", "v", "P")  # a shape per series, so lines are told apart without colour
DASHES = ("-", "--", "-.", ":", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 1)))
ROUND_STEPS = [1, 2, 5, 10]  # ticks at 1, 2 or 5 times a power of ten, never 2.5
TINY_SHARE = 1.0  # % : a stacked share this small is a hairline, so its legend entry says so


def figure(job):
    """The chart's matplotlib figure, laid out; saved once per format by `save_vector` and `save_raster`."""
    from matplotlib.ticker import MaxNLocator
    _setup(job)
    fig, ax = plt.subplots(figsize=job.size)
    xs = [str(r[0]) for r in job.rows]
    series = [[r[i + 1] for r in job.rows] for i in range(len(job.labels))]
    entries = _plot(job.spec.kind, ax, xs, series, job.labels, job.locale)
    if job.spec.kind != "hbar":
        _x_ticks(job.spec.kind, ax, xs, job.size[0])
    values_axis = ax.xaxis if job.spec.kind == "hbar" else ax.yaxis
    values_axis.set_major_locator(MaxNLocator(nbins="auto", steps=ROUND_STEPS))
    values_axis.set_major_formatter(_percent(job) if job.spec.kind == "stacked_share" else _ticks(job))
    if job.spec.unit:
        values_axis.set_label_text(job.spec.unit)
    if len(entries) > 1:
        _legend(ax, entries, job.size[0])
    fig.tight_layout()
    _align_plot_area(fig, ax, job.size[0])
    return fig


PLOT_LEFT_IN = 0.9  # inches from the figure's left edge to the value axis, the same in every chart that allows it


def _align_plot_area(fig, ax, width_in: float) -> None:
    """The value axis at the same distance from the left edge in every chart, so that figures stacked on a page
    line up (tight_layout alone follows the width of each chart's tick labels); a chart whose labels need more
    room (long category names of a horizontal bar chart) keeps its own."""
    left = fig.subplotpars.left
    wanted = PLOT_LEFT_IN / width_in
    if left < wanted:
        fig.subplots_adjust(left=wanted)


def close(fig) -> None:
    plt.close(fig)


def _plot(kind: str, ax, xs, series, labels, locale: str = "en") -> list[tuple[float, object, str]]:
    """Draw the series; returns the legend entries (reading position, handle, label): a line's place is its
    height at its right end, a stacked share's its place in the stack from the top, a bar's its place in its
    group."""
    import numpy as np
    clean = [[np.nan if v is None else v for v in s] for s in series]
    entries = []
    if kind == "line":
        pos = periods(xs) or list(range(len(xs)))
        beads = len(xs) <= 40  # a long series reads as a line, not as beads
        many = len(clean) > 1
        for i, (s, label) in enumerate(zip(clean, labels)):
            marker = (MARKERS[i % len(MARKERS)] if many else "o") if beads else None
            dashes = DASHES[i % len(DASHES)] if len(clean) > 2 else "-"  # many lines: a dash pattern each too
            line, = ax.plot(pos, s, marker=marker, markersize=3.2 if many else 3, linestyle=dashes,
                            linewidth=1.6 if beads else 1.2, label=label)
            last = next((v for v in reversed(s) if not np.isnan(v)), -np.inf)
            entries.append((-last, line, label))
    elif kind in ("bar", "grouped_bar"):  # tick labels are set by _x_ticks
        width = 0.8 / len(clean)
        pos = np.arange(len(xs))
        for i, (s, label) in enumerate(zip(clean, labels)):
            bars = ax.bar(pos + (i - (len(clean) - 1) / 2) * width, s, width, label=label)
            entries.append((i, bars, label))
    elif kind == "stacked_share":  # each x's values as shares of their sum: every bar reaches 100 %
        values = np.nan_to_num(np.array(clean, dtype=float))
        totals = values.sum(axis=0)
        shares = np.divide(values * 100.0, totals, out=np.zeros_like(values), where=totals != 0)
        bottom = np.zeros(len(xs))
        pos = np.arange(len(xs))
        tiny = f" (< {percent(TINY_SHARE, locale)})"
        for i, (vals, label) in enumerate(zip(shares, labels)):
            bars = ax.bar(pos, vals, 0.6 if len(xs) <= 40 else 0.9, bottom=bottom, label=label,
                          edgecolor="white", linewidth=0.4)
            bottom += vals
            entries.append((-i, bars, label + (tiny if vals.size and vals.max() < TINY_SHARE else "")))
        ax.set_ylim(0, 100)
    elif kind == "hbar":
        height = 0.8 / len(clean)
        pos = np.arange(len(xs))
        for i, (s, label) in enumerate(zip(clean, labels)):
            bars = ax.barh(pos + (i - (len(clean) - 1) / 2) * height, s, height, label=label)
            entries.append((i, bars, label))
        ax.set_yticks(pos, xs)
        ax.invert_yaxis()
    return [(place, handle, label) for place, handle, label in sorted(entries, key=lambda e: e[0])]


def _legend(ax, entries, width_in: float) -> None:
    """The legend under the plot in reading order: one row when it fits, else rows read left to right
    (matplotlib fills a legend by columns, so the entries are handed over column by column)."""
    import math
    font = 7.5
    room = width_in * 72 * 0.95
    widths = [len(label) * font * 0.55 + 28 for _p, _h, label in entries]
    n = len(entries)
    cols = n if sum(widths) <= room else max(1, min(3, int(room // max(widths))))
    rows = math.ceil(n / cols)
    order = [i * cols + j for j in range(cols) for i in range(rows) if i * cols + j < n]
    ax.legend([entries[k][1] for k in order], [entries[k][2] for k in order], frameon=False, fontsize=font,
              loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=cols)


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
    """As many x labels as fit side by side, never rotated: a time axis gets round years; years as categories
    every 1, 2, 5 or 10 years (those divisible by the step); other categories every k-th label."""
    import math

    from matplotlib.ticker import FuncFormatter, MaxNLocator
    if not xs:
        return
    font = 7.5
    room = width_in * 72 * 0.85  # points of axis length, less the value axis' labels
    pos = periods(xs) if kind == "line" else None
    if pos is not None:
        fit = max(2, int(room // (font * 0.6 * 4 + 10)))  # year labels: 4 characters and a gap
        ax.xaxis.set_major_locator(MaxNLocator(nbins=fit, integer=True, min_n_ticks=2, steps=ROUND_STEPS))
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
    elif all(x.isdigit() and len(x) == 4 for x in xs):  # years: a round step, on the years it divides
        step = next((s for s in (2, 5, 10, 20, 25, 50, 100) if s >= step), step)
        ticks = [i for i, x in enumerate(xs) if int(x) % step == 0]
        ax.set_xticks(ticks, [xs[i] for i in ticks])
    else:
        ticks = list(range(0, len(xs), step))
        ax.set_xticks(ticks, [xs[i] for i in ticks])
    ax.tick_params(axis="x", labelsize=font)


def _percent(job):
    return FuncFormatter(lambda v, _pos: percent(float(v), job.locale))


def percent(value: float, locale: str, decimals: int = 0) -> str:
    """A percentage as the locale writes it (CLDR): "100%" in English, "100 %" in German and French."""
    from babel.numbers import format_percent
    before, _one, after = format_percent(0.01, locale=locale or "en_GB").partition("1")
    return before + format_number(value, decimals, locale) + after


def save_vector(fig, job, svg: bool = True, drawing: bool = True) -> None:
    """The chart's ReportLab drawing for the PDF when `drawing`, drawn from the figure directly
    (builder/charts/drawing.py) and pickled; before it the SVG (for the HTML) when `svg`."""
    import pickle

    from builder.charts.drawing import figure_drawing
    if svg:
        import io
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
        _write(job.svg, out.getvalue())
    if drawing:
        made = figure_drawing(fig, job.style_fonts["name"], job.rl_fonts)
        _write(job.rlg, pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))


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
