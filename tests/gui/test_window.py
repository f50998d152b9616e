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


def cli_info(path) -> dict:
    done = subprocess.run([sys.executable, "-m", "demarcate", "info", str(path), "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.fixture
def mitk_case(shared_data, tmp_path):
    seg = tmp_path / "totalseg.nrrd"
    shutil.copy(shared_data / "seg/mitk/ct_sm_totalseg.mitk.nrrd", seg)
    return shared_data / "ct/example_ct_sm.nii.gz", seg


def test_sample_opens_and_scrolling_changes_the_slice(launch):
    app = launch("--sample")
    app.wait_for(lambda: "slice 16/30" in app.layout().get("_title", ""), what="middle slice")
    view = app.layout()["view_axial"]
    before = region(app.screenshot("before"), view, app.window_origin)
    assert before.std() > 20, "the CT slice should show anatomy, not a flat picture"
    x, y = app.screen_point("view_axial")
    app.xdotool("mousemove", str(x), str(y))
    for _ in range(3):
        app.xdotool("click", "4")
    app.wait_for(lambda: "slice 19/30" in app.layout().get("_title", ""), what="scrolling")
    after = region(app.screenshot("after"), view, app.window_origin)
    assert np.abs(after.astype(int) - before.astype(int)).mean() > 2
    app.key("Down")
    app.wait_for(lambda: "slice 18/30" in app.layout().get("_title", ""), what="arrow key")


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
    new_value = 118  # the file's labels go up to 117
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
