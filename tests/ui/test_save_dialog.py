"""The Save-as dialog's choices: a new name, the document's own format."""

from __future__ import annotations

from demarcate.ui.save_dialog import FORMATS, format_for, suggested_path

MITK_1, MITK_4, SLICER, LABELMAP = FORMATS


def test_save_as_suggests_a_new_name_beside_the_file(tmp_path):
    document = tmp_path / "liver.seg.nrrd"
    document.write_bytes(b"x")
    assert suggested_path(None, str(document)) == str(tmp_path / "liver_edited.seg.nrrd")
    (tmp_path / "liver_edited.seg.nrrd").write_bytes(b"x")
    assert suggested_path(None, str(document)) == str(tmp_path / "liver_edited2.seg.nrrd")
    assert suggested_path(str(tmp_path / "ct.nii.gz"), None) == str(
        tmp_path / "ct_segmentation.nrrd")


def test_the_format_starts_as_the_files_own():
    assert format_for("a.nrrd", 4) == MITK_4
    assert format_for("a.nrrd", 1) == MITK_1
    assert format_for("a.seg.nrrd", 4) == SLICER
    assert format_for("a.nii.gz", 1) == LABELMAP
