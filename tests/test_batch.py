"""Parameters and `dossier batch`, on examples/regions (one edition per region; invented data): each edition holds
its own region's figures, a failing row does not stop the others, charts are drawn once for the whole batch, and a
two-worker Dask LocalCluster writes the same bytes as the local pool."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_project, pdf_text, run_cli

REGIONS = ROOT / "examples" / "regions"
# region → (latest year, exports, imports, first year's exports) as in examples/regions/data/regional-trade.csv
FIGURES = {"North": (2023, "412.5", "340.1", "350.2"), "South": (2023, "287.3", "275.2", "301.8"),
           "East": (2022, "176.4", "190.2", "150.9"), "West": (2023, "356.9", "270.3", "310.0")}
ROWS = "region,year\nNorth,2023\nSouth,2023\nEast,2022\nNowhere,2023\nWest,2023\n"


def _text(pdf: Path) -> str:
    """The PDF's text with line breaks as spaces."""
    return " ".join(pdf_text(pdf).split())


def _drawings(result) -> dict[str, bytes]:
    """Each chart's drawing for the PDF, as written to the chart cache."""
    from builder.model import Figure, walk
    return {b.id: Path(b.chart.svg_path[:-4] + ".rlg").read_bytes() for b in walk(result.document.blocks)
            if isinstance(b, Figure)}


def _params(**values):
    from builder.readers.params import ParamSet
    return ParamSet({k: str(v) for k, v in values.items()})


@pytest.fixture()
def regions(tmp_path: Path) -> Path:
    return copy_project(REGIONS, tmp_path / "regions")


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    """The batch of ROWS on the local pool (two workers): the report and the brief, PDF and DOCX."""
    from builder.commands.batch import run_batch
    base = tmp_path_factory.mktemp("batch")
    project = copy_project(REGIONS, base / "regions")
    (base / "rows.csv").write_text(ROWS, encoding="utf-8")
    report = run_batch(project, base / "rows.csv", base / "local", "both", ("pdf", "docx"), workers=2)
    return base, project, report


# ---- parameter values ---------------------------------------------------------------------------------


def test_values_are_typed_checked_and_located(tmp_path: Path) -> None:
    from builder.errors import BuildError
    from builder.readers.params import ParamSpec, read_params_file, resolve
    specs = {"region": ParamSpec(type="text", choices=["North", "South"]), "year": ParamSpec(type="year", default=2023)}
    path = tmp_path / "rows.csv"
    path.write_text("region,year\nNorth,2022\n\nSouth,20x3\nWest,2023\nNorth,\n", encoding="utf-8")
    rows = read_params_file(path)
    assert resolve(specs, rows[0]) == {"region": "North", "year": 2022}
    with pytest.raises(BuildError) as bad_year:
        resolve(specs, rows[1])
    assert str(bad_year.value).startswith(f"{path}:4: error: parameter 'year': expected a number, found '20x3'")
    with pytest.raises(BuildError, match="'West' is not one of the choices") as bad_choice:
        resolve(specs, rows[2])
    assert bad_choice.value.source.line == 5
    with pytest.raises(BuildError, match="expected a year, found an empty value"):
        resolve(specs, rows[3])
    with pytest.raises(BuildError, match="parameter 'region' has no value and no default"):
        resolve(specs, _params(year=2023))
    with pytest.raises(BuildError, match="unknown parameter 'regoin'"):
        resolve(specs, _params(regoin="North"))


def test_yaml_params_file_rows_carry_their_lines(tmp_path: Path) -> None:
    from builder.readers.params import read_params_file
    path = tmp_path / "rows.yaml"
    path.write_text("# editions\n- {region: North, year: 2023}\n- region: South\n  year: 2022\n", encoding="utf-8")
    rows = read_params_file(path)
    assert [r.values for r in rows] == [{"region": "North", "year": 2023}, {"region": "South", "year": 2022}]
    assert [r.source.line for r in rows] == [2, 3]


