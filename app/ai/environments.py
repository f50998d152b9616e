"""Python environments for the AI worker: describe a Python the user picked, and build a
managed venv on request.

The AI packages (torch, nnU-Net, TotalSegmentator) live in an environment of the user's
choice, never in the app's own process. Describing one runs that Python on a tiny
snippet (numpy is imported, the AI packages are only looked up, so it takes a fraction
of a second), which is also how a failed worker start gets explained: "is not a Python"
and "has no numpy" are told apart from a crash.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from .errors import AiCancelled, AiError
from .process import LineProcess

#: The AI packages a worker adapter may need, as import names.
AI_PACKAGES = ("nnunetv2", "nnunet", "totalsegmentator", "torch")
#: ``multiprocessing.shared_memory`` and the worker's syntax need this.
MIN_PYTHON = (3, 8)
PROBE_TIMEOUT_S = 60.0
VENV_NEEDED = "python3-venv is needed (Debian/Ubuntu: apt install python3-venv)"
_PROBE_MARK = "demarcate-probe "
_PROBE = """
import json, sys
info = {"version": "%d.%d.%d" % tuple(sys.version_info[:3]),
        "executable": sys.executable, "numpy": None, "numpy_error": None, "packages": {}}
try:
    import numpy
    info["numpy"] = numpy.__version__
except Exception as error:
    info["numpy_error"] = "%s: %s" % (type(error).__name__, error)
for name in NAMES:
    try:
        import importlib.util
        info["packages"][name] = importlib.util.find_spec(name) is not None
    except Exception:
        info["packages"][name] = False
