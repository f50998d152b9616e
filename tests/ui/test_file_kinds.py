"""The browser's file kinds: which names each filter shows, including double suffixes."""

from __future__ import annotations

import pytest

from demarcate.ui.file_kinds import (
    ALL_FILES,
    IMAGES,
    PRESETS,
    SEGMENTATIONS,
    kind_for,
    save_suffix,
)


def test_every_kind_lists_all_supported_first_then_formats_then_all_files():
    for kind in (IMAGES, SEGMENTATIONS, PRESETS):
        filters = kind.filters
        assert filters[0].label == "All supported"
        assert filters[0].suffixes == kind.suffixes
        assert filters[1:-1] == kind.formats
        assert filters[-1] == ALL_FILES


@pytest.mark.parametrize("name", [
    "ct.nii.gz", "CT.NII.GZ", "brain.nii", "mr.nrrd", "mr.nhdr", "a.mha", "a.MHD",
    "atlas.gipl", "atlas.gipl.gz", "slice.png", "slice.tif", "slice.TIFF", "IM1.dcm",
])  # fmt: skip
def test_all_supported_images_match_every_readable_suffix_ignoring_case(name):
    assert IMAGES.filters[0].matches(name)


@pytest.mark.parametrize("name", ["notes.txt", "archive.gz", "ct.nii.gz.bak", ".nii.gz"])
def test_other_names_are_not_images(name):
    assert not IMAGES.filters[0].matches(name)
    assert ALL_FILES.matches(name)


def test_the_nifti_filter_shows_double_suffix_files():
    nifti = next(f for f in IMAGES.formats if f.name == "NIfTI")
    assert nifti.label == "NIfTI (*.nii.gz, *.nii)"
    assert nifti.matches("/data/example_ct_sm.nii.gz")
    assert not nifti.matches("example_ct_sm.nrrd")


def test_segmentation_filters_tell_slicer_from_other_nrrd():
    mitk, slicer, labelmap = SEGMENTATIONS.formats
    assert mitk.matches("ct3slice_2groups.mitk.nrrd") and mitk.matches("seg.nrrd")
    assert slicer.matches("Segmentation.seg.nrrd")
    assert not slicer.matches("ct3slice_2groups.mitk.nrrd")
    assert labelmap.matches("liver.NII.GZ") and labelmap.matches("liver_seg.nrrd")
    assert not SEGMENTATIONS.filters[0].matches("slice.png")


def test_presets_are_json_and_lsetp():
    assert PRESETS.filters[0].matches("thorax.json") and PRESETS.filters[0].matches("old.LSETP")
    assert not PRESETS.filters[0].matches("thorax.xml")


def test_extension_tuples_map_to_their_kind_or_a_kind_of_their_own():
    assert kind_for(IMAGES.suffixes) is IMAGES
    assert kind_for((".json", ".lsetp")) is PRESETS
    suggestions = kind_for((".json",))
    assert [f.label for f in suggestions.filters] == ["All supported", "JSON (*.json)",
                                                      "All files"]
    supported = suggestions.filters[0]
    assert supported.matches("names.json") and not supported.matches("names.lsetp")


def test_a_saved_name_gets_the_chosen_formats_suffix_or_none_for_all_files():
    slicer = SEGMENTATIONS.formats[1]
    assert save_suffix(slicer) == ".seg.nrrd"
    assert save_suffix(SEGMENTATIONS.filters[0]) == ".nrrd"  # the kind's first: MITK
    assert save_suffix(ALL_FILES) is None
