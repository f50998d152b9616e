"""The 2D tools in the real window: shortcuts, mouse gestures, one undo step each."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from .test_window import axial_slice


def saved_labels(app, tmp_path, name: str) -> np.ndarray:
    """Save through the Save-as dialog (typed path) and read the voxels back."""
    target = tmp_path / f"{name}.nrrd"
    app.type_into_save_dialog(target)
    app.wait_for(target.exists, what=f"{target.name} to be saved")
    app.wait_idle()
    return sitk.GetArrayFromImage(sitk.ReadImage(str(target)))


def start(launch):
    app = launch("--sample")
    app.wait_for(lambda: app.layout().get("view_axial", [0, 0, 0])[2] > 100, what="views")
    app.click("new_segmentation_button")
    app.wait_for_item("label_1")
    app.click("view_axial")  # keyboard focus to the views
    return app


def test_lasso_region_growing_fill_and_ctrl_wipe(launch, tmp_path):
    app = start(launch)
    middle = axial_slice(app) - 1

    app.key("l")
    app.wait_for_item("option_mode")
    for fx, fy in [(0.25, 0.35), (0.60, 0.35), (0.60, 0.65)]:
        app.click("view_axial", fx, fy)
    app.double_click("view_axial", 0.25, 0.65)  # closes the contour
    app.wait_for(lambda: app.state("_undo_depth") == 1, what="the lasso's undo step")
    lasso = saved_labels(app, tmp_path, "lasso")[middle] == 1
    assert lasso.sum() > 100

    # Ctrl+Paint is Wipe: a stroke across the lasso area clears part of it.
    app.click("view_axial")
    app.key("p")
    app.wait_for_item("option_radius")
    app.drag("view_axial", [(0.40, 0.50), (0.45, 0.50)], key="ctrl")
    wiped = saved_labels(app, tmp_path, "wiped")[middle] == 1
    assert 0 < wiped.sum() < lasso.sum()

    # Fill the wiped hole back: click inside it.
    app.click("view_axial")
    app.key("f")
    app.wait_for_item("tool_fill")
    app.click("view_axial", 0.425, 0.50)
    filled = saved_labels(app, tmp_path, "filled")[middle] == 1
    assert wiped.sum() < filled.sum() <= lasso.sum()

    # Region growing: click-and-drag upwards on the liver widens the previewed region.
    app.click("view_axial")
    app.key("Escape")
    app.key("r")
    app.wait_for_item("tool_region_growing")
    app.drag("view_axial", [(0.30, 0.75), (0.30, 0.7), (0.30, 0.65)])
    grown = saved_labels(app, tmp_path, "grown")[middle] == 1
    assert grown.sum() > filled.sum()

    app.key("ctrl+z")
    undone = saved_labels(app, tmp_path, "undone")[middle] == 1
    np.testing.assert_array_equal(undone, filled)


def test_interpolation_confirm_all_fills_the_slices_between(launch, tmp_path):
    app = start(launch)
    first = axial_slice(app) - 1
    app.key("p")
    app.wait_for_item("option_radius")
    app.drag("view_axial", [(0.35, 0.45), (0.5, 0.5)])
    app.hover("view_axial")
    for _ in range(4):
        app.key("Up")
    app.wait_for(lambda: axial_slice(app) - 1 == first + 4, what="four slices up")
    app.drag("view_axial", [(0.35, 0.45), (0.55, 0.55)])
    app.click("interpolation_mode_2D")
    app.wait_for_item("confirm_all")
    app.wait_for(lambda: app.state("_suggested_slices") == list(range(first + 1, first + 4)),
                 what="suggestions for the three slices between")
    app.click("confirm_all")
    labels = saved_labels(app, tmp_path, "interpolated") == 1
    per_slice = labels.sum(axis=(1, 2))
    assert all(per_slice[first : first + 5] > 0), per_slice[first : first + 5]


def test_contour_close_erase_in_coronal_and_live_wire_in_sagittal(launch, tmp_path):
    app = start(launch)
    z, y, x = app.layout()["_cursor"]

    def coronal_count(name: str) -> int:
        return int((saved_labels(app, tmp_path, name)[:, y, :] == 1).sum())

    app.hover("view_coronal")
    app.key("a")
    app.wait_for_item("tool_add")
    square = [(0.25, 0.44), (0.65, 0.44), (0.65, 0.56), (0.25, 0.56), (0.25, 0.45)]
    app.drag("view_coronal", square)
    added = coronal_count("added")
    assert added > 100

    hole = [(0.4, 0.48), (0.5, 0.48), (0.5, 0.52), (0.4, 0.52), (0.4, 0.485)]
    app.drag("view_coronal", hole, key="ctrl")  # Ctrl: Add becomes Subtract
    holed = coronal_count("holed")
    assert 0 < holed < added

    app.hover("view_coronal")
    app.key("c")
    app.wait_for_item("tool_close")
    app.click("view_coronal", 0.3, 0.5)  # on the region: its hole is filled
    assert coronal_count("closed") == added

    app.hover("view_coronal")
    app.key("e")
    app.click("view_coronal", 0.3, 0.5)  # on the region: the whole piece goes
    assert coronal_count("erased") == 0

    app.hover("view_sagittal")
    app.key("v")
    app.wait_for_item("tool_live_wire")
    for fx, fy in [(0.3, 0.44), (0.6, 0.44), (0.6, 0.56)]:
        app.click("view_sagittal", fx, fy)
    app.double_click("view_sagittal", 0.3, 0.56)
    app.wait_for(lambda: app.state("_next_undo") == "Add", what="the live wire's contour")
    sagittal = saved_labels(app, tmp_path, "wired")[:, :, x] == 1
    assert sagittal.sum() > 20
