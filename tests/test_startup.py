"""Cheap starts: `dossier build --help` and `dossier check` import no library they do not use."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from builder.commands.cli import cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "matplotlib", "reportlab", "docx", "svglib", "openpyxl", "pikepdf")
PROBE = """
import json, sys
from click.testing import CliRunner
from builder.commands.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "modules": sorted(m for m in sys.modules if "." not in m)}))
"""


def _imported(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True,
                          cwd=ROOT, timeout=120)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return out["exit"], set(out["modules"])


def test_build_help_imports_no_heavy_library() -> None:
    code, modules = _imported("build", "--help")
    assert code == 0
    assert not modules & set(HEAVY), modules & set(HEAVY)
    assert "pydantic" not in modules and "jinja2" not in modules


def test_check_imports_no_writer_or_chart_library(minimal: Path) -> None:
    code, modules = _imported("check", str(minimal))
    assert code == 0
    assert not modules & {"pandas", "matplotlib", "docx", "svglib", "pikepdf"}, modules


def test_lazy_commands_are_listed_and_run() -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["--help"])
    for name in ("batch", "brief", "diff", "new", "new-edition", "template", "watch", "build", "check"):
        assert f"  {name} " in listing.output
    assert runner.invoke(cli, ["template", "--help"]).exit_code == 0
    assert "No such command" in runner.invoke(cli, ["nonesuch"]).output


def _compiles(monkeypatch) -> list[str]:
    """The names of the templates Jinja compiles from here on."""
    from jinja2 import Environment
    compiled: list[str] = []
    original = Environment.compile

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)
    monkeypatch.setattr(Environment, "compile", compile)
    return compiled


def test_compiled_chapters_are_reused_by_the_next_process_until_edited(minimal: Path, tmp_path: Path,
                                                                          monkeypatch) -> None:
    """A chapter compiled by one build is loaded by the next (its process memory is gone: only the file cache
    remains) with the same text; an edited chapter is compiled again and renders the edit."""
    from builder.errors import Diagnostics
    from builder.readers import templates
    from builder.readers.data import load_dataset
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    compiled = _compiles(monkeypatch)
    data = load_dataset(minimal, Diagnostics())

    def render() -> str:
        templates._COMPILED.clear()  # a new process
        env = templates.make_environment(minimal, "en_GB")
        return templates.render_chapter(env, minimal, "01-overview.md", data, {}, "en_GB").markdown

    first = render()
    assert compiled == ["01-overview.md"]
    assert list((tmp_path / "cache" / "dossier" / "templates").glob("*.jinja"))
    assert render() == first
    assert compiled == ["01-overview.md"]  # loaded, not compiled
    chapter = minimal / "chapters" / "01-overview.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nAn added sentence of {{ 2 + 3 }} words.\n",
                       encoding="utf-8")
    edited = render()
    assert compiled == ["01-overview.md", "01-overview.md"]
    assert edited != first and "An added sentence of 5 words." in edited
    monkeypatch.setenv("DOSSIER_USER_CACHE", "0")
    assert render() == edited
    assert len(compiled) == 3  # the file cache is off: compiled in memory


def test_compiled_chapters_are_keyed_by_the_environment_settings(minimal: Path) -> None:
    from builder.readers.templates import _settings_key, make_environment
    env = make_environment(minimal, "en_GB")
    key = _settings_key(env)
    env.trim_blocks = True
    assert _settings_key(env) != key


def test_compiled_chapters_kept_are_bounded(tmp_path: Path) -> None:
    import os

    from builder.readers.templates import _prune_compiled
    for i in range(12):
        (tmp_path / f"{i:02d}.jinja").write_bytes(b"x")
        os.utime(tmp_path / f"{i:02d}.jinja", (1000 + i, 1000 + i))
    _prune_compiled(tmp_path, keep=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i:02d}.jinja" for i in range(4, 12)]


def test_the_user_cache_is_a_folder_closed_to_others(tmp_path: Path, monkeypatch) -> None:
    from builder.staging import user_cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = user_cache("templates")
    assert folder == tmp_path / "dossier" / "templates" and folder.stat().st_mode & 0o777 == 0o700
    folder.chmod(0o777)
    assert user_cache("templates") is None
    folder.chmod(0o700)
    (tmp_path / "dossier").chmod(0o777)
    assert user_cache("templates") is None
    (tmp_path / "dossier").chmod(0o755)
    monkeypatch.setenv("DOSSIER_USER_CACHE", "0")
    assert user_cache("templates") is None


def test_hyphenation_patterns_kept_between_builds_and_renewed_with_the_dictionary(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    """The parsed patterns kept as JSON in the user's cache break words exactly as the parsed dictionary does;
    a changed dictionary file is parsed again."""
    import shutil

    import pyphen

    from builder.writers.pdf import _hyphenation, _patterns
    words = ["Zusammenarbeit", "Wirtschaftsbeziehungen", "Bevölkerungsentwicklung", "Außenhandelsumsatz",
             "international", "representatives", "Übereinkommen"]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for lang in ("de", "en-GB"):
        monkeypatch.setenv("DOSSIER_USER_CACHE", "0")
        pyphen.hdcache.clear()
        plain = _hyphenation(lang)
        expected = {w: list(plain(w)) for w in words}
        monkeypatch.setenv("DOSSIER_USER_CACHE", "1")
        pyphen.hdcache.clear()
        _hyphenation(lang)  # parses and keeps
        pyphen.hdcache.clear()  # a new process
        parsed: list = []
        with monkeypatch.context() as m:
            m.setattr(pyphen.HyphDict, "__init__", lambda self, path: parsed.append(path))
            kept = _hyphenation(lang)
        assert parsed == []  # read from the kept patterns
        assert {w: list(kept(w)) for w in words} == expected
        assert any(len(pairs) > 1 for pairs in expected.values())
    assert len(list((tmp_path / "cache" / "dossier" / "hyphenation").glob("*.json"))) == 2
    pyphen.hdcache.clear()

    dictionary = tmp_path / "hyph_xx.dic"
    shutil.copy(pyphen.LANGUAGES["de_DE"], dictionary)
    (tmp_path / "own").mkdir()
    _patterns(pyphen, dictionary, tmp_path / "own")
    before = pyphen.hdcache.pop(dictionary).positions("zusammenarbeit")
    dictionary.write_text("UTF-8\nsa1m\n", encoding="utf-8")  # one pattern only
    _patterns(pyphen, dictionary, tmp_path / "own")
    after = pyphen.hdcache.pop(dictionary).positions("zusammenarbeit")
    assert after != before and after == [4]  # zusa-mmenarbeit
    assert len(list((tmp_path / "own").glob("*.json"))) == 1  # the earlier file's patterns are gone
