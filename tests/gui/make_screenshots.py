"""Regenerates the screenshots in docs/images from the real app under Xvfb.

    python -m tests.gui.make_screenshots

Needs Xvfb, xdotool and ImageMagick, like the real-window tests.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from unittest import mock

import SimpleITK as sitk

from ..conftest import REPO_ROOT, SHARED_DATA
from .harness import RunningApp

IMAGES = REPO_ROOT / "docs" / "images"


def main_window(workdir: Path) -> None:
    """The sample CT with its TotalSegmentator label map, as `demarcate --sample` opens."""
    app = RunningApp(["--sample"], workdir).start()
    try:
        app.wait_for_item("label_1")
        app.wait_idle()
        app.hover("view_axial", 0.62, 0.42)
        window = app.screenshot("main")[:900, :1400]  # the viewport
        sitk.WriteImage(sitk.GetImageFromArray(window, isVector=True),
                        str(IMAGES / "main-window.png"))
    finally:
        app.close()


def paint_and_interpolate(workdir: Path) -> None:
    app = RunningApp(["--sample"], workdir).start()
    try:
        app.new_segmentation_with_brush()
        app.drag("view_axial", [(0.3, 0.45), (0.4, 0.5), (0.5, 0.55), (0.55, 0.5)])
        app.hover("view_axial", 0.4, 0.5)
        shutil.copy(_shot(app, "paint"), IMAGES / "tool-paint.png")
        for _ in range(4):
            app.key("Up")
        app.drag("view_axial", [(0.3, 0.4), (0.45, 0.45), (0.6, 0.5)])
        app.click("interpolation_mode_2D")
        app.wait_for_item("confirm_all")
        app.hover("view_axial", 0.5, 0.5)
        app.key("Down")
        app.key("Down")
        app.hover("confirm_all")
        shutil.copy(_shot(app, "interpolation"), IMAGES / "tool-interpolation.png")
        app.click("label_1", button=3)
        app.wait_frames(5)
        shutil.copy(_shot(app, "menu"), IMAGES / "label-menu.png")
    finally:
        app.close()


def interpolation_3d(workdir: Path) -> None:
    """Two brushed contours (axial, coronal) and the 3D interpolation's shape in all
    views, the sample's own label map hidden."""
    app = RunningApp(["--sample"], workdir).start()
    try:
        app.new_segmentation_with_brush()
        app.click("segmentation_visible_0_0")
        app.click("interpolation_mode_3D")
        app.drag("view_axial", [(0.44, 0.5), (0.56, 0.5)])
        app.drag("view_coronal", [(0.44, 0.5), (0.56, 0.52)])
        app.wait_for(lambda: app.state("_interpolation_3d_exact"), what="the exact shape")
        app.wait_idle()
        app.hover("interpolation_3d_confirm")
        shutil.copy(_shot(app, "interpolation_3d"), IMAGES / "tool-interpolation-3d.png")
    finally:
        app.close()


def file_browser(workdir: Path) -> None:
    """The Open image browser on a study folder: a DICOM series, NIfTI and NRRD files."""
    study = workdir / "study"
    (study / "segmentations").mkdir(parents=True)
    shutil.copytree(SHARED_DATA / "dicom/dcmqi_ct_3slice", study / "CT_series")
    for source, name in (("ct/example_ct_sm.nii.gz", "abdomen_ct.nii.gz"),
                         ("ct/example_seg.nii.gz", "abdomen_totalseg.nii.gz"),
                         ("mr/brain1_image.nrrd", "brain_mr.nrrd"),
                         ("4d/img4d_11f.nii.gz", "echo_4d.nii.gz"),
                         ("4d/example4d.nii.gz", "fmri_4d.nii.gz")):
        shutil.copy(SHARED_DATA / source, study / name)
    (study / "notes.txt").write_text("not an image: the filter hides it\n")
    app = RunningApp(["--sample"], workdir).start()
    try:
        app.wait_for_item("image_0")
        app.click("open_image_button")
        app.enter_text("browser_path", str(study))
        app.wait_for_item("browser_entry_6")
        app.click("browser_entry_2")
        app.hover("browser_ok")
        window = app.screenshot("browser")[:900, :1400]  # the viewport
        sitk.WriteImage(sitk.GetImageFromArray(window, isVector=True),
                        str(IMAGES / "file-browser.png"))
    finally:
        app.close()


