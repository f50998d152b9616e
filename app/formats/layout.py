"""Demarcate's array layout: (T, Z, Y, X), with components last as (T, Z, Y, X, C).

Every reader brings its voxels into this layout here, so that a 2D image becomes one
slice and a 3D image one time step the same way, whichever library decoded them.
"""

from __future__ import annotations

import os

import numpy as np

from .errors import FormatError, format_error


def dimension_error(path: str | os.PathLike, dimension: int) -> FormatError:
    """The one message for images of a dimension Demarcate cannot show."""
    return format_error(
        path, f"a {dimension}D image is not supported (Demarcate reads 2D, 3D and 3D+t images)"
    )


def as_tzyx(array: np.ndarray, spatial: int, time: bool) -> np.ndarray:
    """(T, Z, Y, X[, C]) from an array with axes [T,] [Z,] Y, X [, C].

    ``spatial`` is the number of spatial axes (2 or 3) and ``time`` whether a time axis
    leads; the missing axes are added with length 1 (a view, no copy).
    """
    if spatial == 2:
        array = np.expand_dims(array, 1 if time else 0)
    if not time:
        array = array[np.newaxis]
    return array
