"""Parse and format NRRD headers without touching the voxel payload.

SimpleITK reads the voxels, but the formats built on NRRD (MITK, Slicer) live in the
header's ``key:=value`` lines, and the gzip check needs to know where the payload starts.
Parsing the header here keeps both independent of what ITK chooses to expose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import format_error

_CHUNK = 1 << 20
_MAX_HEADER = 64 << 20

# NRRD type names (and their common aliases) -> numpy dtype codes without byte order.
NRRD_TYPES = {
    "signed char": "i1", "int8": "i1", "int8_t": "i1",
    "uchar": "u1", "unsigned char": "u1", "uint8": "u1", "uint8_t": "u1",
    "short": "i2", "short int": "i2", "signed short": "i2", "signed short int": "i2",
    "int16": "i2", "int16_t": "i2",
    "ushort": "u2", "unsigned short": "u2", "unsigned short int": "u2", "uint16": "u2",
    "uint16_t": "u2",
    "int": "i4", "signed int": "i4", "int32": "i4", "int32_t": "i4",
    "uint": "u4", "unsigned int": "u4", "uint32": "u4", "uint32_t": "u4",
    "longlong": "i8", "long long": "i8", "long long int": "i8", "signed long long": "i8",
    "signed long long int": "i8", "int64": "i8", "int64_t": "i8",
    "ulonglong": "u8", "unsigned long long": "u8", "unsigned long long int": "u8",
    "uint64": "u8", "uint64_t": "u8",
    "float": "f4", "double": "f8",
}  # fmt: skip


@dataclass
class NrrdHeader:
    """Fields (lower-cased names) and key/value pairs of a NRRD header, in file order."""

    path: Path
    fields: dict[str, str] = field(default_factory=dict)
    keyvalues: dict[str, str] = field(default_factory=dict)
    header_bytes: int = 0

    def sizes(self) -> list[int]:
        return [int(v) for v in self.fields.get("sizes", "").split()]

    def kinds(self) -> list[str]:
        return self.fields.get("kinds", "").split()

    def encoding(self) -> str:
        value = self.fields.get("encoding", "raw").strip().lower()
        return {"gz": "gzip", "txt": "ascii", "text": "ascii", "bz2": "bzip2"}.get(value, value)

    def item_size(self) -> int | None:
        code = NRRD_TYPES.get(self.fields.get("type", "").strip().lower())
        return int(code[1]) if code else None

    def payload_size(self) -> int | None:
        """Bytes the voxels take once decoded, or None for types we cannot size."""
        item = self.item_size()
        sizes = self.sizes()
        if item is None or not sizes:
            return None
        total = item
        for size in sizes:
            total *= size
        return total

    def data_file(self) -> Path | None:
        """The detached data file of a .nhdr, or None when the payload follows the header."""
        value = self.fields.get("data file") or self.fields.get("datafile")
        if value is None:
            return None
        value = value.strip()
        if value.upper().startswith("LIST") or len(value.split()) > 1:
            return None  # several data files: too unusual to check, left to ITK
        data = Path(value)
        return data if data.is_absolute() else self.path.parent / data


def unescape(value: str) -> str:
    """Undo NRRD's escaping of newlines and backslashes in key/value pairs (as teem does)."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append({"n": "\n", "\\": "\\"}.get(following, "\\" + following))
        else:
            out.append(char)
    return "".join(out)


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _read_header_bytes(path: Path) -> tuple[bytes, int]:
    """The header text and its length in bytes (including the blank line that ends it)."""
    data = b""
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            data += chunk
            for marker in (b"\n\n", b"\r\n\r\n"):
                end = data.find(marker)
                if end >= 0:
                    return data[:end], end + len(marker)
            if not chunk:
                return data, len(data)  # a detached header may end without a blank line
            if len(data) > _MAX_HEADER:
                raise format_error(path, "NRRD header has no end (no blank line found)")


def read_header(path: str | os.PathLike) -> NrrdHeader:
    """Parse the header of a NRRD (.nrrd or .nhdr) file; FormatError if it is not NRRD."""
    path = Path(path)
    raw, length = _read_header_bytes(path)
    if not raw.startswith(b"NRRD000"):
        raise format_error(path, "not a NRRD file (no NRRD000x magic line)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    header = NrrdHeader(path, header_bytes=length)
    for line in text.splitlines()[1:]:
        line = line.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        kv = line.find(":=")
        sep = line.find(": ")
        if kv >= 0 and (sep < 0 or kv < sep):
            header.keyvalues[unescape(line[:kv])] = unescape(line[kv + 2 :])
        elif sep >= 0:
            header.fields[line[:sep].strip().lower()] = line[sep + 2 :].strip()
        else:
            raise format_error(path, f"malformed NRRD header line: {line[:80]!r}")
    return header


def is_nrrd(path: str | os.PathLike) -> bool:
    """True for files that start with the NRRD magic line, whatever their suffix."""
    try:
        with open(path, "rb") as handle:
            return handle.read(7) == b"NRRD000"
    except OSError:
        return False
