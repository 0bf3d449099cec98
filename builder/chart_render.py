"""Drawing one chart with matplotlib in the house style; imported only when a chart must be rendered."""
from __future__ import annotations

import os
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


def draw(job, part: str = "all") -> None:
    """Render the chart: part "vector" (SVG + parsed drawing), "raster" (PNG) or "all"."""
    _setup(job)
    fig, ax = plt.subplots(figsize=job.size)
    xs = [str(r[0]) for r in job.rows]
    series = [[r[i + 1] for r in job.rows] for i in range(len(job.labels))]
    _plot(job.spec.kind, ax, xs, series, job.labels)
    values_axis = ax.xaxis if job.spec.kind == "hbar" else ax.yaxis
    values_axis.set_major_formatter(_ticks(job))
    if job.spec.unit:
        values_axis.set_label_text(job.spec.unit)
    if len(job.labels) > 1:
        ax.legend(frameon=False, fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.14),
                  ncol=min(len(job.labels), 3))
    fig.tight_layout()
    _save(fig, job, part)
    plt.close(fig)
    if part in ("vector", "all"):
        from builder.charts import parse_svg
        parse_svg(job)


def _plot(kind: str, ax, xs, series, labels) -> None:
    import numpy as np
    clean = [[np.nan if v is None else v for v in s] for s in series]
    if kind == "line":
        for s, label in zip(clean, labels):
            ax.plot(xs, s, marker="o", markersize=3, linewidth=1.6, label=label)
    elif kind in ("bar", "grouped_bar"):
        width = 0.8 / len(clean)
        pos = np.arange(len(xs))
        for i, (s, label) in enumerate(zip(clean, labels)):
            ax.bar(pos + (i - (len(clean) - 1) / 2) * width, s, width, label=label)
        ax.set_xticks(pos, xs)
    elif kind == "stacked_share":
        bottom = np.zeros(len(xs))
        for s, label in zip(clean, labels):
            vals = np.nan_to_num(np.array(s, dtype=float))
            ax.bar(xs, vals, 0.6, bottom=bottom, label=label)
            bottom += vals
    elif kind == "hbar":
        height = 0.8 / len(clean)
        pos = np.arange(len(xs))
        for i, (s, label) in enumerate(zip(clean, labels)):
            ax.barh(pos + (i - (len(clean) - 1) / 2) * height, s, height, label=label)
        ax.set_yticks(pos, xs)
        ax.invert_yaxis()
    if kind != "hbar" and len(xs) > 8:
        ax.tick_params(axis="x", labelrotation=45 if len(xs) > 12 else 0, labelsize=7.5)


def _save(fig, job, part: str) -> None:
    outputs = []
    if part in ("vector", "all"):
        outputs.append((job.svg, {"format": "svg", "metadata": {"Date": None}}))
    if part in ("raster", "all"):
        outputs.append((job.png, {"format": "png", "dpi": 300, "metadata": {"Software": None},
                                  "pil_kwargs": {"compress_level": 1}}))  # zlib dominated the PNG time
    for path, kwargs in outputs:
        tmp = temp_path(Path(path))  # unique: two builds may render the same chart at once
        try:
            fig.savefig(tmp, **kwargs)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
