"""One rule decides what a segmentation file is, for the reader and for `info`."""

from __future__ import annotations

import json
import subprocess
import sys

from demarcate import formats


def info(path) -> dict:
    done = subprocess.run([sys.executable, "-m", "demarcate", "info", str(path), "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_an_mitk_file_with_an_edited_modality_is_a_segmentation_for_both(shared_data,
                                                                         tmp_path):
    data = (shared_data / "seg/mitk/ct3slice_2groups.mitk.nrrd").read_bytes()
    edited = tmp_path / "edited.nrrd"
    edited.write_bytes(data.replace(b"modality:=org.mitk.multilabel.segmentation",
                                    b"modality:=something.else", 1))
    assert b"something.else" in edited.read_bytes()
    assert formats.read_segmentation(edited).source_format == "mitk"
    assert formats.is_segmentation_file(edited)
    assert info(edited)["kind"] == "segmentation"


def test_a_slicer_file_is_a_segmentation_for_both(shared_data):
    slicer = next((shared_data / "seg/slicer").glob("*.seg.nrrd"))
    assert formats.read_segmentation(slicer).source_format == "slicer"
    assert info(slicer)["kind"] == "segmentation"
