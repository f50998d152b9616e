"""Tests against real nnU-Net v2 (and TotalSegmentator) in the AI venv that
``.ci/ai-venv`` builds, run by ``.ci/run`` as a stage of its own:

    DEMARCATE_AI_PYTHON=.ai-venv/bin/python .venv/bin/python -m pytest tests/ai_real

Without that variable (the main test run), or when it names no usable Python, they skip
and say why. The tiny nnU-Net results folder is built once per run, by that Python.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ..ai.conftest import released  # noqa: F401  (no shared memory or worker left behind)

HERE = Path(__file__).resolve().parent
PYTHON_ENV = "DEMARCATE_AI_PYTHON"


def ai_python_path() -> Path | None:
    value = os.environ.get(PYTHON_ENV)
    return Path(value).absolute() if value else None


def run_ai_python(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(ai_python_path()), *map(str, args)], capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="session")
def ai_python() -> str:
    path = ai_python_path()
    if path is None:
        pytest.skip(f"the real-model stage runs with {PYTHON_ENV} set to the AI venv's "
                    "python (bash .ci/ai-venv builds .ai-venv)")
    if not path.exists():
        pytest.skip(f"{PYTHON_ENV}={path} does not exist: the AI venv was not built "
                    "(see the message of bash .ci/ai-venv)")
    probe = subprocess.run([str(path), "-c", "import nnunetv2, torch"], capture_output=True,
                           text=True, timeout=300)
    if probe.returncode != 0:
        pytest.skip(f"{path} cannot import nnunetv2 and torch: {probe.stderr.strip()[-300:]}")
    return str(path)


@pytest.fixture(scope="session")
def tiny_results(ai_python, tmp_path_factory) -> Path:
    """The tiny nnU-Net v2 results folder (see build_tiny_nnunet.py)."""
    root = tmp_path_factory.mktemp("nnUNet_results")
    run_ai_python(HERE / "build_tiny_nnunet.py", root)
    return root
