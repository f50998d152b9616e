"""Verify gzip payloads completely before ITK decodes them.

ITK's readers can accept a damaged gzip stream without complaint and return different
voxels. A corrupted segmentation must be an error, so every gzip stream is decompressed
here to its end, which checks the CRC-32 and the stored length.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

from .errors import format_error
from .nrrd_header import NrrdHeader, is_nrrd, read_header
from .progress import Progress, report

_CHUNK = 1 << 20


def verify_gzip(path: str | os.PathLike, offset: int = 0, expected_size: int | None = None,
                progress: Progress | None = None) -> int:
    """Decompress the gzip stream that starts at ``offset`` in ``path``; return its length.

    Raises FormatError when the stream is truncated, fails its CRC or length check, or
    decodes to fewer bytes than ``expected_size``. ``progress`` gets the share of the
    compressed bytes read so far.
    """
    path = Path(path)
    total = 0
    try:
        with open(path, "rb") as raw:
            size = max(os.fstat(raw.fileno()).st_size - offset, 1)
            raw.seek(offset)
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    report(progress, min((raw.tell() - offset) / size, 1.0))
    except EOFError as error:
        raise format_error(path, f"compressed data is truncated ({error})") from error
    except (OSError, zlib.error) as error:
        raise format_error(path, f"compressed data is corrupt ({error})") from error
    if expected_size is not None and total < expected_size:
        raise format_error(
            path, f"compressed data holds {total} bytes but the header needs {expected_size}"
        )
    return total


def verify_nrrd_payload(header: NrrdHeader, progress: Progress | None = None) -> None:
    """Check the gzip payload of a NRRD file (attached or detached) against its header."""
    if header.encoding() != "gzip":
        return
    expected = None if "byte skip" in header.fields else header.payload_size()
    data_file = header.data_file()
    if data_file is not None:
        verify_gzip(data_file, 0, expected, progress)
    elif "data file" not in header.fields and "datafile" not in header.fields:
        verify_gzip(header.path, header.header_bytes, expected, progress)


def verify_file(path: str | os.PathLike, progress: Progress | None = None) -> None:
    """Check every gzip stream of a file we are about to read: *.gz and gzip NRRD payloads."""
    path = Path(path)
    if path.is_dir():
        return
    if path.name.lower().endswith(".gz"):
        verify_gzip(path, progress=progress)
    elif is_nrrd(path):
        verify_nrrd_payload(read_header(path), progress)
