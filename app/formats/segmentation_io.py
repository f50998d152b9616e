"""Read and write segmentations in whichever format the file (or suffix) says.

Reading: NRRD headers decide between MITK, legacy MITK, Slicer and plain label maps,
``read_voxels`` decodes the voxels (checked against the header), and ``build_segmentation``
applies the shared rules (reference grid, values described by the header, uint16).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..model.geometry import Geometry
from ..model.image import ReferenceImage
from ..model.segmentation import Segmentation
from .decoded import Decoded, build_segmentation
from .errors import format_error
from .labelmap import decode_labelmap, write_labelmaps
from .mitk import decode_legacy_mitk, decode_mitk, is_legacy_mitk, is_mitk, write_mitk
from .nrrd_header import is_nrrd, read_header
from .paths import display_name
from .progress import Progress, part, report
from .slicer import decode_slicer, is_slicer, write_slicer
from .voxels import read_voxels

Reference = ReferenceImage | tuple[Geometry, tuple[int, ...]]
LABELMAP_WRITE_SUFFIXES = (".nii", ".nii.gz", ".mha", ".mhd")


def _detect(path: Path) -> tuple[str, dict[str, str]]:
    if not is_nrrd(path):
        return "labelmap", {}
    keyvalues = read_header(path).keyvalues
    if is_mitk(keyvalues):
        return "mitk", keyvalues
    if is_legacy_mitk(keyvalues):
        return "mitk-legacy", keyvalues
    if is_slicer(keyvalues):
        return "slicer", keyvalues
    return "labelmap", keyvalues


def is_segmentation_file(path: str | os.PathLike) -> bool:
    """True for MITK multilabel (any version) and Slicer segmentation files, told apart
    from images by their header keys; a plain label map reads as an image."""
    path = Path(path)
    return path.is_file() and _detect(path)[0] != "labelmap"


def describe_segmentation_file(path: str | os.PathLike) -> tuple[str, int | None]:
    """Format name ("mitk", "mitk-legacy", "slicer", "labelmap") and MITK version, from
    the header alone (no voxels are read)."""
    path = Path(path)
    if not path.is_file():
        raise format_error(path, "no such file")
    kind, keyvalues = _detect(path)
    if kind == "mitk":
        try:
            return kind, int(keyvalues.get("org.mitk.multilabel.segmentation.version", ""))
        except ValueError:
            return kind, None
    return kind, None


def _reference_grid(reference: Reference | None):
    if reference is None:
        return None, None
    if isinstance(reference, ReferenceImage):
        return reference.geometry, tuple(reference.array.shape)
    geometry, shape = reference
    if not isinstance(geometry, Geometry) or len(shape) not in (3, 4):
        raise TypeError("reference must be a ReferenceImage or (Geometry, shape)")
    return geometry, tuple(int(v) for v in shape)


def read_segmentation(
    path: str | os.PathLike, reference: Reference | None = None, *, round_floats: bool = False,
    progress: Progress | None = None,
) -> Segmentation:
    """Read an MITK .nrrd, Slicer .seg.nrrd or plain label map.

    With ``reference`` (an image or (Geometry, shape)), the result lies on its grid: a
    file on the same physical grid stored with flipped/permuted axes is reoriented, any
    other grid raises FormatError. Nothing half-loaded is ever returned.
    """
    path = Path(path)
    if not path.is_file():
        raise format_error(path, "no such file")
    report(progress, 0.0)
    kind, keyvalues = _detect(path)
    array, geometry = read_voxels(path, part(progress, 0.0, 0.8))
    report(progress, 0.8)
    decoded: Decoded
    if kind == "mitk":
        decoded = decode_mitk(keyvalues, array, geometry, path)
    elif kind == "mitk-legacy":
        decoded = decode_legacy_mitk(keyvalues, array, geometry, path)
    elif kind == "slicer":
        decoded = decode_slicer(keyvalues, array, geometry, path)
    else:
        decoded = decode_labelmap(array, geometry, path, round_floats)
    ref_geometry, ref_shape = _reference_grid(reference)
    return build_segmentation(decoded, path, ref_geometry, ref_shape, display_name(path))


def what_is_lost(seg: Segmentation, path: str | os.PathLike, *, mitk_version: int = 1,
                 labelmap: bool = False) -> list[str]:
    """What a file of this kind cannot hold of ``seg``, in words for the user, so that
    a save can say so before it writes (empty: nothing is lost)."""
    name = Path(path).name.lower()
    lost = []
    if labelmap or name.endswith(LABELMAP_WRITE_SUFFIXES):
        lost.append("A label map keeps only the voxel values: label names, colours, "
                    "opacity, visibility, locks and group names are not stored.")
    elif name.endswith(".seg.nrrd"):
        if seg.stored_time_steps > 1:
            lost.append("Slicer files have no time axis: save a 3D+t segmentation as MITK.")
    elif name.endswith(".nrrd") and mitk_version == 1:
        named = [g.name for i, g in enumerate(seg.groups) if g.name != f"Group {i}"]
        if named:
            lost.append("MITK 2023.04 files (version 1) store no group names: "
                        + ", ".join(f"'{n}'" for n in named)
                        + " will read back as 'Group 0', 'Group 1', ... (version 4 keeps "
                        "them).")
    return lost


def write_segmentation(
    seg: Segmentation, path: str | os.PathLike, *, mitk_version: int = 1, labelmap: bool = False,
    progress: Progress | None = None,
) -> list[Path]:
    """Write by suffix: .seg.nrrd Slicer, other .nrrd MITK (``mitk_version`` 1 or 4),
    .nii/.nii.gz/.mha/.mhd (or ``labelmap=True``) one label map per group.

    Every file is written atomically; the written paths are returned.
    """
    path = Path(path)
    try:
        seg.validate()
    except ValueError as error:
        raise format_error(path, f"cannot write an invalid segmentation ({error})") from error
    name = path.name.lower()
    if labelmap or name.endswith(LABELMAP_WRITE_SUFFIXES):
        return write_labelmaps(seg, path, progress)
    if name.endswith(".seg.nrrd"):
        write_slicer(seg, path, progress)
    elif name.endswith(".nrrd"):
        write_mitk(seg, path, mitk_version, progress)
    else:
        raise format_error(
            path,
            "unknown segmentation suffix (use .nrrd for MITK, .seg.nrrd for Slicer, "
            ".nii.gz/.nii/.mha for label maps)",
        )
    return [path]
