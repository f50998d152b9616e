"""Long work in the real window: a save runs as a job with progress beside the status
bar, the window stays usable, and Cancel stops the writer and leaves no file behind."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

SHAPE_ZYX = (120, 512, 512)  # random labels: gzip needs seconds for this


def big_case(tmp_path):
    """An image and a label map whose MITK save (gzip) takes seconds."""
    rng = np.random.default_rng(1)
    image = tmp_path / "big.nii"
    sitk.WriteImage(sitk.GetImageFromArray(rng.integers(-200, 200, SHAPE_ZYX, np.int16)),
                    str(image))
    labels = tmp_path / "big_labels.nii"
    sitk.WriteImage(sitk.GetImageFromArray(rng.integers(0, 4, SHAPE_ZYX, np.uint8)),
                    str(labels))
    return image, labels


def running_job(app):
    """The first running job's (title, progress) and its Cancel button's tag."""
    layout = app.layout()
    buttons = [tag for tag in layout if tag.startswith("job_cancel_")]
    if not buttons or not layout.get("_jobs"):
        return None
    return layout["_jobs"][0], buttons[0]


def test_a_long_save_shows_progress_and_cancel_stops_it(launch, tmp_path):
    image, labels = big_case(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    app = launch(image, labels)
    app.wait_for_item("label_1")
    app.wait_idle()
    depth = app.state("_undo_depth")

    target = out / "big.nrrd"
    app.type_into_save_dialog(target)
    (title, _), cancel = app.wait_for(lambda: running_job(app),
                                      what="the save job with its Cancel")
    assert title == "Saving big.nrrd"
    app.wait_for(lambda: (running_job(app) or (("", 0),))[0][1] > 0.02,
                 what="the save to report progress")
    # The window keeps working while the job runs: scrolling moves the crosshair.
    cursor = app.state("_cursor")
    app.hover("view_axial")
    app.key("Up")
    app.wait_for(lambda: app.state("_cursor") != cursor, what="the slice to move meanwhile")
    app.click(cancel)
    app.wait_for(lambda: not app.state("_jobs"), what="the cancelled job to end")
    assert list(out.iterdir()) == [], "a cancelled save leaves neither file nor temp file"
    assert app.state("_undo_depth") == depth

    app.type_into_save_dialog(target)
    app.wait_for(lambda: target.exists() and not app.state("_jobs"), timeout_s=240,
                 what="the save to finish")
    saved = sitk.GetArrayFromImage(sitk.ReadImage(str(target)))
    original = sitk.GetArrayFromImage(sitk.ReadImage(str(labels)))
    np.testing.assert_array_equal(saved, original)
