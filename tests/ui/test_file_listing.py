"""The browser's folder listing, DICOM detection and typed paths, without a window."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from demarcate.session.recent_files import remember_folder
from demarcate.ui import file_listing
from demarcate.ui.file_kinds import ALL_FILES, IMAGES, SEGMENTATIONS
from demarcate.ui.file_listing import (
    BrowseError,
    is_dicom_file,
    is_dicom_folder,
    list_folder,
    resolve_open,
    resolve_save,
    start_folder,
)

ALL_IMAGES = IMAGES.filters[0]


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def dicom_bytes() -> bytes:
    return bytes(128) + b"DICM" + bytes(16)


@pytest.fixture
def folder(tmp_path) -> Path:
    for name in ("b_dir", "A_dir", ".hidden_dir"):
        (tmp_path / name).mkdir()
    for name in ("b.nii.gz", "A.NII.GZ", "c.txt", ".hidden.nii", "seg.seg.nrrd"):
        touch(tmp_path / name)
    return tmp_path


def names(entries) -> list[str]:
    return [e.name for e in entries]


def test_folders_come_first_then_matching_files_sorted_ignoring_case(folder):
    entries = list_folder(folder, ALL_IMAGES)
    assert names(entries) == ["A_dir", "b_dir", "A.NII.GZ", "b.nii.gz", "seg.seg.nrrd"]
    assert [e.is_folder for e in entries] == [True, True, False, False, False]
    assert entries[2].size == 1


def test_hidden_entries_only_when_asked_and_all_files_shows_everything(folder):
    assert names(list_folder(folder, ALL_FILES, show_hidden=True)) == [
        ".hidden_dir", "A_dir", "b_dir", ".hidden.nii", "A.NII.GZ", "b.nii.gz", "c.txt",
        "seg.seg.nrrd"]
    slicer = SEGMENTATIONS.formats[1]
    assert names(list_folder(folder, slicer)) == ["A_dir", "b_dir", "seg.seg.nrrd"]


def test_unreadable_folders_give_a_message_not_a_traceback(tmp_path, monkeypatch):
    with pytest.raises(BrowseError, match="Folder not found"):
        list_folder(tmp_path / "gone", ALL_FILES)
    with pytest.raises(BrowseError, match="Not a folder"):
        list_folder(touch(tmp_path / "a.nii"), ALL_FILES)

    locked = tmp_path / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(file_listing.os, "scandir", scandir)
    with pytest.raises(BrowseError, match="No permission to read the folder .*locked"):
        list_folder(locked, ALL_FILES)


def test_dicom_files_by_suffix_or_by_the_magic_at_byte_128(tmp_path):
    assert is_dicom_file(touch(tmp_path / "IM1.DCM"))
    assert is_dicom_file(touch(tmp_path / "IM0001", dicom_bytes()))
    assert not is_dicom_file(touch(tmp_path / "notes", b"DICM" + bytes(200)))
    assert not is_dicom_file(touch(tmp_path / "short", b"tiny"))


def test_a_folder_holding_dicom_is_marked_so_it_can_be_chosen(tmp_path):
    touch(tmp_path / "series" / "IM0001", dicom_bytes())
    touch(tmp_path / "series" / ".DS_Store")
    touch(tmp_path / "other" / "a.txt")
    (tmp_path / "empty").mkdir()
    assert is_dicom_folder(tmp_path / "series")
    assert not is_dicom_folder(tmp_path / "other")
    assert not is_dicom_folder(tmp_path / "empty")
    assert not is_dicom_folder(tmp_path / "missing")
    entries = {e.name: e for e in list_folder(tmp_path, ALL_IMAGES, mark_dicom=True)}
    assert entries["series"].dicom and not entries["other"].dicom
    assert not any(e.dicom for e in list_folder(tmp_path, ALL_IMAGES))


def test_a_folder_is_judged_from_a_few_files_only(tmp_path, monkeypatch):
    for index in range(50):
        touch(tmp_path / f"file{index:02}", b"plain")
    opened = []
    real_open = open

    def counting_open(path, *args, **kwargs):
        opened.append(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    assert not is_dicom_folder(tmp_path)
    assert len(opened) == file_listing.DICOM_FILES_CHECKED


def test_real_dicom_series_folder(shared_data):
    assert is_dicom_folder(shared_data / "dicom/dcmqi_ct_3slice")
    assert not is_dicom_folder(shared_data / "ct")
    entries = {e.name: e for e in list_folder(shared_data / "dicom", ALL_IMAGES,
                                              mark_dicom=True)}
    assert entries["dcmqi_ct_3slice"].dicom and entries["dcmqi_ct_3slice"].is_folder
    assert "liver.dcm" in entries and "liver_seg.nrrd" in entries


def test_typed_paths_in_open_mode(folder, monkeypatch):
    monkeypatch.setenv("HOME", str(folder))
    assert resolve_open("A_dir", folder).folder == folder / "A_dir"
    assert resolve_open("~/b.nii.gz", Path("/")).file == folder / "b.nii.gz"
    assert resolve_open("A_dir/../b.nii.gz", folder).file == folder / "b.nii.gz"
    assert resolve_open(f"  '{folder / 'b_dir'}' ", Path("/")).folder == folder / "b_dir"
    assert resolve_open("", folder).folder == folder
    with pytest.raises(BrowseError, match="No such file or folder: .*missing.nii"):
        resolve_open("missing.nii", folder)


def test_pasted_file_urls_are_understood(tmp_path):
    target = touch(tmp_path / "my scans" / "ct.nii.gz")
    url = "file://" + str(target).replace(" ", "%20")
    assert resolve_open(url, Path("/")).file == target


def test_typed_names_in_save_mode(folder):
    known = SEGMENTATIONS.suffixes
    assert resolve_save("liver", folder, ".nrrd", known).file == folder / "liver.nrrd"
    assert resolve_save("liver.seg.nrrd", folder, ".nrrd", known).file == (
        folder / "liver.seg.nrrd")
    assert resolve_save("A_dir/liver.nii.gz", folder, ".seg.nrrd", known).file == (
        folder / "A_dir" / "liver.nii.gz")
    assert resolve_save("liver.v2", folder, None, known).file == folder / "liver.v2"
    assert resolve_save("b_dir", folder, ".nrrd", known).folder == folder / "b_dir"
    with pytest.raises(BrowseError, match="Folder not found"):
        resolve_save("nowhere/liver", folder, ".nrrd", known)
    with pytest.raises(BrowseError, match="Type a file name"):
        resolve_save("  ", folder, ".nrrd", known)


def test_the_browser_starts_beside_the_initial_path_then_where_it_was_last(tmp_path,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    image = touch(tmp_path / "scans" / "ct.nii.gz")
    assert start_folder("image", str(image)) == image.parent
    assert start_folder("image", str(image.parent)) == image.parent
    assert start_folder("image", str(tmp_path / "scans" / "new.nrrd")) == image.parent
    assert start_folder("image") == tmp_path
    remember_folder("image", image.parent)
    assert start_folder("image") == image.parent
    assert start_folder("segmentation") == tmp_path
