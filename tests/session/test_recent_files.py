"""Recent files and last folders: kept beside the preferences, never in the way."""

from __future__ import annotations

import json

from demarcate.session import recent_files as store
from demarcate.session.recent_files import (
    RECENT_LIMIT,
    last_folder,
    recent_path,
    remember_folder,
    remember_recent,
)

listed = store.recent_files


def test_recent_files_most_recent_first_without_duplicates(tmp_path, isolated_config):
    paths = [tmp_path / f"ct{i}.nii.gz" for i in range(3)]
    for path in paths:
        path.write_bytes(b"x")
        remember_recent(path)
    remember_recent(paths[0])
    assert listed() == [paths[0], paths[2], paths[1]]
    assert recent_path() == isolated_config / "recent.json"
    assert json.loads(recent_path().read_text())["files"][0] == str(paths[0])


def test_at_most_ten_and_vanished_files_are_left_out(tmp_path):
    paths = [tmp_path / f"ct{i}.nii.gz" for i in range(RECENT_LIMIT + 2)]
    for path in paths:
        path.write_bytes(b"x")
        remember_recent(path)
    assert listed() == paths[::-1][:RECENT_LIMIT]
    paths[-1].unlink()
    assert listed() == paths[::-1][1:RECENT_LIMIT]


def test_a_dicom_folder_counts_as_recent(tmp_path):
    remember_recent(tmp_path)
    assert listed() == [tmp_path]


def test_the_last_folder_is_kept_per_kind(tmp_path):
    images, segs = tmp_path / "images", tmp_path / "segs"
    images.mkdir()
    segs.mkdir()
    assert last_folder("image") is None
    remember_folder("image", images)
    remember_folder("segmentation", segs)
    assert (last_folder("image"), last_folder("segmentation")) == (images, segs)
    images.rmdir()
    assert last_folder("image") is None


def test_a_broken_file_reads_as_empty_and_is_replaced(tmp_path):
    recent_path().write_text("{not json")
    assert listed() == [] and last_folder("image") is None
    remember_folder("image", tmp_path)
    assert last_folder("image") == tmp_path
    recent_path().write_text('{"files": "oops", "folders": [1]}')
    assert listed() == [] and last_folder("image") is None


def test_a_failed_write_does_not_stop_the_open(tmp_path, monkeypatch):
    def refuse(*_args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store, "write_text_atomic", refuse)
    remember_recent(tmp_path)
    remember_folder("image", tmp_path)
    assert listed() == []
