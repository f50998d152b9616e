"""How a slice is laid out on screen: radiological convention from direction cosines.

World coordinates are LPS (DICOM/ITK). Radiological convention puts the patient's right
on the screen's left in axial and coronal views, anterior at the top of axial views,
superior at the top of coronal and sagittal views, and anterior on the left of sagittal
views. For oblique images the nearest world axis decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .slices import SliceAxis

# Per view: (world axis, sign) that should point to screen right, then to screen down.
_SCREEN_AXES = {
    SliceAxis.AXIAL: ((0, 1), (1, 1)),  # right -> patient left (+x), down -> posterior (+y)
    SliceAxis.CORONAL: ((0, 1), (2, -1)),  # right -> left, down -> inferior (-z)
    SliceAxis.SAGITTAL: ((1, 1), (2, -1)),  # right -> posterior, down -> inferior
}
_LETTERS = {(0, 1): "L", (0, -1): "R", (1, 1): "P", (1, -1): "A", (2, 1): "S", (2, -1): "I"}


@dataclass(frozen=True)
class PlaneLayout:
    """Transforms from an extracted plane (rows, cols in array order) to the screen."""

    transpose: bool
    flip_rows: bool
    flip_cols: bool
    letters: tuple[str, str, str, str]  # left, right, top, bottom edges

    def to_screen(self, plane: np.ndarray) -> np.ndarray:
        shown = plane.T if self.transpose else plane
        if self.flip_rows:
            shown = shown[::-1]
        if self.flip_cols:
            shown = shown[:, ::-1]
        return shown

    def to_plane(self, row: int, col: int, screen_shape: tuple[int, int]) -> tuple[int, int]:
        """Plane (row, col) of a screen pixel; inverse of ``to_screen``."""
        rows, cols = screen_shape
        if self.flip_rows:
            row = rows - 1 - row
        if self.flip_cols:
            col = cols - 1 - col
        return (col, row) if self.transpose else (row, col)

    def to_screen_point(self, row: int, col: int,
                        screen_shape: tuple[int, int]) -> tuple[int, int]:
        """Screen (row, col) of plane pixel (row, col); inverse of ``to_plane``."""
        row, col = (col, row) if self.transpose else (row, col)
        rows, cols = screen_shape
        return (rows - 1 - row if self.flip_rows else row,
                cols - 1 - col if self.flip_cols else col)


def _dominant(vector: np.ndarray) -> tuple[int, int]:
    axis = int(np.argmax(np.abs(vector)))
    return axis, 1 if vector[axis] >= 0 else -1


def plane_layout(direction: np.ndarray, axis: SliceAxis) -> PlaneLayout:
    """Layout of the plane perpendicular to array ``axis`` for an image's direction matrix."""
    in_plane = [k for k in range(3) if k != axis.value]  # (Z, Y, X) array axes: rows, cols
    # Array axis k in (Z, Y, X) order is ITK index axis 2 - k (a column of ``direction``).
    row_world = _dominant(direction[:, 2 - in_plane[0]])
    col_world = _dominant(direction[:, 2 - in_plane[1]])
    (right_axis, right_sign), (down_axis, down_sign) = _SCREEN_AXES[axis]
    transpose = row_world[0] == right_axis or col_world[0] == down_axis
    if transpose:
        row_world, col_world = col_world, row_world
    flip_cols = col_world[1] != right_sign if col_world[0] == right_axis else False
    flip_rows = row_world[1] != down_sign if row_world[0] == down_axis else False
    right = (col_world[0], -col_world[1] if flip_cols else col_world[1])
    down = (row_world[0], -row_world[1] if flip_rows else row_world[1])
    letters = (
        _LETTERS[(right[0], -right[1])],
        _LETTERS[right],
        _LETTERS[(down[0], -down[1])],
        _LETTERS[down],
    )
    return PlaneLayout(transpose, flip_rows, flip_cols, letters)
