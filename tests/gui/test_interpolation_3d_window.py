"""The 3D interpolation in the real window: choose 3D, brush contours in the axial and
the coronal view, the shape appears in every view (yellow, read off screenshot pixels,
also in the sagittal view where nothing was drawn), a contour in the list brings its
slice back, Confirm writes the shape (read back from the saved file, which also holds
the contours), Ctrl+Z takes it away."""

from __future__ import annotations

import numpy as np

from demarcate.formats.contour_header import KEY

from .test_tools_window import saved_labels, start
from .test_volume_tools_window import view_picture
from .test_window import axial_slice


def yellow_pixels(app, name: str, tag: str) -> int:
    """Pixels of the shape's yellow outline (255, 255, 0) in a view."""
    crop = view_picture(app, name, tag)
    red, green, blue = crop[..., 0], crop[..., 1], crop[..., 2]
    return int(np.count_nonzero((red > 235) & (green > 235) & (blue < 40)))


def test_contours_in_two_orientations_preview_confirm_and_undo(launch, tmp_path):
    app = start(launch)
    app.click("interpolation_mode_3D")
    app.wait_for(lambda: app.state("_interpolation_mode") == "3D", what="3D interpolation")
    before = yellow_pixels(app, "before", "view_sagittal")
    app.hover("view_axial")
    app.key("p")
    app.wait_for_item("option_radius")
    app.drag("view_axial", [(0.44, 0.5), (0.56, 0.5)])
    app.wait_for(lambda: len(app.state("_contours_3d", [])) == 1, what="the first contour")
    app.drag("view_coronal", [(0.44, 0.5), (0.56, 0.52)])
    app.wait_for(lambda: len(app.state("_contours_3d", [])) == 2, what="the second contour")
    assert [axis for axis, _ in app.state("_contours_3d")] == [0, 1]
    app.wait_for(lambda: app.state("_interpolation_3d_exact"), what="the exact shape")
    app.wait_for_item("contour_1")
    app.wait_idle()
    assert yellow_pixels(app, "interpolation_3d", "view_sagittal") > before + 20
    assert yellow_pixels(app, "interpolation_3d_axial", "view_axial") > 20
    first = axial_slice(app)
    app.hover("view_axial")
    for _ in range(3):
        app.key("Up")
    app.wait_for(lambda: axial_slice(app) == first + 3, what="three slices up")
    app.click("contour_0")  # the axial contour: back to its slice
    app.wait_for(lambda: axial_slice(app) == first, what="the contour's slice")
    drawn = saved_labels(app, tmp_path, "contours") == 1
    with open(tmp_path / "contours.nrrd", "rb") as file:
        assert KEY.encode() in file.read(1 << 20)  # the contours travel with the file

    app.click("interpolation_3d_confirm")
    app.wait_for(lambda: app.state("_undo_depth") == 3, what="the Confirm's undo step")
    app.wait_for(lambda: app.state("_interpolation_mode") == "Disabled",
                 what="3D interpolation off after Confirm, as in MITK")
    confirmed = saved_labels(app, tmp_path, "confirmed") == 1
    assert confirmed.sum() > 2 * drawn.sum() and (confirmed >= drawn).all()
    app.click("view_axial")
    app.key("ctrl+z")
    app.wait_for(lambda: app.state("_undo_depth") == 2, what="the undo of the Confirm")
    np.testing.assert_array_equal(saved_labels(app, tmp_path, "undone") == 1, drawn)
