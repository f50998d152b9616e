"""Decode the voxel payload of a NRRD file, refusing data that does not match the header.

ITK's NRRD reader loads the first part of a payload that is longer than its header says
(an MITK file with halved sizes showed 15 of its 30 slices), cannot read bzip2, and
Demarcate's gzip check in front of it ignored ``line skip``. This decoder follows teem,
the reference NRRD library: detached data files (one, a LIST, or a numbered pattern,
each holding an equal share), ``line skip`` then ``byte skip`` in every data file (for
gzip and bzip2 the byte skip counts decompressed bytes; -1 means the data ends the file
or stream, -N-1 that N bytes follow it), and the raw, ascii, hex, gzip and bzip2
encodings in either byte order. The data of every file must be exactly as long as the
header says, except after a negative byte skip, where bytes before the data are allowed.
"""

from __future__ import annotations

import bz2
import gzip
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import format_error
from .gzip_check import CHUNK, decompression_errors, drain
from .nrrd_header import NrrdHeader
from .payload_length import require_length
from .progress import Progress, part, report
from .size_check import check_fits_in_memory

_TEXT_SEPARATORS = re.compile(rb"[\s,]+")
# Reads one data file's share of the voxels from where ``line skip`` left the file:
# (file, its path, voxels to fill, byte skip, progress).
Reader = Callable[[BinaryIO, Path, np.ndarray, int, Progress | None], None]


def _fill(stream: BinaryIO, voxels: np.ndarray, progress: Progress | None) -> int:
    """Read into ``voxels`` until they are full or the stream ends; return the bytes read."""
    buffer = memoryview(voxels).cast("B")
    filled = 0
    while filled < len(buffer):
        count = stream.readinto(buffer[filled : filled + CHUNK])
        if not count:
            break
        filled += count
        report(progress, filled / len(buffer))
    return filled


def _skip_lines(handle: BinaryIO, lines: int, source: Path) -> None:
    for _ in range(lines):
        if not handle.readline().endswith(b"\n"):
            raise format_error(source, f"the file ends within the {lines} lines that "
                               "'line skip' says to skip")


def _ends_with_line_end(handle: BinaryIO, tail: int) -> bool:
    """Whether the last ``tail`` bytes of the file are one line end."""
    position = handle.tell()
    handle.seek(-tail, os.SEEK_END)
    ending = handle.read()
    handle.seek(position)
    return ending in (b"\n", b"\r\n")


def _read_raw(handle: BinaryIO, source: Path, voxels: np.ndarray, skip: int,
              progress: Progress | None) -> None:
    """Raw data. One line end after it is allowed: editors add one, so do hand-made files
    (pynrrd's test files have one), and it is no sign of sizes that are wrong."""
    available = os.fstat(handle.fileno()).st_size - handle.tell()
    if skip >= 0:
        tail = available - skip - voxels.nbytes
        if tail in (1, 2) and _ends_with_line_end(handle, tail):
            available -= tail
        require_length(source, skip + voxels.nbytes, available, exact=True)
        handle.seek(skip, os.SEEK_CUR)
    else:
        trailing = -skip - 1
        require_length(source, voxels.nbytes + trailing, available, exact=False)
        handle.seek(-(voxels.nbytes + trailing), os.SEEK_END)
    _fill(handle, voxels, progress)


def _read_compressed(opener: Callable[[BinaryIO], BinaryIO]) -> Reader:
    """A reader for a compressed encoding whose decompressing stream ``opener`` makes."""

    def read(handle: BinaryIO, source: Path, voxels: np.ndarray, skip: int,
             progress: Progress | None) -> None:
        with decompression_errors(source), opener(handle) as stream:
            if skip < 0:  # the data ends the stream: keep all of it to find the end
                whole = stream.read()
                trailing = -skip - 1
                require_length(source, voxels.nbytes + trailing, len(whole), exact=False,
                               compressed=True)
                end = len(whole) - trailing
                memoryview(voxels).cast("B")[:] = whole[end - voxels.nbytes : end]
                return
            held = len(stream.read(skip)) if skip else 0
            held += _fill(stream, voxels, progress) + drain(stream)
        require_length(source, skip + voxels.nbytes, held, exact=True, compressed=True)

    return read


def _text(handle: BinaryIO, source: Path, skip: int) -> bytes:
    if skip < 0:
        raise format_error(source, f"NRRD byte skip {skip} needs raw, gzip or bzip2 data")
    handle.seek(skip, os.SEEK_CUR)
    return handle.read()


def _read_ascii(handle: BinaryIO, source: Path, voxels: np.ndarray, skip: int,
                progress: Progress | None) -> None:
    text = _text(handle, source, skip).strip()
    words = _TEXT_SEPARATORS.split(text) if text else []
    require_length(source, voxels.size, len(words), exact=True, unit="values")
    try:
        voxels[:] = np.array(words).astype(voxels.dtype)
    except (ValueError, OverflowError):
        raise format_error(source, "ascii voxel data holds a word that is not a number "
                           f"of type {voxels.dtype}") from None
    report(progress, 1.0)


def _read_hex(handle: BinaryIO, source: Path, voxels: np.ndarray, skip: int,
              progress: Progress | None) -> None:
    digits = b"".join(_text(handle, source, skip).split())
    require_length(source, 2 * voxels.nbytes, len(digits), exact=True, unit="hex digits")
    try:
        memoryview(voxels).cast("B")[:] = bytes.fromhex(digits.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise format_error(source, "hex voxel data holds a character that is not a hex "
                           "digit") from None
    report(progress, 1.0)


_READERS: dict[str, Reader] = {
    "raw": _read_raw,
    "gzip": _read_compressed(lambda handle: gzip.GzipFile(fileobj=handle, mode="rb")),
    "bzip2": _read_compressed(lambda handle: bz2.BZ2File(handle, "rb")),
    "ascii": _read_ascii,
    "hex": _read_hex,
}


def read_payload(header: NrrdHeader, progress: Progress | None = None) -> np.ndarray:
    """The voxels as a flat, writable array in file order and native byte order."""
    encoding = header.encoding()
    reader = _READERS.get(encoding)
    if reader is None:
        raise format_error(header.path, f"NRRD encoding {encoding!r} is not supported")
    dtype = header.dtype()
    count = math.prod(header.sizes())
    files = header.data_files()
    if count % max(len(files), 1):
        raise format_error(header.path, f"{count} voxels do not split evenly into "
                           f"{len(files)} data files")
    check_fits_in_memory(header.path, header.sizes(), dtype.itemsize, dtype.name)
    try:
        voxels = np.empty(count, dtype=dtype)
    except (MemoryError, ValueError):
        raise format_error(header.path, f"the header asks for {count * dtype.itemsize} bytes "
                           "of voxels, more than this machine can hold") from None
    pieces = np.split(voxels, len(files)) if files else [voxels]
    for index, (source, piece) in enumerate(zip(files or [header.path], pieces, strict=True)):
        if not source.is_file():
            raise format_error(header.path, f"NRRD data file {source.name} does not exist")
        with open(source, "rb") as handle:
            handle.seek(0 if files else header.header_bytes)
            _skip_lines(handle, header.line_skip(), source)
            reader(handle, source, piece, header.byte_skip(),
                   part(progress, index / len(pieces), (index + 1) / len(pieces)))
    if not dtype.isnative:
        voxels.byteswap(inplace=True)
        voxels = voxels.view(dtype.newbyteorder("="))
    return voxels
