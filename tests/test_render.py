"""Slice layout and compositing (pure functions behind the slice views)."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.render.orientation import plane_layout
from demarcate.render.slices import (
    SliceAxis,
    composite,
    extract_slice,
    label_lookup,
    outline_mask,
    window_to_gray,
)


def test_identity_direction_axial_is_unchanged_and_labelled_radiologically():
    layout = plane_layout(np.eye(3), SliceAxis.AXIAL)
    assert (layout.transpose, layout.flip_rows, layout.flip_cols) == (False, False, False)
    # LPS identity: columns run to the patient's left, so the screen's left edge is R.
    assert layout.letters == ("R", "L", "A", "P")


def test_flipped_x_y_direction_is_flipped_back_for_axial():
    layout = plane_layout(np.diag([-1.0, -1.0, 1.0]), SliceAxis.AXIAL)
    assert (layout.flip_rows, layout.flip_cols) == (True, True)
    assert layout.letters == ("R", "L", "A", "P")


def test_coronal_and_sagittal_put_superior_on_top():
    coronal = plane_layout(np.eye(3), SliceAxis.CORONAL)
    sagittal = plane_layout(np.eye(3), SliceAxis.SAGITTAL)
    assert coronal.flip_rows and sagittal.flip_rows
    assert coronal.letters == ("R", "L", "S", "I")
    assert sagittal.letters == ("A", "P", "S", "I")


def test_to_plane_inverts_to_screen():
    rng = np.random.default_rng(0)
    plane = rng.integers(0, 100, (5, 7))
    for direction in (np.eye(3), np.diag([-1.0, 1.0, -1.0]), np.eye(3)[[1, 0, 2]]):
        for axis in SliceAxis:
            layout = plane_layout(direction, axis)
            shown = layout.to_screen(plane)
            for row, col in [(0, 0), (shown.shape[0] - 1, 1), (2, shown.shape[1] - 1)]:
                r, c = layout.to_plane(row, col, shown.shape)
                assert plane[r, c] == shown[row, col]
                assert layout.to_screen_point(r, c, shown.shape) == (row, col)


def test_extract_slice_along_each_axis():
    volume = np.arange(24).reshape(2, 3, 4)
    assert extract_slice(volume, SliceAxis.AXIAL, 1).shape == (3, 4)
    assert extract_slice(volume, SliceAxis.CORONAL, 2).tolist() == volume[:, 2, :].tolist()
    assert extract_slice(volume, SliceAxis.SAGITTAL, 3).tolist() == volume[:, :, 3].tolist()


def test_window_maps_level_and_width_to_gray():
    gray = window_to_gray(np.array([[-100, 40, 180, 400]]), level=40, width=280)
    np.testing.assert_allclose(gray, [[0.0, 0.5, 1.0, 1.0]])


def test_composite_blends_visible_labels_with_opacity():
    gray = np.zeros((2, 2), np.float32)
    labels = np.array([[0, 1], [2, 2]], np.uint16)
    table = label_lookup([(1, (1.0, 0.0, 0.0), 0.5)], size=3)  # label 2 hidden
    rgba = composite(gray, [(labels, table)])
    np.testing.assert_allclose(rgba[0, 1], [0.5, 0, 0, 1])
    np.testing.assert_allclose(rgba[1, 0], [0, 0, 0, 1])


def test_outline_keeps_only_label_borders():
    labels = np.zeros((5, 5), np.uint16)
    labels[1:4, 1:4] = 1
    edge = outline_mask(labels)
    assert edge.sum() == 8 and not edge[2, 2]


def test_default_window_is_soft_tissue_for_ct_and_percentiles_otherwise():
    from demarcate.render.windowing import CT_PRESETS, default_window

    ct = np.array([-1024, 0, 40, 1000], np.int16)
    assert default_window(ct) == CT_PRESETS["CT soft tissue"]
    level, width = default_window(np.linspace(0, 100, 1001, dtype=np.float32))
    assert level == pytest.approx(50, abs=1) and width == pytest.approx(98, abs=1)
