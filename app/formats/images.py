"""Reference images: NRRD and every format SimpleITK reads, including DICOM series folders."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from ..atomic import atomic_path
from ..model.image import ReferenceImage
from .errors import first_line, format_error
from .progress import Progress, part, report
from .sitk_arrays import arrays_of, geometry_of, to_sitk, write_sitk
from .voxels import read_voxels


def _read_dicom_series(folder: Path) -> sitk.Image:
    """The largest DICOM series in ``folder`` (a folder often holds a scout as well)."""
    try:
        series = sitk.ImageSeriesReader.GetGDCMSeriesIDs(str(folder))
    except RuntimeError as error:
        raise format_error(folder, f"cannot scan for DICOM ({first_line(error)})") from error
    if not series:
        raise format_error(folder, "folder holds no DICOM series")
    files = max(
        (sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder), uid) for uid in series),
        key=len,
    )
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(files)
    try:
        return reader.Execute()
    except RuntimeError as error:
        raise format_error(folder, f"cannot read DICOM series ({first_line(error)})") from error


def _image_name(path: Path) -> str:
    name = path.name
    for suffix in (".nii.gz", ".gipl.gz", ".nrrd", ".nhdr", ".nii", ".mha", ".mhd", ".gipl"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem if path.suffix else name


def read_image(path: str | os.PathLike, progress: Progress | None = None) -> ReferenceImage:
    """Read a scalar image as (T, Z, Y, X); refuse RGB/vector images with a clear message.

    The voxel data is checked against the header first (read_voxels), because ITK may
    decode a damaged or cut-short file silently.
    """
    path = Path(path)
    if not path.exists():
        raise format_error(path, "no such file or folder")
    report(progress, 0.0)
    if path.is_dir():
        image = _read_dicom_series(path)
        array, geometry = arrays_of(image, path), geometry_of(image, path)
    else:
        array, geometry = read_voxels(path, part(progress, 0.0, 0.9))
    report(progress, 0.9)
    if array.ndim == 5:
        raise format_error(
            path,
            f"has {array.shape[-1]} components per voxel (RGB or vector image); "
            "Demarcate needs a scalar (grey-value) image",
        )
    if np.iscomplexobj(array):
        raise format_error(path, "has complex voxels; Demarcate needs a real-valued image")
    return ReferenceImage(array, geometry, name=_image_name(path), source_path=str(path))


def write_image(image: ReferenceImage, path: str | os.PathLike) -> None:
    """Write an image atomically in the format its suffix names (NIfTI, NRRD, MHA...)."""
    sitk_image = to_sitk(np.asarray(image.array), image.geometry)
    with atomic_path(path) as temp:
        write_sitk(sitk_image, temp)
