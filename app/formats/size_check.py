"""Refuse an image whose header declares more voxels than this machine's memory holds.

A 590-byte .nii.gz may declare 1024³ voxels; ITK then allocates gigabytes and, half a
minute later, fails with a MemoryError traceback or takes the machine's memory from
everything else. The header alone gives the size (``ReadImageInformation`` reads no
voxels), so the size is compared with the available memory before anything is
allocated, and the message says how much the file asks for. Whether the file holds
that many bytes is payload_length's question; this one is whether reading could fit.
``check_declared_size`` asks SimpleITK for the header; a reader that parses its header
itself (NRRD) calls ``check_fits_in_memory`` with the sizes before it allocates.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import SimpleITK as sitk

from .errors import format_error

# ITK's buffer and the NumPy copy made from it exist at the same time while reading.
COPIES_WHILE_READING = 2
_BITS = re.compile(r"(\d+)-bit")


def available_memory() -> int | None:
    """Bytes that can be allocated now, or None where the system does not say.

    Linux's MemAvailable counts free memory plus the cache the kernel can drop; free
    pages alone (SC_AVPHYS_PAGES) are far fewer on any machine that has been busy, and
    refusing on them would refuse files that fit. Elsewhere free pages, then all of
    physical memory (an upper bound, so a refusal is still right).
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    for pages in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            return os.sysconf(pages) * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            continue
    return None


def _size_text(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value = count / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def check_fits_in_memory(path: str | os.PathLike, sizes: Sequence[int], item_bytes: int,
                         item: str, components: int = 1,
                         available_bytes: int | None = None) -> None:
    """Raise FormatError when voxels of these sizes (``components`` values of
    ``item_bytes`` each, ``item`` naming the type) cannot be read into the available
    memory. For readers that parse the header themselves; ``available_bytes`` replaces
    the measured figure (tests, or a caller with a budget of its own)."""
    declared = math.prod(sizes) * components * item_bytes
    needed = declared * COPIES_WHILE_READING
    available = available_memory() if available_bytes is None else available_bytes
    if available is None or needed <= available:
        return
    channels = f" x {components} components" if components > 1 else ""
    raise format_error(
        Path(path),
        f"declares {' x '.join(str(n) for n in sizes)} voxels{channels} of {item} "
        f"({_size_text(declared)}); reading it needs about {_size_text(needed)} of memory "
        f"and {_size_text(available)} is available",
    )


def check_declared_size(path: str | os.PathLike, available_bytes: int | None = None) -> None:
    """Raise FormatError when reading ``path`` with SimpleITK needs more memory than is
    available, from the header alone. A header SimpleITK cannot read is left to the
    reader that follows, which reports it in its own words."""
    reader = sitk.ImageFileReader()
    reader.SetFileName(os.fspath(path))
    try:
        reader.ReadImageInformation()
    except RuntimeError:
        return
    item = sitk.GetPixelIDValueAsString(reader.GetPixelID())  # "vector of 16-bit ..."
    bits = _BITS.search(item)
    if bits is None:
        return  # a pixel type SimpleITK cannot name; ReadImage refuses it
    # ITK counts a complex voxel as two components of the named size.
    check_fits_in_memory(path, reader.GetSize(), int(bits.group(1)) // 8, item,
                         max(reader.GetNumberOfComponents(), 1), available_bytes)
