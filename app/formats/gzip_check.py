"""Decompress gzip and zlib streams to their end before anything trusts their voxels.

ITK's readers can accept a damaged stream without complaint and return different voxels,
and they do not compare the decompressed length with the header. A corrupted file must be
an error, so every stream is decompressed here to its end, which checks gzip's CRC-32 and
stored length, and its length is handed back for the caller to compare with its header.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .errors import format_error
from .progress import Progress, report

CHUNK = 1 << 20
# zlib's window bits for "a zlib or a gzip header, whichever is there" (MetaImage uses both).
_ZLIB_OR_GZIP = 32 + zlib.MAX_WBITS


@contextmanager
def decompression_errors(path: str | os.PathLike) -> Iterator[None]:
    """Turn the errors of gzip, zlib and bz2 into one-line FormatErrors naming ``path``."""
    try:
        yield
    except EOFError as error:
        raise format_error(path, f"compressed data is truncated ({error})") from error
    except (OSError, zlib.error) as error:
        raise format_error(path, f"compressed data is corrupt ({error})") from error


def position_reporter(raw: BinaryIO, progress: Progress | None) -> Callable[[], None]:
    """A callback that reports how far ``raw`` has been read from where it is now."""
    start = raw.tell()
    size = max(os.fstat(raw.fileno()).st_size - start, 1)
    return lambda: report(progress, min((raw.tell() - start) / size, 1.0))


def drain(stream: BinaryIO, on_chunk: Callable[[], None] | None = None) -> int:
    """Read ``stream`` to its end; return how many bytes it held."""
    total = 0
    while chunk := stream.read(CHUNK):
        total += len(chunk)
        if on_chunk is not None:
            on_chunk()
    return total


def verify_gzip(path: str | os.PathLike, offset: int = 0,
                progress: Progress | None = None) -> int:
    """Decompress the gzip stream(s) from ``offset`` in ``path`` to the end; return the length.

    Raises FormatError when a stream is truncated or fails its CRC or length check.
    ``progress`` gets the share of the compressed bytes read so far.
    """
    path = Path(path)
    with open(path, "rb") as raw:
        raw.seek(offset)
        on_chunk = position_reporter(raw, progress)
        with decompression_errors(path), gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            return drain(stream, on_chunk)


def verify_zlib(path: str | os.PathLike, offset: int = 0,
                progress: Progress | None = None) -> int:
    """Like verify_gzip for one zlib (or gzip) stream, as MetaImage writes: its length."""
    path = Path(path)
    inflater = zlib.decompressobj(_ZLIB_OR_GZIP)
    total = 0
    with open(path, "rb") as raw:
        raw.seek(offset)
        on_chunk = position_reporter(raw, progress)
        with decompression_errors(path):
            while not inflater.eof and (block := raw.read(CHUNK)):
                while block and not inflater.eof:
                    total += len(inflater.decompress(block, CHUNK))
                    block = inflater.unconsumed_tail
                on_chunk()
            total += len(inflater.flush())
    if not inflater.eof:
        raise format_error(path, "compressed data is truncated (the stream has no end)")
    return total
