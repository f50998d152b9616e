"""Parse and format NRRD headers without touching the voxel payload.

The formats built on NRRD (MITK, Slicer) live in the header's ``key:=value`` lines, and
the payload reader needs to know where the data lies and how it is encoded. Parsing the
header here keeps both independent of what ITK chooses to expose.

Each header line is decoded on its own: as UTF-8, or as latin-1 when that one line is not
UTF-8. Header values are copied byte for byte by ITK, so an MITK file whose JSON label
names are UTF-8 can carry a DICOM tag in latin-1 from the image it was made on; decoding
the whole header as latin-1 because of that one tag garbled every label name ("Läsion"
became "LÃ¤sion") and the next save wrote the garbled names back. Refusing such a file
would lock users out of valid MITK files, and a line that is not UTF-8 is latin-1 in
practice (the other common 8-bit encodings differ from it only in rarely used signs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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

# Field names NRRD also accepts without their space, mapped to the spaced spelling.
_FIELD_ALIASES = {
    "blocksize": "block size", "spacedimension": "space dimension", "axismins": "axis mins",
    "axismaxs": "axis maxs", "spacedirections": "space directions", "centerings": "centers",
    "oldmin": "old min", "oldmax": "old max", "lineskip": "line skip",
    "byteskip": "byte skip", "sampleunits": "sample units", "spaceunits": "space units",
    "spaceorigin": "space origin", "measurementframe": "measurement frame",
    "datafile": "data file",
}  # fmt: skip
_ENCODINGS = {"gz": "gzip", "txt": "ascii", "text": "ascii", "bz2": "bzip2"}
_ENDIANS = {"little": "<", "big": ">"}


@dataclass
class NrrdHeader:
    """Fields (lower-cased names) and key/value pairs of a NRRD header, in file order.

    ``data_list`` holds the file names that follow ``data file: LIST`` in a detached
    header; ``header_bytes`` is where an attached payload starts.
    """

    path: Path
    fields: dict[str, str] = field(default_factory=dict)
    keyvalues: dict[str, str] = field(default_factory=dict)
    header_bytes: int = 0
    data_list: list[str] = field(default_factory=list)

    def _int(self, name: str, default: int) -> int:
        text = self.fields.get(name)
        if text is None:
            return default
        try:
            return int(text)
        except ValueError:
            raise format_error(self.path, f"NRRD field '{name}' is not a whole number: "
                               f"{text!r}") from None

    def sizes(self) -> list[int]:
        """The axis lengths, fastest first; FormatError unless they match 'dimension'."""
        try:
            sizes = [int(v) for v in self.fields.get("sizes", "").split()]
        except ValueError:
            raise format_error(self.path, "NRRD 'sizes' are not whole numbers") from None
        if not sizes:
            raise format_error(self.path, "NRRD header lacks 'sizes'")
        if min(sizes) < 1:
            raise format_error(self.path, f"NRRD sizes {sizes} include an empty axis")
        dimension = self._int("dimension", len(sizes))
        if dimension != len(sizes):
            raise format_error(
                self.path, f"NRRD dimension is {dimension} but {len(sizes)} sizes are given"
            )
        return sizes

    def kinds(self) -> list[str]:
        return self.fields.get("kinds", "").split()

    def encoding(self) -> str:
        value = self.fields.get("encoding", "raw").strip().lower()
        return _ENCODINGS.get(value, value)

    def dtype(self) -> np.dtype:
        """The voxel type with the byte order of the payload (required for binary data)."""
        name = " ".join(self.fields.get("type", "").lower().split())
        code = NRRD_TYPES.get(name)
        if code is None:
            raise format_error(self.path, f"NRRD type {name!r} is not supported")
        if code[1] == "1" or self.encoding() == "ascii":
            return np.dtype(code)
        endian = self.fields.get("endian", "").strip().lower()
        if endian not in _ENDIANS:
            raise format_error(self.path, f"NRRD header needs 'endian: little' or 'endian: "
                               f"big' for type {name!r} (it says {endian or 'nothing'!r})")
        return np.dtype(_ENDIANS[endian] + code)

    def line_skip(self) -> int:
        skip = self._int("line skip", 0)
        if skip < 0:
            raise format_error(self.path, f"NRRD line skip {skip} is negative")
        return skip

    def byte_skip(self) -> int:
        """Bytes before the data; -1 means the data ends the file (-N-1: N bytes after it)."""
        return self._int("byte skip", 0)

    def data_files(self) -> list[Path]:
        """The detached data files in order; empty when the payload follows the header.

        ``data file`` names one file, ``LIST`` the files on the lines after it, or a
        printf pattern with first, last and step numbers (``slice%03d.raw 1 30 1``).
        """
        value = self.fields.get("data file")
        if value is None:
            return []
        words = value.split()
        if words and words[0].upper() == "SKIPLIST":
            raise format_error(self.path, "NRRD 'data file: SKIPLIST' is not supported")
        if words and words[0].upper() == "LIST":
            names = self.data_list
        elif len(words) >= 4 and "%" in words[0]:
            names = _numbered_names(self.path, words)
        else:
            names = [value.strip()]
        if not names:
            raise format_error(self.path, "NRRD 'data file: LIST' names no files")
        return [self.path.parent / name for name in names]  # an absolute name stays absolute


def _numbered_names(path: Path, words: list[str]) -> list[str]:
    try:
        first, last, step = (int(w) for w in words[1:4])
    except ValueError:
        raise format_error(path, f"NRRD data file numbers are not whole: {words[1:4]}") from None
    if step == 0 or (last - first) * step < 0:
        raise format_error(path, f"NRRD data file numbers {first} to {last} by {step} are empty")
    try:
        return [words[0] % number for number in range(first, last + (1 if step > 0 else -1),
                                                      step)]
    except (TypeError, ValueError):
        raise format_error(path, f"NRRD data file pattern {words[0]!r} is not valid") from None


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


def _decode_line(raw: bytes) -> str:
    """UTF-8, or latin-1 for this one line when it is not UTF-8 (see the module doc)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _add_field(header: NrrdHeader, name: str, value: str) -> str:
    """Store a field under its canonical name, which is returned."""
    name = " ".join(name.lower().split())
    name = _FIELD_ALIASES.get(name, name)
    if name in header.fields:
        raise format_error(header.path, f"NRRD field '{name}' is given twice")
    header.fields[name] = value.strip()
    return name


