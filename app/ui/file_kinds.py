"""What the file browser offers for each kind of file: the formats Demarcate reads.

Each kind lists "All supported" first (the default), then one filter per format, then
"All files". Filters match whole suffixes without regard to case, so .nii.gz and
.seg.nrrd work where a filter on the last suffix alone would hide them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..formats.paths import has_suffix


@dataclass(frozen=True)
class FileFilter:
    """One entry of the filter list; no suffixes means every file."""

    name: str
    suffixes: tuple[str, ...] = ()
    list_suffixes: bool = True  # in the label; "All supported" would be too long

    @property
    def label(self) -> str:
        if not self.suffixes or not self.list_suffixes:
            return self.name
        return f"{self.name} ({', '.join('*' + s for s in self.suffixes)})"

    def matches(self, path: str | Path) -> bool:
        return not self.suffixes or has_suffix(path, self.suffixes)


ALL_FILES = FileFilter("All files")


@dataclass(frozen=True)
class FileKind:
    """A kind of file to open or save.

    ``name`` keys the remembered folder; ``dicom`` says whether a folder of DICOM files
    can be chosen (images only).
    """

    name: str
    formats: tuple[FileFilter, ...]
    dicom: bool = False

    @property
    def suffixes(self) -> tuple[str, ...]:
        """Every suffix of the kind, each once, in format order."""
        return tuple(dict.fromkeys(s for f in self.formats for s in f.suffixes))

    @property
    def filters(self) -> tuple[FileFilter, ...]:
        return (FileFilter("All supported", self.suffixes, list_suffixes=False), *self.formats,
                ALL_FILES)


IMAGES = FileKind("image", (
    FileFilter("NIfTI", (".nii.gz", ".nii")),
    FileFilter("NRRD", (".nrrd", ".nhdr")),
    FileFilter("MetaImage", (".mha", ".mhd")),
    FileFilter("GIPL", (".gipl", ".gipl.gz")),
    FileFilter("PNG", (".png",)),
    FileFilter("TIFF", (".tif", ".tiff")),
    FileFilter("DICOM", (".dcm",)),
), dicom=True)

SEGMENTATIONS = FileKind("segmentation", (
    FileFilter("MITK multilabel", (".nrrd", ".mitk.nrrd")),
    FileFilter("3D Slicer", (".seg.nrrd",)),
    FileFilter("Label map", (".nii.gz", ".nii", ".mha", ".mhd", ".nrrd")),
))

PRESETS = FileKind("preset", (
    FileFilter("MITK label set preset", (".json",)),
    FileFilter("Legacy MITK preset", (".lsetp",)),
))

MESHES = FileKind("mesh", (
    FileFilter("STL", (".stl",)),
    FileFilter("OBJ", (".obj",)),
    FileFilter("PLY", (".ply",)),
))

KINDS = (IMAGES, SEGMENTATIONS, PRESETS, MESHES)


def kind_for(extensions: tuple[str, ...]) -> FileKind:
    """The kind with exactly these suffixes, or one made for them (one filter each), so
    that callers may still pass a tuple of extensions."""
    wanted = {e.lower() for e in extensions}
    for kind in KINDS:
        if set(kind.suffixes) == wanted:
            return kind
    formats = tuple(FileFilter(e.lstrip(".").upper(), (e,)) for e in extensions)
    return FileKind("+".join(e.lstrip(".") for e in extensions), formats)


def save_suffix(chosen: FileFilter) -> str | None:
    """The suffix a saved name without one gets: the chosen format's first (for "All
    supported" the kind's first), none for "All files"."""
    return chosen.suffixes[0] if chosen.suffixes else None
