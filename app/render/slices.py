"""Slice extraction and compositing, as pure functions on arrays.

Views are named by the anatomical plane they show; ``SliceAxis`` gives the array axis
(in (Z, Y, X) order) that a view steps through.
"""

from __future__ import annotations

from enum import Enum

import numpy as np


class SliceAxis(Enum):
    AXIAL = 0
    CORONAL = 1
    SAGITTAL = 2


def extract_slice(volume_zyx: np.ndarray, axis: SliceAxis, index: int) -> np.ndarray:
    """The 2D slice at ``index`` along ``axis`` in array order (a view for axial slices).

    ``orientation.PlaneLayout.to_screen`` turns it the way the screen shows it.
    """
    return np.take(volume_zyx, index, axis=axis.value) if axis.value else volume_zyx[index]


def window_to_gray(
    plane: np.ndarray, level: float, width: float, out: np.ndarray | None = None
) -> np.ndarray:
    """Map intensities to 0..1 with a window (centre ``level``, ``width``), as float32."""
    width = max(float(width), 1e-6)
    low = level - width / 2
    scaled = np.subtract(plane, low, dtype=np.float32, out=out)
    scaled *= 1.0 / width
    return np.clip(scaled, 0.0, 1.0, out=scaled)


def label_lookup(
    labels: list[tuple[int, tuple[float, float, float], float]], size: int
) -> np.ndarray:
    """RGBA float32 table indexed by label value; unlisted values are transparent.

    ``labels`` holds (value, colour, opacity) of the labels to show (hidden ones left out).
    """
    table = np.zeros((max(size, 1), 4), dtype=np.float32)
    for value, color, opacity in labels:
        if value < size:
            table[value, :3] = color
            table[value, 3] = opacity
    return table


def outline_mask(label_plane: np.ndarray) -> np.ndarray:
    """True on label pixels that touch a pixel of another value (4-neighbourhood)."""
    edge = np.zeros(label_plane.shape, dtype=bool)
    edge[1:, :] |= label_plane[1:, :] != label_plane[:-1, :]
    edge[:-1, :] |= label_plane[:-1, :] != label_plane[1:, :]
    edge[:, 1:] |= label_plane[:, 1:] != label_plane[:, :-1]
    edge[:, :-1] |= label_plane[:, :-1] != label_plane[:, 1:]
    return edge & (label_plane != 0)


def composite(
    gray: np.ndarray, label_planes: list[tuple[np.ndarray, np.ndarray]], outline: bool = False
) -> np.ndarray:
    """Blend label overlays over a grayscale slice; returns RGBA float32 (H, W, 4).

    ``label_planes`` holds (label slice, RGBA lookup) per group, drawn in order, so a
    later group is on top where groups overlap. Outline mode draws only label borders,
    fully opaque, so the anatomy inside stays visible. Only labelled pixels are blended
    (gathered by flat index), which keeps a 512 x 512 slice with 20 labels under the
    4 ms compositing budget.
    """
    rgba = np.empty((*gray.shape, 4), dtype=np.float32)
    rgba[..., :3] = gray[..., None]
    rgba[..., 3] = 1.0
    flat = rgba.reshape(-1, 4)
    for plane, table in label_planes:
        drawn = outline_mask(plane) if outline else plane
        index = np.flatnonzero(drawn)
        if index.size == 0:
            continue
        values = np.minimum(plane.ravel()[index], table.shape[0] - 1)
        alpha = table[:, 3] if not outline else (table[:, 3] > 0).astype(np.float32)
        premultiplied = table[:, :3] * alpha[:, None]
        flat[index, :3] = flat[index, :3] * (1.0 - alpha[values, None]) + premultiplied[values]
    return rgba
