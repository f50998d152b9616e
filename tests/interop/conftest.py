"""Fixtures for the MITK interoperability tests: real MITK in its own Python 3.12 venv.

The MITK interpreter is ``$DEMARCATE_MITK_PYTHON`` or ``.mitk-venv/bin/python`` in the
repository root (made by tests/interop/setup_mitk_venv.sh). Without it every test here is
skipped with the reason, so the default test run needs neither Python 3.12 nor MITK.
Demarcate itself is run as ``sys.executable -m demarcate`` so that the tests exercise the
same CLI a user or a batch job calls.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DUMP_SCRIPT = Path(__file__).with_name("mitk_dump.py")
SETUP_HINT = "run tests/interop/setup_mitk_venv.sh or set DEMARCATE_MITK_PYTHON"
TIMEOUT_S = 300


@dataclass
class MitkRead:
    """What real MITK read from a file: mitk_dump.py's labels.json and the group arrays."""

    record: dict[str, Any]
    arrays: list[np.ndarray] = field(default_factory=list)

    @property
    def groups(self) -> list[dict[str, Any]]:
        return self.record["groups"]

    @property
    def geometry(self) -> dict[str, Any]:
        return self.record["geometry"]


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@pytest.fixture(scope="session")
def mitk_python() -> Path:
    """The MITK venv interpreter; skip (or fail, if explicitly configured) without it."""
    configured = os.environ.get("DEMARCATE_MITK_PYTHON")
    candidate = Path(configured) if configured else REPO_ROOT / ".mitk-venv" / "bin" / "python"
    if not candidate.is_file():
        where = f"{candidate} (DEMARCATE_MITK_PYTHON)" if configured else ".mitk-venv/bin/python"
        pytest.skip(f"MITK interop: no MITK Python at {where} ({SETUP_HINT})")
    probe = subprocess.run(
        [str(candidate), "-c", "import mitk; print(mitk.__version__)"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if probe.returncode != 0:
        # The wheel bundles ITK/VTK/DCMTK but links the system's libX11 and libXrender.
        missing_library = ".so" in probe.stderr
        hint = "; apt-get install libx11-6 libxrender1" if missing_library else ""
        message = (
            f"MITK interop: {candidate} cannot import mitk ({SETUP_HINT}{hint}):\n"
            f"{_tail(probe.stderr)}"
        )
        if configured:  # the user asked for this interpreter: a broken one is an error
            pytest.fail(message)
        pytest.skip(message)
    return candidate


def run_demarcate(*args: str | Path) -> subprocess.CompletedProcess:
    """Run our CLI exactly as a user would; fail the test with its stderr on error."""
    result = subprocess.run(
        [sys.executable, "-m", "demarcate", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, (
        f"demarcate {' '.join(map(str, args))} exited {result.returncode}:\n"
        f"{_tail(result.stderr or result.stdout)}"
    )
    return result


def demarcate_info(path: Path) -> dict[str, Any]:
    """``demarcate info PATH --json``: one JSON object."""
    return json.loads(run_demarcate("info", path, "--json").stdout)


def _run_mitk(python: Path, *args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(python), str(DUMP_SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


@pytest.fixture
def mitk_read(mitk_python: Path, tmp_path: Path):
    """A function: path -> MitkRead, with MITK's own reader doing the reading."""
    counter = iter(range(1_000_000))

    def read(path: Path) -> MitkRead:
        out_dir = tmp_path / f"mitk_dump_{next(counter)}"
        result = _run_mitk(mitk_python, path, out_dir)
        error_file = out_dir / "error.json"
        if error_file.is_file():
            pytest.fail(f"real MITK: {json.loads(error_file.read_text())['error']}")
        assert result.returncode == 0, (
            f"mitk_dump.py on {path.name} exited {result.returncode} "
            f"(negative = killed by signal):\n{_tail(result.stderr + result.stdout)}"
        )
        record = json.loads((out_dir / "labels.json").read_text(encoding="utf-8"))
        arrays = [np.load(out_dir / group["array"]) for group in record["groups"]]
        return MitkRead(record, arrays)

    return read


@pytest.fixture
def mitk_write(mitk_python: Path):
    """A function: (spec.json, out.nrrd) -> out.nrrd, written by MITK's own writer."""

    def write(spec: Path, target: Path) -> Path:
        result = _run_mitk(mitk_python, "--write", spec, target)
        assert result.returncode == 0 and target.is_file(), (
            f"mitk_dump.py --write exited {result.returncode}:\n"
            f"{_tail(result.stderr + result.stdout)}"
        )
        return target

    return write


@pytest.fixture
def mitk_preset(mitk_python: Path, tmp_path: Path):
    """A function: preset file -> labels.json dict as MITK's C++ preset loader saw it."""

    def load(preset: Path) -> dict[str, Any]:
        out_dir = tmp_path / f"mitk_preset_{preset.name}"
        result = _run_mitk(mitk_python, "--preset", preset, out_dir)
        assert result.returncode == 0, (
            f"MITK's preset loader on {preset.name} exited {result.returncode}:\n"
            f"{_tail(result.stderr + result.stdout)}"
        )
        return json.loads((out_dir / "labels.json").read_text(encoding="utf-8"))

    return load
