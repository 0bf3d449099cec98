"""The peer pipeline a user would pick instead: pandoc + Typst from PyPI, charts drawn by matplotlib, on the
content bench/export.py exported from the flagship. Run as a whole process, like `dossier build`:

    python bench/peer.py CONTENT OUT --charts jupyter   # Quarto-style: chart code executed in a Jupyter kernel
    python bench/peer.py CONTENT OUT --charts script    # a plain script draws the charts itself

Both write OUT/report.pdf (pandoc → Typst markup → typst) and OUT/report.docx (pandoc), with a table of contents;
charts as SVG for the PDF and 200-dpi PNG for the DOCX. Quarto itself adds Deno and Lua filters on top of these
steps, so this is a lower bound for Quarto.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

CHART_CODE = r'''
import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

def draw(path, kind, unit, width_in, height_in, out):
    frame = pd.read_csv(path)
    x, series = frame.columns[0], list(frame.columns[1:])
    fig, ax = plt.subplots(figsize=(width_in, height_in))
    labels = frame[x].astype(str)
    if kind == "line":
        for s in series:
            ax.plot(labels, frame[s], marker="o", label=s)
    elif kind == "hbar":
        frame.set_index(x)[series].plot.barh(ax=ax)
    elif kind == "stacked_share":
        shares = frame.set_index(x)[series]
        (shares.div(shares.sum(axis=1), axis=0) * 100).plot.bar(ax=ax, stacked=True)
    else:
        frame.set_index(x)[series].plot.bar(ax=ax)
    ax.set_ylabel(unit)
    if len(series) > 1:
        ax.legend(frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(out + ".svg")
    fig.savefig(out + ".png", dpi=200)
    plt.close(fig)
'''


def _calls(content: Path, out: Path) -> list[str]:
    charts = json.loads((content / "charts.json").read_text(encoding="utf-8"))
    return [f"draw({str(content / 'charts' / (cid + '.csv'))!r}, {c['kind']!r}, {c['unit']!r}, {c['width_in']}, "
            f"{c['height_in']}, {str(out / 'charts' / cid)!r})" for cid, c in charts.items()]


def charts_in_kernel(content: Path, out: Path) -> None:
    """As Quarto runs a .qmd's Python cells: a notebook executed by nbclient in an ipykernel kernel."""
    import nbformat
    from nbclient import NotebookClient
    cells = [nbformat.v4.new_code_cell(CHART_CODE)] + [nbformat.v4.new_code_cell(c) for c in _calls(content, out)]
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, kernel_name="python3", timeout=600).execute()
    nbformat.write(notebook, str(out / "report.ipynb"))


def charts_in_script(content: Path, out: Path) -> None:
    scope: dict = {}
    exec(CHART_CODE, scope)  # noqa: S102 - the benchmark's own chart code
    for call in _calls(content, out):
        exec(call, scope)  # noqa: S102


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("content", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--charts", choices=("jupyter", "script"), default="jupyter")
    args = parser.parse_args()
    content, out = args.content.resolve(), args.out.resolve()
    (out / "charts").mkdir(parents=True, exist_ok=True)
    (charts_in_kernel if args.charts == "jupyter" else charts_in_script)(content, out)
    shutil.copy(content / "report.md", out / "report.md")
    import pypandoc
    import typst
    pandoc = pypandoc.get_pandoc_path()
    # long tables break across pages, as Quarto's Typst template lets them (a Typst figure does not break)
    (out / "header.typ").write_text("#show figure: set block(breakable: true)\n", encoding="utf-8")
    common = [pandoc, "report.md", "--standalone", "--toc", "--resource-path", str(out)]
    subprocess.run([*common, "--default-image-extension=svg", "-t", "typst", "--include-in-header",
                    "header.typ", "-o", "report.typ"], cwd=out, check=True)
    typst.compile(str(out / "report.typ"), output=str(out / "report.pdf"), root=str(out))
    subprocess.run([*common, "--default-image-extension=png", "-o", "report.docx"], cwd=out, check=True)


if __name__ == "__main__":
    main()
