"""Describing a chosen Python and building a managed venv (offline: pip installs a wheel
made in the test from a local folder)."""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from pathlib import Path

import pytest

from demarcate.ai.environments import (
    AI_PACKAGES,
    VENV_NEEDED,
    PythonInfo,
    create_managed_env,
    data_folder,
    env_python,
    managed_env_folder,
    probe_python,
)
from demarcate.ai.errors import AiCancelled, AiError


def wrapper(folder: Path, module: str, body: str) -> Path:
    """A "python" that is the real one with a module of ours shadowing ``module``."""
    package = folder / "site" / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(body)
    script = folder / "python"
    script.write_text(f"#!/bin/sh\nPYTHONPATH={package.parent} exec {sys.executable} \"$@\"\n")
    script.chmod(0o755)
    return script


def fake_wheel(folder: Path, name: str) -> Path:
    """A minimal pure-Python wheel providing the module ``name`` (pip needs no network
    to install it with --no-index --find-links)."""
    files = {f"{name}/__init__.py": b"VERSION = '0.0.1'\n",
             f"{name}-0.0.1.dist-info/METADATA":
                 f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n".encode(),
             f"{name}-0.0.1.dist-info/WHEEL":
                 b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                 b"Tag: py3-none-any\n"}
    record = "".join(
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"  # noqa: E501
        for path, data in files.items()) + f"{name}-0.0.1.dist-info/RECORD,,\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-0.0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{name}-0.0.1.dist-info/RECORD", record)
    return wheel


def test_the_current_python_is_described():
    info = probe_python(sys.executable)
    assert info.version == ".".join(map(str, sys.version_info[:3]))
    import numpy
    assert info.numpy == numpy.__version__ and info.problem is None
    assert set(info.packages) == set(AI_PACKAGES)
    assert all(isinstance(found, bool) for found in info.packages.values())


def test_a_path_that_is_not_a_python(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    text.chmod(0o755)
    for path in (tmp_path / "missing", text, "/bin/true"):
        with pytest.raises(AiError, match=f"{path} is not a Python"):
            probe_python(path)


def test_a_broken_numpy_is_a_problem_not_an_exception(tmp_path):
    python = wrapper(tmp_path, "numpy", "raise ImportError('built for another CPU')\n")
    info = probe_python(python)
    assert info.numpy is None
    assert info.problem.startswith(f"{python} has no numpy (ImportError: built for another")
    assert f"{python} -m pip install numpy" in info.problem


def test_an_old_python_is_a_problem():
    info = PythonInfo(path="/usr/bin/python3.7", executable="/usr/bin/python3.7",
                      version="3.7.3", numpy="1.21.6", numpy_error=None)
    assert "needs Python 3.8 or newer" in info.problem


def test_default_folders_follow_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("DEMARCATE_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert data_folder() == tmp_path / "demarcate" / "ai"
    assert managed_env_folder("totalsegmentator").parent.parent == tmp_path / "demarcate" / "ai"


def test_a_managed_env_is_created_with_pip_output_as_progress(tmp_path):
    wheels = tmp_path / "wheels"
    fake_wheel(wheels, "totalsegmentator")
    folder = tmp_path / "env"
    lines = []
    info = create_managed_env(folder, ["totalsegmentator"],
                              progress=lambda fraction, line: lines.append(line),
                              pip_args=["--no-index", "--find-links", str(wheels)])
    assert info.path == str(env_python(folder))
    assert info.packages["totalsegmentator"] and not info.packages["nnunetv2"]
    assert info.numpy is None and "has no numpy" in info.problem  # not asked for
    assert any("Successfully installed totalsegmentator" in line for line in lines)


def test_a_failed_install_says_why_and_leaves_no_folder(tmp_path):
    folder = tmp_path / "env"
    with pytest.raises(AiError, match="pip install failed .*offline") as caught:
        create_managed_env(folder, ["demarcate-no-such-package"],
                           pip_args=["--no-index", "--find-links", str(tmp_path)])
    assert "demarcate-no-such-package" in str(caught.value)
    assert not folder.exists()


def test_a_cancelled_install_leaves_no_folder(tmp_path):
    folder = tmp_path / "env"
    seen = []

    def cancelled() -> bool:  # cancel while venv is filling the folder
        seen.append(folder.exists())
        return seen[-1]

    with pytest.raises(AiCancelled):
        create_managed_env(folder, ["numpy"], cancelled=cancelled,
                           pip_args=["--no-index", "--find-links", str(tmp_path)])
    assert seen[-1] and not folder.exists()


def test_a_python_without_venv_support_names_the_package(tmp_path):
    python = wrapper(tmp_path, "ensurepip", "raise ModuleNotFoundError(\"No module named "
                                            "'ensurepip'\")\n")
    with pytest.raises(AiError, match="^python3-venv is needed") as caught:
        create_managed_env(tmp_path / "env", ["numpy"], base_python=str(python))
    assert str(caught.value) == VENV_NEEDED
