"""A rebuild with nothing changed does nothing: the outputs are skipped when a hash of every input
(project files, builder code, requested formats) matches the one recorded by the last good build."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

INPUT_DIRS = ("chapters", "data", "styles")


def fingerprint(root: Path, formats: tuple[str, ...]) -> str:
    digest = hashlib.sha256(",".join(formats).encode() + os.environ.get("DOSSIER_DOCX_PAGINATION", "").encode())
    files = [root / "report.yaml"] + sorted(p for d in INPUT_DIRS for p in (root / d).rglob("*") if p.is_file())
    files += sorted(Path(__file__).parents[1].rglob("*.py")) + sorted(Path(__file__).parents[1].rglob("*.po"))
    for path in files:
        digest.update(str(path).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            return ""  # an unreadable input: no shortcut, the build reads it and says what is wrong
    return digest.hexdigest()


def _state_file(out_dir: Path) -> Path:
    return out_dir / ".cache" / "build-state.json"


def up_to_date(out_dir: Path, key: str) -> dict | None:
    """The recorded outputs when the inputs are unchanged and every output is still there."""
    try:
        state = json.loads(_state_file(out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("key") != key or not all(Path(p).exists() for p in state.get("outputs", {}).values()):
        return None
    return state


def record(out_dir: Path, key: str, outputs: dict[str, Path], pages: dict[str, int]) -> None:
    path = _state_file(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    from builder.staging import write_atomic
    write_atomic(path, json.dumps({"key": key, "outputs": {k: str(v) for k, v in outputs.items()}, "pages": pages}))


def forget(out_dir: Path) -> None:
    """Drop the record: the next build rebuilds."""
    _state_file(out_dir).unlink(missing_ok=True)
