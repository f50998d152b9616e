"""File-name helpers: compound suffixes such as .nii.gz and .seg.nrrd count as one."""

from __future__ import annotations

from pathlib import Path

COMPOUND_SUFFIXES = (
    ".seg.nrrd", ".nii.gz", ".gipl.gz", ".preset.json", ".label.txt",
    ".nrrd", ".nhdr", ".nii", ".mha", ".mhd", ".gipl", ".json", ".lsetp", ".txt", ".label",
)  # fmt: skip


def split_suffix(path: str | Path) -> tuple[str, str]:
    """(stem, suffix) with the longest known suffix, e.g. ('brain', '.nii.gz')."""
    name = Path(path).name
    lowered = name.lower()
    for suffix in COMPOUND_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], name[-len(suffix) :]
    stem, suffix = Path(name).stem, Path(name).suffix
    return stem, suffix


def display_name(path: str | Path) -> str:
    """A name for the UI: the file name without its (compound) suffix."""
    return split_suffix(path)[0]


def has_suffix(path: str | Path, suffixes: tuple[str, ...]) -> bool:
    """Whether the file name ends with one of ``suffixes``, ignoring case.

    ``Path.suffix`` sees only the last part, so it cannot match .nii.gz or .seg.nrrd; a
    name that is only the suffix (".nii.gz", a hidden file) does not count.
    """
    lowered = Path(path).name.lower()
    return any(lowered.endswith(s.lower()) and len(lowered) > len(s) for s in suffixes)
