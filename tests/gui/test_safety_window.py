"""Work is never lost in the real window: closing and quitting ask about unsaved edits,
and a killed app offers its autosaved work on the next start."""

from __future__ import annotations

import json

import numpy as np
import SimpleITK as sitk

from .harness import RunningApp


def painted(launch):
    """The sample CT with a new segmentation and one brush stroke (unsaved)."""
    app = launch("--sample")
    app.new_segmentation_with_brush()
    app.drag("view_axial", [(0.4, 0.5), (0.5, 0.5)])
    app.wait_for(lambda: app.state("_undo_depth") == 1, what="the stroke")
    return app


def test_close_segmentation_asks_and_cancel_keeps_the_work(launch, tmp_path):
    app = painted(launch)
    app.click("close_segmentation_button")
    app.wait_for_item("unsaved_cancel")
    app.key("p")  # keys belong to the dialog: no tool switch, nothing edited
    assert app.state("_undo_depth") == 1
    app.click("unsaved_cancel")
    app.wait_for_item("unsaved_dialog", present=False)
    assert app.state("_undo_depth") == 1 and "segmentation_0_1" in app.layout()

    app.click("close_segmentation_button")
    app.click("unsaved_save")  # never saved: Save asks for a file name first
    target = tmp_path / "kept.nrrd"
    app.wait_for_item("save_path")
    app.enter_text("save_path", str(target))
    app.wait_for(lambda: "segmentation_0_1" not in app.layout(),
                 what="the segmentation to close once saved")
    assert (sitk.GetArrayFromImage(sitk.ReadImage(str(target))) == 1).sum() > 50


def test_quit_by_the_close_button_asks_and_discard_quits(launch):
    app = painted(launch)
    app.close_window()
    app.wait_for_item("unsaved_discard")
    assert app.app.poll() is None, "the window stays until the user has chosen"
    app.hover("unsaved_discard")
    app.xdotool("click", "1")  # the app ends: nothing left to acknowledge the click
    app.wait_for(lambda: app.app.poll() is not None, what="the app to quit")
    assert app.app.returncode == 0
    assert not any((app.workdir / "data" / "recovery").glob("run-*")), \
        "a clean quit leaves no recovery folder"


def test_quit_without_unsaved_work_does_not_ask(launch):
    app = launch("--sample")
    app.wait_for_item("view_axial")
    app._key_down("ctrl")
    app.xdotool("key", "q")  # Ctrl+Q; the app ends: nothing left to acknowledge keys
    app.wait_for(lambda: app.app.poll() is not None, what="the app to quit")


def test_a_killed_app_offers_its_autosaved_work_on_the_next_start(launch, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "preferences.json").write_text(json.dumps({"autosave_seconds": 1}))
    app = painted(launch)
    recovery = app.workdir / "data" / "recovery"

    def autosaved() -> bool:
        manifests = list(recovery.glob("run-*/manifest.json"))
        return bool(manifests) and bool(json.loads(manifests[0].read_text())["documents"])

    app.wait_for(autosaved, what="the autosaved copy")
    app.kill()
    crashed = list(recovery.glob("run-*"))

    again = RunningApp(["--sample"], tmp_path).start()
    try:
        again.wait_for_item("restore_accept")
        again.click("restore_accept")
        again.wait_for_item("label_1")
        again.wait_idle()
        target = tmp_path / "restored.nrrd"
        again.type_into_save_dialog(target, "ctrl+s")  # restored work is unsaved
        again.wait_for(target.exists, what="the restored work saved")
        labels = sitk.GetArrayFromImage(sitk.ReadImage(str(target)))
        assert (labels == 1).sum() > 50 and np.unique(labels).tolist() == [0, 1]
        again.wait_for(lambda: not any(run.exists() for run in crashed),
                       what="the crashed run's folder to go once restored")
    finally:
        again.close()
