"""Atomic file writing: a crash or a full disk never leaves a half-written file behind,
and what the user had stays as it was: a symlink stays a link, a file keeps its mode."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    """The process's umask, read without changing it where the system allows (setting
    it to read it back is not safe while other threads create files)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _give_mode(temp: Path, target: Path) -> None:
    """The mode the file would have had: the replaced file's, else the umask's for a
    new file (temporary files are created private, 0600)."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    os.chmod(temp, mode)


#: Temporary files of ours carry this marker and the writing process's id, so that a
#: later write to the same folder can remove what a killed process left behind.
TEMP_MARKER = "demarcate-tmp"


def _real_target(path: str | os.PathLike) -> Path:
    """Where a write really lands: a symlink's target (the link stays a link)."""
    target = Path(path)
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temporary files of ours whose writing process is gone (a kill mid-save);
    returns what was removed. Files of running processes are left alone."""
    removed = []
    for temp in folder.glob(f".*.{TEMP_MARKER}-*"):
        try:
            pid = int(temp.name.split(f".{TEMP_MARKER}-", 1)[1].split("-", 1)[0])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _process_alive(pid):
            with contextlib.suppress(OSError):
                temp.unlink()
                removed.append(temp)
    return removed


@contextlib.contextmanager
def atomic_paths(paths: list[str | os.PathLike]) -> Iterator[list[Path]]:
    """Yield temporary paths beside ``paths``; rename them all over ``paths`` once the
    body has written (and checked) every one, so a set of files (one label map per
    group) is replaced together or not at all (a kill between the renames, which take
    microseconds, is the only window left).

    Each temporary file lives in its destination's folder so that the rename is atomic
    on the same file system, and keeps the destination's suffixes because writers such
    as SimpleITK pick the format from them. A symlinked destination is followed: the
    file it points to is replaced and the link stays a link.
    """
    targets = [_real_target(path) for path in paths]
    temps: list[Path] = []
    try:
        for target in targets:
            folder = target.parent if str(target.parent) else Path(".")
            if not folder.is_dir():
                raise OSError(f"cannot write {target}: folder {folder} does not exist")
            remove_stale_temps(folder)
            handle, name = tempfile.mkstemp(
                prefix=f".{target.name}.{TEMP_MARKER}-{os.getpid()}-",
                suffix="".join(target.suffixes), dir=folder)
            os.close(handle)
            temps.append(Path(name))
        yield temps
        for temp, target in zip(temps, targets, strict=True):
            _give_mode(temp, target)
        for temp, target in zip(temps, targets, strict=True):
            os.replace(temp, target)
    except BaseException:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """One file written atomically: see ``atomic_paths``."""
    with atomic_paths([path]) as (temp,):
        yield temp


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
