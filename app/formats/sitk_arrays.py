"""Move between SimpleITK images and Demarcate's (T, Z, Y, X) arrays plus Geometry.

2D images become one slice and 3D images one time step, so every caller sees one layout.
4D images are 3D+t: the spatial geometry comes from the first three axes only, because
some writers (MITK) store a time axis whose direction has a spatial part.
"""

from __future__ import annotations

import os

import numpy as np
import SimpleITK as sitk

from ..model.geometry import Geometry
from .errors import first_line, format_error
from .layout import as_tzyx, dimension_error
from .write_check import check_written_image


def read_sitk(path: str | os.PathLike) -> sitk.Image:
    """Read a file with SimpleITK, turning ITK's exceptions into one-line FormatErrors."""
    try:
        return sitk.ReadImage(os.fspath(path))
    except RuntimeError as error:
        raise format_error(path, f"cannot be read as an image ({first_line(error)})") from error


def geometry_of(image: sitk.Image, path: str | os.PathLike) -> Geometry:
    """Spatial geometry (first three axes) and time step of a 2D, 3D or 4D image."""
    dim = image.GetDimension()
    spacing = list(image.GetSpacing())
    origin = list(image.GetOrigin())
    direction = np.asarray(image.GetDirection(), dtype=float).reshape(dim, dim)
    if dim == 2:
        full = np.eye(3)
        full[:2, :2] = direction
        return Geometry((*spacing, 1.0), (*origin, 0.0), full)
    if dim == 3:
        return Geometry(spacing, origin, direction)
    if dim == 4:
        # The time axis length is direction[3, 3] * spacing[3]; its spatial part (an MITK
        # quirk) is ignored.
        time_step = abs(direction[3, 3]) * spacing[3] if abs(direction[3, 3]) > 1e-9 else 1.0
        return Geometry(spacing[:3], origin[:3], direction[:3, :3], time_step_ms=time_step)
    raise dimension_error(path, dim)


def arrays_of(image: sitk.Image, path: str | os.PathLike) -> np.ndarray:
    """Voxels as (T, Z, Y, X), or (T, Z, Y, X, C) for multi-component images."""
    dim = image.GetDimension()
    if dim not in (2, 3, 4):
        raise dimension_error(path, dim)
    return as_tzyx(sitk.GetArrayFromImage(image), min(dim, 3), dim == 4)


def to_sitk(array: np.ndarray, geometry: Geometry) -> sitk.Image:
    """A 3D image for one time step (T == 1), else a 4D image with the time axis last."""
    if array.ndim != 4:
        raise ValueError(f"expected a (T, Z, Y, X) array, got shape {array.shape}")
    if array.shape[0] == 1:
        image = sitk.GetImageFromArray(np.ascontiguousarray(array[0]), isVector=False)
        image.SetSpacing(geometry.spacing_xyz)
        image.SetOrigin(geometry.origin_xyz)
        image.SetDirection(geometry.direction.ravel().tolist())
        return image
    image = sitk.GetImageFromArray(np.ascontiguousarray(array), isVector=False)
    direction = np.eye(4)
    direction[:3, :3] = geometry.direction
    image.SetSpacing((*geometry.spacing_xyz, geometry.time_step_ms))
    image.SetOrigin((*geometry.origin_xyz, 0.0))
    image.SetDirection(direction.ravel().tolist())
    return image


def write_sitk(image: sitk.Image, path: str | os.PathLike, *, compress: bool = True) -> None:
    """Write with SimpleITK and read it back (ITK does not notice a full disk); ITK's
    exceptions become OSError (a write failure, not bad data)."""
    try:
        sitk.WriteImage(image, os.fspath(path), useCompression=compress)
    except RuntimeError as error:
        raise OSError(f"{os.fspath(path)}: cannot write ({first_line(error)})") from error
    check_written_image(image, path)