def test_folder_names_come_from_the_values_and_never_collide() -> None:
    from builder.commands.batch import plan_rows
    rows = plan_rows([_params(region="São Paulo", year=2023), _params(region="são-paulo", year=2023),
                      _params(region="Almaty", year=2023)])
    assert [r.folder for r in rows] == ["são-paulo-2023", "são-paulo-2023-2", "almaty-2023"]


def test_bad_param_on_the_command_line_is_a_located_error(regions: Path) -> None:
    result = run_cli("build", str(regions), "--param", "region=Nowhere", "--format", "pdf")
    assert result.returncode == 2
    assert "\n--param: error: parameter 'region': 'Nowhere' is not one of the choices" in result.stderr
    assert "Traceback" not in result.stderr
    bad_where = regions / "data" / "charts.yaml"
    bad_where.write_text(bad_where.read_text(encoding="utf-8").replace("params.region", "params.regoin"),
                         encoding="utf-8")
    result = run_cli("build", str(regions), "--format", "pdf")
    assert result.returncode == 2
    assert "data/charts.yaml:9: error: regional-jobs.where.region: 'dict object' has no attribute 'regoin'" \
        in result.stderr


# ---- parameters in a full report ----------------------------------------------------------------------


def test_two_regions_differ_in_tables_charts_and_sentences_as_the_data_says(regions: Path) -> None:
    from builder.charts import make_job
    from builder.pipeline import build
    north = build(regions, regions / "out", ("pdf",), params=_params(region="North"))
    svgs = {"North": _drawings(north)}  # read now: the next build prunes the cache to its own charts
    south = build(regions, regions / "out", ("pdf",), params=_params(region="South"))
    svgs["South"] = _drawings(south)
    texts = {name: _text(r.outputs["pdf"]) for name, r in (("North", north), ("South", south))}
    assert north.outputs["pdf"].name == "trade-north.pdf" and south.outputs["pdf"].name == "trade-south.pdf"
    # sentences: the region's own figures, and "grew"/"fell" as its data says
    assert "exported goods worth 412.5 million" in texts["North"] and "exports grew" in texts["North"]
    assert "exported goods worth 287.3 million" in texts["South"] and "exports fell" in texts["South"]
    assert "country’s exports was 32.9%" in texts["North"] and "country’s exports was 22.9%" in texts["South"]
    # tables: the region's rows only
    for name, other in (("North", "South"), ("South", "North")):
        year, exports, imports, first = FIGURES[name]
        assert all(v in texts[name] for v in (exports, imports, first))
        assert not any(v in texts[name] for v in FIGURES[other][1:])
    # charts: plotted from the region's rows; the national chart is the same drawing for both
    for fig in ("regional-exports", "regional-jobs"):
        assert svgs["North"][fig] != svgs["South"][fig]
    assert svgs["North"]["national-exports"] == svgs["South"]["national-exports"]
    job = make_job("regional-exports", south.dataset.charts["regional-exports"], south.dataset, south.style,
                   regions / "c", "en_GB")
    assert job.rows == [(2021, 301.8, 260.3), (2022, 295.4, 270.6), (2023, 287.3, 275.2)]
    jobs = make_job("regional-jobs", north.dataset.charts["regional-jobs"], north.dataset, north.style,
                    regions / "c", "en_GB")
    assert jobs.rows == [(2021, 12.1), (2022, 12.8), (2023, 13.6)]  # where: {region: "{{ params.region }}"}
    # claims: checked on each region's own data
    assert [c.holds for c in north.claims] == [True]
    east = build(regions, regions / "out", ("pdf",), params=_params(region="East", year=2022))
    assert [c.holds for c in east.claims] == [False]
    assert "In 2022 the East region" in _text(east.outputs["pdf"])


# ---- dossier batch --------------------------------------------------------------------------------------


