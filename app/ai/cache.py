"""Finished AI predictions on disk, so the same run again is instant.

An entry is keyed by a sha256 of everything the result depends on: the image's bytes,
dtype and shape, the spacing, the adapter and every parameter (the model folder path
among them). Label maps are mostly zeros and zstd shrinks them ~100-fold at several
hundred MB/s, so an entry is a small header and one zstd frame. The folder is bounded:
each hit marks its entry as recently used (the file's modification time, set from a
nanosecond clock because file-system timestamps can be coarser than two quick runs),
and a new entry evicts the least recently used ones until the folder fits.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import platformdirs
import zstandard

from ..atomic import atomic_path

SUFFIX = ".labels"
MAGIC = b"demarcate-ai-labels 1\n"
DEFAULT_MAX_BYTES = 2 * 1024**3

log = logging.getLogger(__name__)


def default_cache_folder() -> Path:
    """``$XDG_CACHE_HOME/demarcate/ai`` (by default ~/.cache/demarcate/ai)."""
    return Path(platformdirs.user_cache_dir("demarcate")) / "ai"


def params_json(value):
    """``json.dumps`` default for parameters: paths as text and numpy values as Python
    ones, so ``Path(folder)`` and ``str(folder)``, or ``np.int64(0)`` and ``0``, mean the
    same to the worker and to the cache key."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"an AI parameter cannot be {type(value).__name__}: {value!r}")


def prediction_key(image: np.ndarray, spacing_zyx, adapter: str, params: Mapping) -> str:
    """The cache key of a prediction: sha256 over the image bytes and every input."""
    image = np.ascontiguousarray(image)
    inputs = {"shape": list(image.shape), "dtype": image.dtype.str,
              "spacing": [float(s) for s in spacing_zyx], "adapter": str(adapter),
              "params": params}
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=params_json).encode())
    digest.update(image.reshape(-1).view(np.uint8))
    return digest.hexdigest()


class PredictionCache:
    """A folder of finished predictions, at most ``max_bytes`` on disk."""

    def __init__(self, folder: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = Path(folder)
        self.max_bytes = int(max_bytes)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def _entries(self) -> list[tuple[int, int, Path]]:
        """(last use in ns, size, path) of every entry, oldest first."""
        entries = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                stat = path.stat()
                entries.append((stat.st_mtime_ns, stat.st_size, path))
        return sorted(entries)

    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self._entries())

    def get(self, key: str) -> tuple[np.ndarray, dict[int, str]] | None:
        """The stored label map and names, or None. A damaged entry counts as a miss
        and is removed."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:  # an unreadable cache is no cache, not a failed run
            log.warning("could not read the AI cache entry %s: %s", path, error)
            return None
        try:
            labels, names = _decode(data)
        except (ValueError, KeyError, zstandard.ZstdError) as error:
            log.warning("dropping damaged AI cache entry %s: %s", path, error)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        _mark_used(path)
        return labels, names

    def put(self, key: str, labels: np.ndarray, names: Mapping[int, str]) -> None:
        """Store a result and evict the least recently used entries beyond the bound.
        A cache that cannot be written (full disk, read-only folder) is logged and
        skipped: the prediction itself succeeded."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(self._path(key)) as temp:
                temp.write_bytes(_encode(labels, names))
            _mark_used(self._path(key))
        except OSError as error:
            log.warning("could not store an AI result in %s: %s", self.folder, error)
            return
        self._evict()

    def _evict(self) -> None:
        entries = self._entries()
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            total -= size

    def clear(self) -> None:
        """Remove every stored result."""
        for _, _, path in self._entries():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _mark_used(path: Path) -> None:
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def _encode(labels: np.ndarray, names: Mapping[int, str]) -> bytes:
    labels = np.ascontiguousarray(labels, dtype=np.uint16)
    header = json.dumps({"shape": list(labels.shape),
                         "names": {str(int(k)): str(v) for k, v in names.items()}})
    body = zstandard.ZstdCompressor(level=3).compress(labels.reshape(-1).view(np.uint8))
    return MAGIC + header.encode() + b"\n" + body


def _decode(data: bytes) -> tuple[np.ndarray, dict[int, str]]:
    if not data.startswith(MAGIC):
        raise ValueError("not an AI cache entry")
    header_line, _, body = data[len(MAGIC):].partition(b"\n")
    header = json.loads(header_line)
    shape = tuple(int(n) for n in header["shape"])
    if zstandard.frame_content_size(body) != int(np.prod(shape)) * 2:
        raise ValueError(f"the stored labels do not match shape {shape}")
    labels = np.empty(shape, np.uint16)
    target = memoryview(labels.reshape(-1).view(np.uint8))
    # Straight into the array: one pass, no intermediate bytes object of the same size.
    with zstandard.ZstdDecompressor().stream_reader(body) as reader:
        filled = 0
        while filled < len(target) and (count := reader.readinto(target[filled:])):
            filled += count
        if filled != len(target) or reader.read(1):
            raise ValueError(f"the stored labels do not fill shape {shape}")
    return labels, {int(k): str(v) for k, v in header["names"].items()}
