"""Keys that did nothing before: Page Up / Page Down and Ctrl and the + key."""

from __future__ import annotations

from .test_window import axial_slice


def test_page_keys_step_ten_slices_and_ctrl_plus_adds_a_label(launch):
    app = launch("--sample")
    app.new_segmentation_with_brush()
    app.hover("view_axial")
    start = axial_slice(app)
    app.key("Prior")  # X's name for Page Up
    app.wait_for(lambda: axial_slice(app) == min(start + 10, 30), what="ten slices on")
    app.key("Next")
    app.wait_for(lambda: axial_slice(app) == min(start + 10, 30) - 10, what="ten back")
    app.key("ctrl+equal")
    app.wait_for_item("label_2")
    app.key("ctrl+KP_Add")
    app.wait_for_item("label_3")
