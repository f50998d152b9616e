"""Saving keeps what the user had: Ctrl+S writes the version the file was opened in, so
group names survive, and the file keeps its mode."""

from __future__ import annotations

import os
import shutil
import stat

from demarcate import formats


def test_ctrl_s_keeps_an_mitk_v4_file_v4_with_its_group_names(launch, shared_data, tmp_path):
    seg = tmp_path / "two_groups.nrrd"
    shutil.copy(shared_data / "seg/mitk/ct3slice_2groups.mitk.nrrd", seg)
    os.chmod(seg, 0o644)
    app = launch(shared_data / "dicom/dcmqi_ct_3slice", seg)
    app.wait_for_item("group_0")
    app.click("group_0", button=3)
    app.wait_for_item("rename_group_0")
    app.enter_text("rename_group_0", "Organs")
    app.wait_for(lambda: app.state("_next_undo", "").startswith("Rename group"),
                 what="the rename")
    app.key("Escape")
    app.key("ctrl+s")
    app.wait_for(lambda: formats.read_segmentation(seg).groups[0].name == "Organs",
                 what="the saved group name")
    assert formats.describe_segmentation_file(seg) == ("mitk", 4)
    assert stat.S_IMODE(os.stat(seg).st_mode) == 0o644
