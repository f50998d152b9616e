"""Checking a written file before it replaces the old one.

ITK reports no error when the disk fills up or a file-size limit cuts a write short: a
label-map save on a full disk "succeeded", renamed an 8 KB stump over the user's file
and marked the document saved. So every writer reads back what it wrote, while it is
still the temporary file: the gzip stream to its CRC and length, an uncompressed file's
length, and the voxels themselves. A failed check is an OSError (a write failure, not
bad data): the temporary file goes, the old file and the unsaved state stay.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from .errors import FormatError, first_line
from .gzip_check import verify_gzip

#: Formats that hold their voxels as they are (the others compress inside the file, and
#: a stream cut short fails to read back instead).
UNCOMPRESSED = (".nii", ".gipl")


def _damaged(path: Path, why: str) -> OSError:
    return OSError(f"{path}: the file written is damaged ({why}); is the disk full? "
                   "Nothing was replaced")


def check_gzip_payload(path: str | os.PathLike, offset: int = 0,
                       nbytes: int | None = None) -> None:
    """The gzip stream written at ``offset`` is whole (CRC and length) and decodes to
    ``nbytes`` bytes when that is given."""
    path = Path(path)
    try:
        written = verify_gzip(path, offset)
    except FormatError as error:
        raise _damaged(path, first_line(error)) from error
    if nbytes is not None and written != nbytes:
        raise _damaged(path, f"{written} bytes of data instead of {nbytes}")


def check_written_image(image: sitk.Image, path: str | os.PathLike) -> None:
    """The file at ``path`` reads back as ``image``: length, stream and every voxel."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".gz"):
        check_gzip_payload(path)
    elif name.endswith(UNCOMPRESSED):
        nbytes = sitk.GetArrayViewFromImage(image).nbytes
        if os.path.getsize(path) < nbytes:
            raise _damaged(path, f"{os.path.getsize(path)} bytes for {nbytes} bytes of "
                           "voxels")
    try:
        back = sitk.ReadImage(os.fspath(path))
    except RuntimeError as error:
        raise _damaged(path, first_line(error)) from error
    if back.GetSize() != image.GetSize() or not np.array_equal(
            sitk.GetArrayViewFromImage(back), sitk.GetArrayViewFromImage(image)):
        raise _damaged(path, "it does not read back as written")

