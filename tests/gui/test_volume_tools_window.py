"""The 3D tools in the real window: the shortcut arms a tool, a typed parameter moves
the green preview (read off screenshot pixels), Enter or Confirm writes labels (read
back from a saved file), Ctrl+Z takes them away; GrowCut re-runs after scribbles drawn
with the mouse while it stays armed."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk
from skimage.measure import label as connected_labels

from .test_tools_window import saved_labels, start
from .test_window import axial_slice

SAMPLE_CT = "assets/samples/example_ct_sm.nii.gz"


def view_picture(app, name: str, tag: str = "view_axial") -> np.ndarray:
    picture = app.screenshot(name)
    x0, y0 = app.screen_point(tag, 0.0, 0.0)
    x1, y1 = app.screen_point(tag, 1.0, 1.0)
    return picture[y0:y1, x0:x1].astype(int)


def preview_pixels(app, name: str, tag: str = "view_axial") -> int:
    """Pixels of the one-region preview's green outline (0, 255, 77) in the view."""
    crop = view_picture(app, name, tag)
    red, green, blue = crop[..., 0], crop[..., 1], crop[..., 2]
    return int(np.count_nonzero((red < 20) & (green > 235) & (blue > 60) & (blue < 95)))


def recoloured_pixels(before: np.ndarray, after: np.ndarray) -> int:
    """Pixels a several-region preview (each region in its colour) changed."""
    return int(np.count_nonzero(np.abs(after - before).max(axis=-1) > 40))


def wait_for_preview(app) -> None:
    app.wait_for(lambda: not app.state("_preview_pending", True), what="the preview")
    app.wait_idle()


def confirm_with_enter(app, depth: int) -> None:
    app.hover("view_axial")
    app.key("Return")
    app.wait_for(lambda: app.state("_undo_depth") == depth, what="the Confirm's undo step")
    app.wait_for(lambda: app.state("_armed_tool") is None, what="the tool to be disarmed")


def test_threshold_preview_confirm_and_undo(launch, tmp_path):
    app = start(launch)
    none_yet = preview_pixels(app, "before")
    app.key("t")
    app.wait_for(lambda: app.state("_armed_tool") == "threshold", what="Threshold armed")
    app.wait_for_item("volume_histogram")
    app.enter_text("option_lower_spin", "1000")
    wait_for_preview(app)
    bone_only = preview_pixels(app, "threshold_1000")
    app.enter_text("option_lower_spin", "100")
    wait_for_preview(app)
    assert preview_pixels(app, "threshold_100") > max(bone_only, none_yet) + 50
    confirm_with_enter(app, 1)
    assert app.state("_labels") == {"1": "Label 1", "2": "Label 2"}
    saved = saved_labels(app, tmp_path, "threshold")
    image = sitk.GetArrayFromImage(sitk.ReadImage(SAMPLE_CT))
    np.testing.assert_array_equal(saved == 2, image >= 100)
    app.click("view_axial")
    app.key("ctrl+z")
    app.wait_for(lambda: app.state("_undo_depth") == 0, what="the undo")
    assert app.state("_labels") == {"1": "Label 1"}


def test_ul_threshold_and_otsu_from_their_panels(launch, tmp_path):
    app = start(launch)
    image = sitk.GetArrayFromImage(sitk.ReadImage(SAMPLE_CT))
    app.key("u")
    app.wait_for_item("option_upper_spin")
    app.enter_text("option_lower_spin", "100")
    app.enter_text("option_upper_spin", "400")
    wait_for_preview(app)
    assert preview_pixels(app, "ul") > 50
    app.click("volume_confirm")
    app.wait_for(lambda: app.state("_undo_depth") == 1, what="UL Threshold's Confirm")
    saved = saved_labels(app, tmp_path, "ul")
    np.testing.assert_array_equal(saved == 2, (image >= 100) & (image <= 400))

    app.click("view_axial")
    plain = view_picture(app, "before_otsu")
    app.key("o")
    app.wait_for_item("option_regions_spin")
    app.enter_text("option_regions_spin", "4")
    app.wait_for_item("region_4")
    wait_for_preview(app)
    assert recoloured_pixels(plain, view_picture(app, "otsu")) > 2000
    regions = app.state("_preview_regions")
    assert [number for number, _ in regions] == [1, 2, 3, 4]
    app.click("region_3")  # take region 3 out: regions 2 and 4 stay ticked
    app.wait_frames()
    app.click("volume_confirm")
    app.wait_for(lambda: app.state("_undo_depth") == 2, what="Otsu's Confirm")
    assert sorted(app.state("_labels").values()) == ["Label 1", "Label 2", "Label 3",
                                                     "Label 4"]
    app.click("view_axial")
    app.key("ctrl+z")
    app.wait_for(lambda: app.state("_undo_depth") == 1, what="the undo of Otsu")
    assert len(app.state("_labels")) == 2