print(MARK + json.dumps(info))
"""
_POLL_S = 0.05


@dataclass(frozen=True)
class PythonInfo:
    """What a Python offers the AI worker."""

    path: str  # as the user gave it
    executable: str  # sys.executable as that Python reports it
    version: str  # "3.11.7"
    numpy: str | None  # numpy's version; None when ``import numpy`` fails
    numpy_error: str | None  # why it fails
    packages: Mapping[str, bool] = field(default_factory=dict)  # AI_PACKAGES: importable

    @property
    def problem(self) -> str | None:
        """Why the AI worker cannot run in this Python, for the user; None if it can."""
        version = tuple(int(part) for part in self.version.split(".")[:2])
        if version < MIN_PYTHON:
            return (f"{self.path} is Python {self.version}; the AI worker needs Python "
                    f"{'.'.join(map(str, MIN_PYTHON))} or newer")
        if self.numpy is None:
            return (f"{self.path} has no numpy ({self.numpy_error}); install it into that "
                    f"environment: {self.path} -m pip install numpy")
        return None


def not_a_python(path: str, reason: str) -> str:
    return f"{path} is not a Python ({reason}); choose the python executable of an environment"


def default_python() -> str:
    """The Python the app runs in: the AI environment when nothing else was chosen."""
    return sys.executable


def probe_python(path: str | os.PathLike, timeout_s: float = PROBE_TIMEOUT_S) -> PythonInfo:
    """Describe the Python at ``path``; AiError when it is not a Python that answers."""
    path = str(path)
    code = _PROBE.replace("NAMES", repr(list(AI_PACKAGES))).replace("MARK", repr(_PROBE_MARK))
    try:
        done = subprocess.run([path, "-c", code], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=timeout_s,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as error:
        raise AiError(f"{path} did not answer within {timeout_s:g} s") from error
    except OSError as error:
        raise AiError(not_a_python(path, error.strerror or str(error))) from error
    lines = [line for line in done.stdout.splitlines() if line.startswith(_PROBE_MARK)]
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines()
                or ["no output"])[-1]
        raise AiError(not_a_python(path, f"exit code {done.returncode}: {last}"))
    try:
        info = json.loads(lines[-1][len(_PROBE_MARK):])
        return PythonInfo(path=path, executable=info["executable"], version=info["version"],
                          numpy=info["numpy"], numpy_error=info["numpy_error"],
                          packages=info["packages"])
    except (ValueError, KeyError, TypeError) as error:
        raise AiError(not_a_python(path, f"it answered {lines[-1]!r}")) from error


def data_folder() -> Path:
    """Where managed environments live: ``$XDG_DATA_HOME/demarcate/ai`` (by default
    ~/.local/share/demarcate/ai); ``DEMARCATE_DATA_DIR`` overrides the data folder as it
    does for the rest of the app."""
    override = os.environ.get("DEMARCATE_DATA_DIR")
    root = Path(override) if override else Path(platformdirs.user_data_dir("demarcate"))
    return root / "ai"


def managed_env_folder(name: str) -> Path:
    """The default folder of the managed environment ``name`` (e.g. "totalsegmentator")."""
    return data_folder() / "envs" / name


def env_python(folder: Path) -> Path:
    """The python executable inside a venv folder."""
    if os.name == "nt":
        return folder / "Scripts" / "python.exe"
    return folder / "bin" / "python"


def _run_step(argv: Sequence[str], what: str, progress: Callable[[float | None, str], None],
              cancelled: Callable[[], bool]) -> None:
    """Run one command, its output lines as progress, cancel honoured within ``_POLL_S``."""
    tail: deque[str] = deque(maxlen=12)
    process = LineProcess(argv)
    try:
        while True:
            if cancelled():
                raise AiCancelled(f"{what}: cancelled")
            try:
                item = process.next_line(_POLL_S)
            except EOFError:
                break
            if item is not None:
                tail.append(item[1])
                progress(None, item[1])
    finally:
        code = process.close(grace_s=0.0)
    if code != 0:
        raise AiError(_step_failure(what, code, list(tail)))


def _step_failure(what: str, code: int, tail: list[str]) -> str:
    text = "\n".join(tail)
    if "ensurepip" in text or "No module named venv" in text:
        return VENV_NEEDED
    hint = ""
    if any(sign in text for sign in ("No matching distribution", "Could not find a version",
                                     "NewConnectionError", "Network is unreachable")):
        hint = " (pip could not get the packages: is this machine offline?)"
    return f"{what} failed with exit code {code}{hint}:\n{text}"


def create_managed_env(folder: str | os.PathLike, packages: Sequence[str],
                       progress: Callable[[float | None, str], None] | None = None,
                       cancelled: Callable[[], bool] | None = None, *,
                       base_python: str | None = None,
                       pip_args: Sequence[str] = ()) -> PythonInfo:
    """Create a venv in ``folder`` and pip-install ``packages`` into it.

    pip's output lines arrive as ``progress(None, line)``; ``cancelled`` is polled while
    pip runs, and a cancel stops pip and raises AiCancelled. ``pip_args`` go before the
    packages (``--find-links DIR --no-index`` installs from a folder of wheels on a
    machine without a network). A folder this call created is removed again when it
    fails or is cancelled, so no half-built environment is left to be picked. Returns
    the new environment's description.
    """
    folder = Path(folder)
    base = base_python or sys.executable
    report = progress or (lambda fraction, message: None)
    stop = cancelled or (lambda: False)
    support = subprocess.run([base, "-c", "import venv, ensurepip"], capture_output=True,
                             stdin=subprocess.DEVNULL, timeout=PROBE_TIMEOUT_S)
    if support.returncode != 0:
        raise AiError(VENV_NEEDED)
    created = not folder.exists()
    try:
        report(0.0, f"creating the environment {folder}")
        _run_step([base, "-m", "venv", str(folder)], "creating the environment", report, stop)
        python = env_python(folder)
        report(0.2, "installing " + " ".join(packages))
        started = time.perf_counter()
        _run_step([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                   "--progress-bar", "off", *pip_args, *packages], "pip install", report,
                  stop)
        report(1.0, f"installed in {time.perf_counter() - started:.0f} s")
        return probe_python(python)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)
        raise