def test_batch_gives_each_row_its_own_figures_and_survives_a_failing_row(batch_run) -> None:
    base, _project, report = batch_run
    assert (report["rows"], report["built"], report["failed"]) == (5, 4, 1)
    assert json.loads((base / "local" / "batch.json").read_text(encoding="utf-8")) == report
    failed = [r for r in report["results"] if r["status"] == "failed"]
    assert failed[0]["folder"] == "nowhere-2023"
    assert failed[0]["error"].startswith(f"{base / 'rows.csv'}:5: error: parameter 'region': 'Nowhere'")
    folders = sorted(p.name for p in (base / "local").iterdir() if p.is_dir())
    assert folders == ["east-2022", "north-2023", "south-2023", "west-2023"]
    for name, (year, exports, imports, _first) in FIGURES.items():
        folder = base / "local" / f"{name.lower()}-{year}"
        report_text = _text(folder / f"trade-{name.lower()}.pdf")
        brief_text = _text(folder / f"trade-{name.lower()}-brief.pdf")
        for text in (report_text, brief_text):
            assert f"{name} region" in text and exports in text and imports in text
            others = [v for other, f in FIGURES.items() if other != name for v in f[1:3]]
            assert not any(v in text for v in others), name
        assert "Table 1.1" in brief_text  # ref() into the full report
        assert (folder / f"trade-{name.lower()}.docx").stat().st_size > 0
    east = next(r for r in report["results"] if r["folder"] == "east-2022")
    assert [c["text"] for c in east["failed_claims"]] == ["the region exports more than it imports"]
    assert report["failed_claims"] == 1


def test_batch_draws_each_chart_once_and_reuses_it(batch_run, tmp_path: Path) -> None:
    from builder.commands.batch import run_batch
    base, project, report = batch_run
    built = [r for r in report["results"] if r["status"] == "built"]
    national = {s for r in built for s in r["chart_files"] if s.startswith("national-exports-")}
    assert len(national) == 1 and all(national <= set(r["chart_files"]) for r in built)
    # 4 regional-exports + 4 regional-jobs (each region's own) + 1 national, each drawn by exactly one row
    assert report["charts"]["distinct"] == 9
    assert report["charts"]["drawn"] == 9
    assert report["charts"]["reused"] == 4 * 5 - 9  # 3 charts in each report, 2 in each brief
    again = run_batch(project, base / "rows.csv", tmp_path / "again", "brief", ("pdf",), workers=1)
    assert again["charts"]["drawn"] == 0 and again["charts"]["reused"] == 8


def test_batch_on_a_dask_local_cluster_writes_the_same_bytes(batch_run) -> None:
    from distributed import LocalCluster

    from builder.commands.batch import run_batch
    base, project, local = batch_run
    # the scheduler writes its scheduler file when it starts (Client.write_scheduler_file can fail once workers
    # have reported metrics with tuple keys, which json cannot write)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"scheduler_file": str(base / "scheduler.json")}) as cluster:
        dask = run_batch(project, base / "rows.csv", base / "dask", "both", ("pdf", "docx"),
                         scheduler=cluster.scheduler_address)
        (base / "one.csv").write_text("region\nWest\n", encoding="utf-8")
        by_file = run_batch(project, base / "one.csv", base / "by-file", "brief", ("pdf",),
                            scheduler=str(base / "scheduler.json"))
    assert by_file["built"] == 1 and by_file["engine"] == str(base / "scheduler.json")
    assert dask["engine"].startswith("tcp://")
    assert (dask["built"], dask["failed"]) == (local["built"], local["failed"]) == (4, 1)
    files = sorted(p.relative_to(base / "local") for p in (base / "local").rglob("*") if p.suffix in (".pdf", ".docx"))
    assert len(files) == 16
    for rel in files:
        assert (base / "dask" / rel).read_bytes() == (base / "local" / rel).read_bytes(), rel