def test_picking_keeps_the_clicked_island(launch, tmp_path):
    app = start(launch)
    middle = axial_slice(app) - 1
    app.key("p")
    app.wait_for_item("option_radius")
    app.drag("view_axial", [(0.30, 0.40), (0.35, 0.40)])
    app.drag("view_axial", [(0.65, 0.60), (0.70, 0.60)])
    two = saved_labels(app, tmp_path, "two_islands")[middle] == 1
    app.hover("view_axial")
    app.key("k")
    app.wait_for(lambda: app.state("_armed_tool") == "picking", what="Picking armed")
    app.click("view_axial", 0.32, 0.40)
    app.wait_frames()
    assert preview_pixels(app, "picked") > 10
    depth = app.state("_undo_depth")
    confirm_with_enter(app, depth + 1)
    kept = saved_labels(app, tmp_path, "kept")[middle] == 1
    islands = connected_labels(two, connectivity=1)
    assert islands.max() == 2
    assert any(np.array_equal(kept, islands == k) for k in (1, 2))  # one island, whole
    app.hover("view_axial")
    app.key("ctrl+z")
    app.wait_for(lambda: app.state("_undo_depth") == depth, what="the undo of Picking")
    np.testing.assert_array_equal(saved_labels(app, tmp_path, "unpicked")[middle] == 1, two)


def test_growcut_updates_after_scribbles_while_it_stays_armed(launch, tmp_path):
    app = start(launch)
    app.key("p")
    app.wait_for_item("option_radius")
    app.drag("view_axial", [(0.30, 0.45), (0.34, 0.45)])  # object seeds: Label 1 (liver)
    app.key("ctrl+equal")  # Label 2: background seeds
    app.wait_for(lambda: len(app.state("_labels")) == 2, what="Label 2")
    app.click("view_axial")
    app.drag("view_axial", [(0.75, 0.25), (0.80, 0.30)])
    plain = view_picture(app, "before_growcut")
    app.key("g")
    app.wait_for(lambda: app.state("_armed_tool") == "growcut", what="GrowCut armed")
    wait_for_preview(app)
    first = dict(app.state("_preview_regions"))
    assert first[1] > 0 and first[2] > 0
    assert recoloured_pixels(plain, view_picture(app, "growcut_first")) > 2000
    # A scribble with the brush while GrowCut stays armed: the preview follows by itself.
    app.key("p")
    app.wait_for_item("option_radius")
    assert app.state("_armed_tool") == "growcut"
    app.drag("view_axial", [(0.55, 0.55), (0.60, 0.60)])
    wait_for_preview(app)
    second = dict(app.state("_preview_regions"))
    assert second != first
    depth = app.state("_undo_depth")
    app.click("tab_3D")  # the brush brought the 2D tab to the front; GrowCut's is behind
    app.click("volume_confirm")
    app.wait_for(lambda: app.state("_undo_depth") == depth + 1, what="GrowCut's Confirm")
    # The two seed labels, grown, as new labels in a new group (neither is named like a
    # background, so both are ticked).
    assert len(app.state("_labels")) == 4


def test_threshold_on_a_3d_t_image_follows_the_time_step_and_confirms_all(launch, tmp_path,
                                                                         shared_data):
    image_path = shared_data / "4d" / "img4d_11f.nii.gz"
    app = launch(image_path)
    app.wait_for(lambda: app.layout().get("view_axial", [0, 0, 0])[2] > 100, what="views")
    app.click("new_segmentation_button")
    app.wait_for_item("label_1")
    app.hover("view_axial")
    app.key("t")
    app.wait_for_item("option_time_steps")
    app.enter_text("option_lower_spin", "120")
    wait_for_preview(app)
    first = view_picture(app, "time_0")
    app.hover("view_axial")
    app.key("ctrl+Right")
    app.wait_for(lambda: app.state("_time_step") == 1, what="time step 2")
    wait_for_preview(app)
    assert recoloured_pixels(first, view_picture(app, "time_1")) > 0  # the heart moved
    app.click("option_time_steps", 0.8, 0.5)  # the second choice: all time steps
    app.wait_frames()
    app.click("volume_confirm")
    app.wait_for(lambda: app.state("_undo_depth") == 1, what="the Confirm of all steps")
    target = tmp_path / "all_steps.nrrd"
    app.type_into_save_dialog(target)
    app.wait_for(target.exists, what="the saved file")
    app.wait_idle()
    saved = sitk.GetArrayFromImage(sitk.ReadImage(str(target)))
    image = sitk.GetArrayFromImage(sitk.ReadImage(str(image_path)))
    np.testing.assert_array_equal(saved == 2, image >= 120)