def _lists_files(value: str) -> bool:
    """``data file: LIST`` (or SKIPLIST): the header's remaining lines are file names."""
    words = value.split()
    return bool(words) and words[0].upper() in ("LIST", "SKIPLIST")


def read_header(path: str | os.PathLike) -> NrrdHeader:
    """Parse the header of a NRRD (.nrrd or .nhdr) file; FormatError if it is not NRRD."""
    path = Path(path)
    raw, length = _read_header_bytes(path)
    if not raw.startswith(b"NRRD000"):
        raise format_error(path, "not a NRRD file (no NRRD000x magic line)")
    header = NrrdHeader(path, header_bytes=length)
    lines = iter(raw.split(b"\n")[1:])
    for raw_line in lines:
        line = _decode_line(raw_line.rstrip(b"\r"))
        if not line or line.startswith("#"):
            continue
        kv = line.find(":=")
        sep = line.find(": ")
        if kv >= 0 and (sep < 0 or kv < sep):
            header.keyvalues[unescape(line[:kv])] = unescape(line[kv + 2 :])
        elif sep >= 0:
            name = _add_field(header, line[:sep], line[sep + 2 :])
            if name == "data file" and _lists_files(header.fields[name]):
                names = (_decode_line(entry.rstrip(b"\r")).strip() for entry in lines)
                header.data_list = [name for name in names if name]
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
