"""The window on real data, driven with real mouse and keys under Xvfb."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest


def region(shot: np.ndarray, rect, origin) -> np.ndarray:
    x, y, w, h = (int(v) for v in rect)
    left, top = origin[0] + x, origin[1] + y
    return shot[top : top + h, left : left + w]


def count_color(pixels: np.ndarray, rgb, tolerance: int = 40) -> int:
    distance = np.abs(pixels.astype(int) - np.array(rgb)).sum(axis=-1)
    return int((distance < tolerance).sum())


def axial_slice(app) -> int:
    """1-based slice number shown in the axial view's title ("Axial  16/30")."""
    title = app.layout().get("_title_axial", "Axial  0/0")
    return int(title.split()[-1].split("/")[0])


def cli_info(path) -> dict:
    done = subprocess.run([sys.executable, "-m", "demarcate", "info", str(path), "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.fixture
def mitk_case(shared_data, tmp_path):
    """The 3-slice CT series (DICOM folder) and MITK's two-group segmentation of it."""
    seg = tmp_path / "ct3slice.nrrd"
    shutil.copy(shared_data / "seg/mitk/ct3slice_2groups.mitk.nrrd", seg)
    return shared_data / "dicom/dcmqi_ct_3slice", seg


def test_sample_opens_and_scrolling_changes_the_slice(launch):
    app = launch("--sample")
    app.wait_for(lambda: axial_slice(app) == 16 and app.layout()["view_axial"][2] > 100,
                 what="the middle slice in a laid-out view")
    view = app.layout()["view_axial"]
    before = region(app.screenshot("before"), view, app.window_origin)
    assert before.std() > 20, "the CT slice should show anatomy, not a flat picture"
    app.hover("view_axial")
    for step in range(1, 4):
        app.xdotool("click", "4")
        app.wait_for(lambda s=step: axial_slice(app) == 16 + s, what="scrolling one slice")
    scrolled = axial_slice(app)
    after = region(app.screenshot("after"), view, app.window_origin)
    assert np.abs(after.astype(int) - before.astype(int)).mean() > 2
    app.key("Down")
    app.wait_for(lambda: axial_slice(app) == scrolled - 1, what="arrow key")


def test_labels_overlay_add_undo_and_save(launch, mitk_case):
    image, seg = mitk_case
    app = launch(image, seg)
    labels_before = sum(len(g["labels"]) for g in cli_info(seg)["groups"])
    app.wait_for_item(f"label_{1}")
    shot = app.screenshot("overlay")
    view = region(shot, app.layout()["view_axial"], app.window_origin)
    gray = (np.abs(view.astype(int) - view.mean(axis=-1, keepdims=True)) < 6).all(axis=-1)
    assert (~gray).mean() > 0.02, "label colours should cover part of the slice"

    app.click("add_label_button")
    new_value = 4  # the file's labels are 1..3
    app.wait_for_item(f"label_{new_value}")
    app.key("ctrl+z")
    app.wait_for_item(f"label_{new_value}", present=False)
    app.key("ctrl+y")
    app.wait_for_item(f"label_{new_value}")
    app.click(f"lock_{new_value}")
    app.key("ctrl+s")
    app.wait_for(lambda: sum(len(g["labels"]) for g in cli_info(seg)["groups"])
                 == labels_before + 1, what="the saved file")
    saved = {lb["value"]: lb for g in cli_info(seg)["groups"] for lb in g["labels"]}
    assert saved[new_value]["name"] == f"Label {new_value}"
    assert saved[new_value]["locked"] is False


def test_new_segmentation_labels_paint_window_and_save_as(launch, tmp_path):
    app = launch("--sample")
    app.wait_for(lambda: app.layout().get("view_axial", [0, 0, 0])[2] > 100, what="views")
    app.click("new_segmentation_button")
    app.wait_for_item("label_1")
    for value in (2, 3, 4):
        app.click("add_label_button")
        app.wait_for_item(f"label_{value}")
    app.click("label_2")  # make label 2 active, then rename it in the editor
    app.enter_text("rename_input", "Liver")
    app.wait_for_item("label_2")
    app.wait_for(lambda: "rename_input" in app.layout(), what="the label editor")

    # Paint with the brush across the axial view; the stroke shows in the label's colour.
    app.click("view_axial")  # also takes the keyboard focus away from the name field
    app.key("p")
    app.wait_for_item("option_radius")
    view = app.layout()["view_axial"]
    app.hover("add_label_button")  # no brush outline in the pictures compared
    before = region(app.screenshot("before_paint"), view, app.window_origin)
    app.drag("view_axial", [(0.35, 0.5), (0.45, 0.5), (0.55, 0.52), (0.65, 0.5)])
    app.hover("add_label_button")
    after_paint = region(app.screenshot("after_paint"), view, app.window_origin)
    changed = np.abs(after_paint.astype(int) - before.astype(int)).sum(axis=-1) > 30
    assert changed.sum() > 200, "the stroke should recolour a band of the slice"

    # Hiding the label removes its colour from the view; showing it brings it back.
    app.click("visible_2")
    hidden = region(app.screenshot("hidden"), view, app.window_origin)
    assert np.abs(hidden.astype(int) - before.astype(int)).sum(axis=-1).max() < 60
    app.click("visible_2")

    # Shift+drag changes the window; Home resets it.
    level_before = app.layout()
    app.drag("view_axial", [(0.5, 0.5), (0.7, 0.3)], key="shift")
    assert app.layout() != level_before

    app.key("Escape")
    app.key("ctrl+z")  # undo the visibility toggles and the stroke, step by step
    app.key("ctrl+z")
    app.key("ctrl+y")
    app.key("ctrl+y")

    target = tmp_path / "painted.nrrd"
    app.type_into_save_dialog(target, "ctrl+s")  # no file yet: Save asks
    app.wait_for(target.exists, what="the saved file")
    saved = cli_info(target)
    labels = {lb["value"]: lb for g in saved["groups"] for lb in g["labels"]}
    assert sorted(labels) == [1, 2, 3, 4]
    assert labels[2]["name"] == "Liver"
    assert labels[2]["voxels"] > 50 and labels[1]["voxels"] == 0
    assert saved["version"] == 1


def test_3d_plus_t_time_steps_follow_keys(launch, shared_data):
    app = launch(shared_data / "4d/img4d_11f.nii.gz",
                 shared_data / "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd")
    app.wait_for_item("time_slider")
    app.wait_for_item("label_1")
    view = app.layout()["view_axial"]
    app.hover("view_axial")
    first = region(app.screenshot("t0"), view, app.window_origin)
    for _ in range(5):
        app.key("ctrl+Right")
    later = region(app.screenshot("t5"), view, app.window_origin)
    assert np.abs(later.astype(int) - first.astype(int)).mean() > 1, "frames should differ"
    app.key("ctrl+Left")
    app.wait_for(lambda: app.layout().get("_time_step") == 4, what="time step 5 of 11")