def test_batch_command_prints_progress_and_a_summary(regions: Path, tmp_path: Path) -> None:
    rows = tmp_path / "rows.yaml"
    rows.write_text("- {region: West, year: 2022}\n- {region: South, year: 2099x}\n- {region: North}\n",
                    encoding="utf-8")
    result = run_cli("batch", str(rows), str(regions), "--kind", "brief", "--format", "pdf", "--workers", "1",
                     "--out", str(tmp_path / "out"))
    assert result.returncode == 1  # a row failed; the others were built
    assert "[3/3] built north" in result.stderr and "ETA" in result.stderr
    assert f"{rows}:2: error: parameter 'year': expected a number, found '2099x'" in result.stderr
    assert "built 2 of 3 rows" in result.stdout and "charts: " in result.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["batch.json", "north", "west-2022"]
    assert "2022" in pdf_text(tmp_path / "out" / "west-2022" / "trade-west-brief.pdf")


def test_a_column_that_is_not_a_parameter_stops_the_batch_before_any_row(regions: Path, tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("region,yaer\nNorth,2023\n", encoding="utf-8")
    result = run_cli("batch", str(rows), str(regions), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert f"{rows}:2: error: unknown parameter 'yaer'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_params_file_for_one_build_and_the_command_line_over_it(tmp_path: Path) -> None:
    from builder.errors import BuildError
    from builder.readers.params import given_params
    one = tmp_path / "one.yaml"
    one.write_text("region: South\nyear: 2022\n", encoding="utf-8")
    assert given_params(("year=2021",), one).values == {"region": "South", "year": "2021"}
    two = tmp_path / "two.csv"
    two.write_text("region\nNorth\nSouth\n", encoding="utf-8")
    with pytest.raises(BuildError, match="holds 2 parameter sets, a build takes one"):
        given_params((), two)
    with pytest.raises(BuildError, match="expected name=value"):
        given_params(("region",), None)


def test_until_star_filters_every_table_with_the_column(regions: Path) -> None:
    from builder.pipeline import load_inputs
    from builder.readers.params import ParamSpec, apply_params
    inputs = load_inputs(regions)
    declared = dict(inputs.project.spec.params, year=ParamSpec(type="year", until={"*": "year"}))
    project = inputs.project.__class__(inputs.project.root, inputs.project.spec.model_copy(update={"params": declared}))
    _project, dataset = apply_params(project, inputs.dataset, _params(year=2021))
    # regional-trade: North's rows (region's default) up to 2021; the others: every part up to 2021
    assert {t.id: len(t.rows) for t in dataset.tables.values()} == \
        {"national-trade": 1, "regional-jobs": 4, "regional-trade": 1}
    assert len(inputs.dataset.tables["regional-trade"].rows) == 12  # the loaded data is not changed


def test_each_rows_build_report_names_its_parameters(batch_run) -> None:
    import jsonschema
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    base, _project, _report = batch_run
    data = json.loads((base / "local" / "east-2022" / "trade-east.report.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["params"] == {"region": "East", "year": 2022}


def test_declaring_parameters_with_their_defaults_changes_no_byte(tmp_path: Path) -> None:
    from builder.pipeline import build
    from tests.conftest import MINIMAL
    plain = copy_project(MINIMAL, tmp_path / "plain")
    declared = copy_project(MINIMAL, tmp_path / "declared")
    report = declared / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8") + "params:\n  year:\n    type: year\n    default: null\n"
                      "    until: {trade: year}\n  audience:\n    type: text\n    default: ''\n", encoding="utf-8")
    a = build(plain, tmp_path / "a", ("pdf", "docx"))
    b = build(declared, tmp_path / "b", ("pdf", "docx"))
    assert b.project.params == {"year": None, "audience": ""}
    for fmt in ("pdf", "docx"):
        assert a.outputs[fmt].read_bytes() == b.outputs[fmt].read_bytes(), fmt