def volume_tools(workdir: Path) -> None:
    """Otsu's regions and histogram on the sample CT, and GrowCut after two scribbles."""
    app = RunningApp(["--sample"], workdir).start()
    try:
        _new_segmentation_alone(app)
        app.key("o")
        app.wait_for_item("option_regions_spin")
        app.enter_text("option_regions_spin", "4")
        app.wait_for_item("region_4")
        app.wait_for(lambda: not app.state("_preview_pending", True), what="the preview")
        app.wait_idle()
        app.hover("region_3")
        shutil.copy(_shot(app, "otsu"), IMAGES / "tool-otsu.png")
        app.click("volume_cancel")
        app.click("view_axial")
        app.key("p")
        app.drag("view_axial", [(0.28, 0.45), (0.33, 0.42), (0.36, 0.47)])
        app.key("ctrl+equal")
        app.wait_for(lambda: len(app.state("_labels")) == 2, what="Label 2")
        app.drag("view_axial", [(0.75, 0.25), (0.80, 0.30), (0.70, 0.80)])
        app.drag("view_axial", [(0.45, 0.30), (0.55, 0.32)])
        app.drag("view_axial", [(0.30, 0.80), (0.45, 0.78)])
        app.key("g")
        app.wait_for(lambda: app.state("_armed_tool") == "growcut", what="GrowCut")
        app.wait_for(lambda: not app.state("_preview_pending", True), what="the preview")
        app.wait_idle()
        app.hover("volume_confirm")
        shutil.copy(_shot(app, "growcut"), IMAGES / "tool-growcut.png")
    finally:
        app.close()


def ai_tools(workdir: Path) -> None:
    """nnU-Net's panel after a run: a stand-in model from the tests (it thresholds the CT
    into two labels) in a results folder of five folds, run through the real worker."""
    from ..session.test_ai_tools import ADAPTER, FULLRES, LOWRES, model_folder

    results = workdir / "nnUNet_results"
    folds = (0, 1, 2, 3, 4)
    folder = model_folder(results, "Dataset003_Abdomen", FULLRES, {"0": "CT"}, folds)
    model_folder(results, "Dataset003_Abdomen", LOWRES, {"0": "CT"}, folds)
    (folder / "fake.json").write_text(json.dumps(
        {"lower": 20, "upper": 250, "names": {"1": "soft tissue", "2": "bone"}}))
    # the folder as a user's home would hold it, not the temporary folder's name
    environment = {"HOME": str(workdir), "nnUNet_results": "~/nnUNet_results",
                   "DEMARCATE_AI_ADAPTER": str(ADAPTER),
                   "XDG_CACHE_HOME": str(workdir / "cache"),
                   "DEMARCATE_CACHE_DIR": str(workdir / "cache")}
    with mock.patch.dict(os.environ, environment):
        app = RunningApp(["--sample"], workdir).start()
    try:
        _new_segmentation_alone(app)
        app.key("n")
        app.click("ai_run")
        app.wait_for(lambda: app.state("_preview_regions"), what="the preview", timeout_s=120)
        app.wait_idle()
        app.hover("volume_confirm")
        shutil.copy(_shot(app, "nnunet"), IMAGES / "tool-nnunet.png")
    finally:
        app.close()


def _new_segmentation_alone(app: RunningApp) -> None:
    """A new segmentation on the sample, whose own label map is hidden (it would hide a
    3D tool's preview), with no tool active and the mouse over the axial view."""
    app.new_segmentation_with_brush()
    app.click("segmentation_visible_0_0")
    app.hover("view_axial")
    app.key("Escape")


def _shot(app: RunningApp, name: str) -> Path:
    app.screenshot(name)
    return app.workdir / f"{name}.png"


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for shots in (main_window, paint_and_interpolate, interpolation_3d, file_browser,
                  volume_tools, ai_tools):
        with tempfile.TemporaryDirectory() as folder:
            shots(Path(folder))
    print(f"screenshots written to {IMAGES}")


if __name__ == "__main__":
    main()
