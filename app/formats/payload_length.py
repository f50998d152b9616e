"""Check that a file holds as much voxel data as its header says, before anyone trusts it.

SimpleITK does not compare: an uncompressed NIfTI cut to half loads with the rest
zero-filled, and a GIPL with half its data loads uninitialised memory (other labels in
every run). So the data length of NIfTI, MetaImage and GIPL files is compared with their
headers here, before SimpleITK reads them; NRRD payloads are checked by Demarcate's own
NRRD reader with ``require_length``, and PNG, TIFF and DICOM are decoded by libraries
that check their own data.

Data cut short is refused everywhere. Longer data is refused where the format fixes the
size (NRRD, MetaImage, GIPL). A NIfTI file's data starts at ``vox_offset`` and the
standard says nothing about bytes after it, which nibabel and ITK both ignore, so a
longer NIfTI file is accepted.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
from pathlib import Path

from .errors import format_error
from .gzip_check import decompression_errors, verify_gzip, verify_zlib
from .progress import Progress

_GIPL_HEADER = 256
_GIPL_MAGIC = (0xEFFFE9B0, 0x2AE389B8)
_GIPL_TYPE_SIZES = {1: 1, 7: 1, 8: 1, 15: 2, 16: 2, 31: 4, 32: 4, 64: 4, 65: 8}
_META_TYPE_SIZES = {
    "MET_CHAR": 1, "MET_UCHAR": 1, "MET_SHORT": 2, "MET_USHORT": 2, "MET_INT": 4,
    "MET_UINT": 4, "MET_LONG": 4, "MET_ULONG": 4, "MET_LONG_LONG": 8, "MET_ULONG_LONG": 8,
    "MET_FLOAT": 4, "MET_DOUBLE": 8,
}  # fmt: skip
_META_MAX_HEADER = 1 << 20


def require_length(path: str | os.PathLike, needed: int, held: int, *, exact: bool,
                   compressed: bool = False, unit: str = "bytes") -> None:
    """Refuse data shorter than ``needed`` (or longer, when ``exact``), giving both sizes."""
    holder = "the decompressed data holds" if compressed else "the file holds"
    sizes = f"the header needs {needed} {unit}, {holder} {held}"
    if held < needed:
        raise format_error(path, f"voxel data is cut short: {sizes}")
    if exact and held > needed:
        raise format_error(path, f"voxel data is longer than the header says: {sizes}")


def _start_and_length(path: Path, size: int, progress: Progress | None) -> tuple[bytes, int]:
    """The first ``size`` bytes of ``path`` and its length, both decompressed for *.gz."""
    if not path.name.lower().endswith(".gz"):
        with open(path, "rb") as handle:
            return handle.read(size), os.fstat(handle.fileno()).st_size
    with decompression_errors(path), gzip.open(path, "rb") as stream:
        start = stream.read(size)
    return start, verify_gzip(path, progress=progress)


def _nifti_needs(path: Path, header: bytes) -> int | None:
    """vox_offset plus the voxel bytes of a single-file NIfTI-1 or NIfTI-2 header, or None
    when it is not one (SimpleITK then says what is wrong)."""
    if len(header) < 348:
        raise format_error(path, f"NIfTI header is cut short ({len(header)} of 348 bytes)")
    for order in "<>":
        (size,) = struct.unpack_from(order + "i", header)
        if size == 348 and header[344:348] == b"n+1\0":
            dims = struct.unpack_from(order + "8h", header, 40)
            (bitpix,) = struct.unpack_from(order + "h", header, 72)
            offset = max(int(struct.unpack_from(order + "f", header, 108)[0]), 352)
            break
        if size == 540 and len(header) >= 540 and header[4:8] == b"n+2\0":
            (bitpix,) = struct.unpack_from(order + "h", header, 14)
            dims = struct.unpack_from(order + "8q", header, 16)
            offset = max(struct.unpack_from(order + "q", header, 168)[0], 544)
            break
    else:
        return None
    if not 1 <= dims[0] <= 7 or bitpix <= 0:
        return None
    voxels = math.prod(max(d, 1) for d in dims[1 : dims[0] + 1])  # ITK reads 0 as 1
    return offset + math.ceil(voxels * bitpix / 8)


def _check_nifti(path: Path, progress: Progress | None) -> None:
    header, held = _start_and_length(path, 540, progress)
    needed = _nifti_needs(path, header)
    if needed is not None:
        require_length(path, needed, held, exact=False,
                       compressed=path.name.lower().endswith(".gz"))


def _check_gipl(path: Path, progress: Progress | None) -> None:
    """GIPL: a 256-byte big-endian header, then exactly the voxels (as ITK counts axes)."""
    header, held = _start_and_length(path, _GIPL_HEADER, progress)
    if len(header) < _GIPL_HEADER or struct.unpack_from(">I", header, 252)[0] not in _GIPL_MAGIC:
        return
    dims = struct.unpack_from(">4H", header)
    item = _GIPL_TYPE_SIZES.get(struct.unpack_from(">H", header, 8)[0])
    if item is None:
        return
    axes = sum(1 for d in dims[:3] if d > 0) + (dims[3] > 1)  # ITK's count of axes
    needed = _GIPL_HEADER + math.prod(dims[:axes]) * item
    require_length(path, needed, held, exact=True, compressed=path.name.lower().endswith(".gz"))


def _metaimage_header(path: Path) -> tuple[dict[str, str], int]:
    """MetaImage ``Key = Value`` fields (lower-case keys) and where the header ends, just
    after the ElementDataFile line (which MetaImage requires to be the last)."""
    with open(path, "rb") as handle:
        text = handle.read(_META_MAX_HEADER)
    fields: dict[str, str] = {}
    position = 0
    for line in text.splitlines(keepends=True):
        position += len(line)
        key, _, value = line.decode("latin-1").partition("=")
        fields[key.strip().lower()] = value.strip()
        if key.strip().lower() == "elementdatafile":
            return fields, position
    raise format_error(path, "MetaImage header has no ElementDataFile line")


def _check_metaimage(path: Path, progress: Progress | None) -> None:
    """MetaImage (.mha/.mhd): local or detached data, raw or zlib, HeaderSize honoured.

    Data in several files (LIST or a numbered pattern) and ASCII data are left to
    SimpleITK, which reads them whole or fails.
    """
    fields, header_end = _metaimage_header(path)
    item = _META_TYPE_SIZES.get(fields.get("elementtype", "").upper())
    name = fields["elementdatafile"]
    binary = fields.get("binarydata", "true").lower() == "true"
    if item is None or not binary or name.upper().startswith("LIST") or "%" in name:
        return
    try:
        ndims = int(fields.get("ndims", "0"))
        sizes = [int(v) for v in fields.get("dimsize", "").split()][:ndims]
        channels = int(fields.get("elementnumberofchannels", "1"))
        skip = int(fields.get("headersize", "0"))
    except ValueError:
        return  # SimpleITK refuses a header it cannot parse
    needed = math.prod(sizes) * channels * item
    local = name.lower() == "local"
    data = path if local else path.parent / name
    if not data.is_file():
        raise format_error(path, f"MetaImage data file {name} does not exist")
    start = skip if skip > 0 else (header_end if local else 0)
    if fields.get("compresseddata", "false").lower() == "true":
        if skip != -1:
            held = verify_zlib(data, start, progress)
            require_length(data, needed, held, exact=True, compressed=True)
        return
    size = data.stat().st_size
    if skip == -1:  # the data ends the file, after a header of any length
        require_length(data, needed, size, exact=False)
    else:
        require_length(data, needed, size - start, exact=True)


def check_data_length(path: str | os.PathLike, progress: Progress | None = None) -> None:
    """Refuse a NIfTI, MetaImage or GIPL file whose data does not match its header, and
    any gzip file whose stream is damaged; other formats pass untouched."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".nii", ".nii.gz")):
        _check_nifti(path, progress)
    elif name.endswith((".gipl", ".gipl.gz")):
        _check_gipl(path, progress)
    elif name.endswith((".mha", ".mhd")):
        _check_metaimage(path, progress)
    elif name.endswith(".gz"):
        verify_gzip(path, progress=progress)
