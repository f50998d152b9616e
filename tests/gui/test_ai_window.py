"""The AI tools in the real window, with the fake model behind an nnU-Net results
folder built here (``nnUNet_results`` prefills the panel; ``DEMARCATE_AI_ADAPTER`` runs
the fake through the real worker): the shortcut arms nnU-Net, Run shows progress in the
panel, the preview appears (screenshot pixels), Confirm makes named labels in a group
of their own (read back from a saved file); Stop run during a run leaves
everything as it was."""

from __future__ import annotations

import json

import numpy as np
import SimpleITK as sitk

from demarcate import formats

from ..session.test_ai_tools import ADAPTER, FULLRES, model_folder
from .test_tools_window import saved_labels, start
from .test_volume_tools_window import SAMPLE_CT, recoloured_pixels, view_picture


def ai_app(launch, monkeypatch, tmp_path, **fake):
    """The sample CT with a new segmentation, nnU-Net armed on a results folder whose
    one model is the fake, behaving as ``fake`` says."""
    results = tmp_path / "nnUNet_results"
    folder = model_folder(results, "Dataset001_Liver", FULLRES, {"0": "CT"})
    (folder / "fake.json").write_text(json.dumps(fake))
    monkeypatch.setenv("nnUNet_results", str(results))
    monkeypatch.setenv("DEMARCATE_AI_ADAPTER", str(ADAPTER))
    monkeypatch.setenv("DEMARCATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    app = start(launch)
    app.key("n")
    app.wait_for(lambda: app.state("_armed_tool") == "nnunet", what="nnU-Net armed")
    app.wait_for_item("ai_run")
    return app


def test_run_shows_progress_then_the_preview_and_confirm_makes_named_labels(
        launch, monkeypatch, tmp_path):
    app = ai_app(launch, monkeypatch, tmp_path, behaviour="slow", steps=100, step_s=0.1,
                 lower=100, upper=400)
    fold_2 = tmp_path / "nnUNet_results" / "Dataset001_Liver" / FULLRES / "fold_2"
    fold_2.mkdir()
    (fold_2 / "checkpoint_final.pth").write_bytes(b"weights")  # training went on
    app.click("ai_refresh")
    app.wait_for_item("ai_fold_2")
    before = view_picture(app, "armed")
    app.click("ai_run")

    def progress_in_the_panel() -> bool:
        layout = app.layout()
        bar = layout.get("ai_progress_row", [0, 0, 0, 0])
        return bar[2] > 0 and any(title == "nnU-Net preview" and (progress or 0) > 0
                                  for title, progress in layout.get("_jobs", []))

    app.wait_for(progress_in_the_panel, what="the run's progress bar in the panel")
    app.wait_for(lambda: app.state("_preview_regions"), what="the preview", timeout_s=120)
    app.wait_idle()
    assert "Dataset001_Liver: 2 label(s)" in app.state("_tool_status")
    assert recoloured_pixels(before, view_picture(app, "preview")) > 200
    app.click("volume_confirm")
    app.wait_for(lambda: app.state("_undo_depth") == 1, what="the Confirm's undo step")
    assert set(app.state("_labels").values()) == {"Label 1", "bright", "brightest"}

    saved_labels(app, tmp_path, "ai")
    image = sitk.GetArrayFromImage(sitk.ReadImage(SAMPLE_CT))
    saved = formats.read_segmentation(tmp_path / "ai.nrrd")
    # in a group of their own (files do not keep group names; the session test checks it)
    group = saved.groups[-1]
    assert len(saved.groups) == 2 and [label.name for label in group.labels] == [
        "bright", "brightest"]
    values = {label.name: label.value for label in group.labels}
    np.testing.assert_array_equal(group.array[0] == values["brightest"], image > 400)
    np.testing.assert_array_equal(group.array[0] == values["bright"],
                                  (image > 100) & (image <= 400))


def test_stop_run_during_a_run_leaves_everything_as_it_was(launch, monkeypatch, tmp_path):
    app = ai_app(launch, monkeypatch, tmp_path, behaviour="slow", steps=3000, step_s=0.02)
    before = view_picture(app, "armed")
    app.click("ai_run")
    app.wait_for(lambda: any((progress or 0) > 0 for _, progress in app.state("_jobs", [])),
                 what="the run's progress")
    app.click("ai_stop")
    app.wait_for(lambda: app.state("_tool_status") == "cancelled", what="the cancel")
    app.wait_idle()
    assert app.state("_preview_regions") == [] and app.state("_undo_depth") == 0
    assert app.state("_labels") == {"1": "Label 1"}
    assert recoloured_pixels(before, view_picture(app, "stopped")) < 20
