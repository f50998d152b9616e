"""Never losing work: closing refuses unsaved edits, autosave keeps copies, and what a
crashed run left behind comes back on the next start."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from demarcate.model import MaskRegion
from demarcate.model.preferences import Preferences
from demarcate.session import Session, UnsavedChanges
from demarcate.session.recovery import MANIFEST, RecoveryStore, recovery_root

CT = "ct/example_ct_sm.nii.gz"


def painted_session(shared_data) -> Session:
    session = Session(Preferences(autosave_seconds=5))
    session.jobs.wait(session.open_image(shared_data / CT))
    session.new_segmentation()
    z, y, x = session.cursor_zyx
    block = np.ones((1, 4, 5), bool)
    session.write(MaskRegion(block, (z, y, x)))
    return session


def test_closing_refuses_unsaved_edits_unless_discarded(shared_data):
    session = painted_session(shared_data)
    document = session.document
    assert session.unsaved_documents() == [document]
    with pytest.raises(UnsavedChanges, match="unsaved changes") as refused:
        session.close_segmentation()
    assert refused.value.documents == [document]
    with pytest.raises(UnsavedChanges):
        session.close_image(0)
    assert session.document is document and document.history.undo_depth == 1
    session.close_segmentation(discard_changes=True)
    assert session.segmentation_index is None and session.unsaved_documents() == []


def test_saving_a_document_that_is_not_selected(shared_data, tmp_path):
    session = painted_session(shared_data)
    painted = session.document
    session.new_segmentation()
    session.jobs.wait(session.save_segmentation(tmp_path / "painted.nrrd", document=painted))
    assert not painted.modified and painted.path.endswith("painted.nrrd")


def test_autosave_waits_for_a_pause_then_writes_a_copy_in_the_background(shared_data):
    session = painted_session(shared_data)
    document = session.document
    assert session.autosave(now=0.0) == [], "an edit just happened: not yet"
    changed_at = session.autosaver._last_change[id(document)]
    (job,) = session.autosave(now=changed_at + 5)
    session.jobs.wait(job)
    assert session.autosave(now=changed_at + 60) == [], "the copy is current"
    store = session.autosaver.store
    manifest = json.loads((store.folder / MANIFEST).read_text())
    (entry,) = manifest["documents"]
    assert entry["image_path"].endswith("example_ct_sm.nii.gz")
    assert entry["document_path"] is None and manifest["pid"] == os.getpid()
    session.set_preferences(Preferences(autosave_seconds=0))
    session.add_label()
    assert session.autosave(now=changed_at + 600) == [], "0 turns autosave off"


def test_a_saved_document_loses_its_copy_and_a_clean_exit_leaves_nothing(shared_data,
                                                                          tmp_path):
    session = painted_session(shared_data)
    changed_at = session.autosaver._last_change[id(session.document)]
    session.jobs.wait(session.autosave(now=changed_at + 10)[0])
    store = session.autosaver.store
    assert len(list(store.folder.glob("*.nrrd"))) == 1
    session.jobs.wait(session.save_segmentation(tmp_path / "saved.nrrd"))
    assert list(store.folder.glob("*.nrrd")) == []
    session.shutdown()
    assert not store.folder.exists()


CRASHING_RUN = """
import os, sys, numpy as np
from demarcate.model import MaskRegion
from demarcate.model.preferences import Preferences
from demarcate.session import Session
session = Session(Preferences(autosave_seconds=1))
session.jobs.wait(session.open_image(sys.argv[1]))
session.new_segmentation()
session.rename_label(1, "Lesion")
session.write(MaskRegion(np.ones((1, 3, 3), bool), (10, 50, 50)))
changed = session.autosaver._last_change[id(session.document)]
session.jobs.wait(session.autosave(now=changed + 1)[0])
os.kill(os.getpid(), 9)  # no clean exit
"""


def test_work_of_a_killed_run_is_restored_on_the_next_start(shared_data):
    done = subprocess.run([sys.executable, "-c", CRASHING_RUN, str(shared_data / CT)],
                          capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    session = Session(Preferences())
    (recovered,) = session.recoverable_work()
    assert recovered.name.endswith("segmentation 1")
    document = session.jobs.wait(session.restore(recovered))
    assert session.document is document and document.modified
    assert document.segmentation.label(1).name == "Lesion"
    assert document.segmentation.voxel_counts() == {1: 9}
    assert session.image_entry.image.source_path.endswith("example_ct_sm.nii.gz")
    session.discard_recovered([recovered])
    assert session.recoverable_work() == []
    assert not recovered.run.exists()


def test_runs_still_alive_and_unreadable_folders_are_not_offered(tmp_path):
    root = tmp_path / "recovery"
    alive = root / "run-alive"
    alive.mkdir(parents=True)
    (alive / "a.nrrd").write_bytes(b"x")
    (alive / MANIFEST).write_text(json.dumps(
        {"pid": os.getppid(), "documents": [{"file": "a.nrrd", "name": "a"}]}))
    broken = root / "run-broken"
    broken.mkdir()
    (broken / MANIFEST).write_text("{ not json")
    assert RecoveryStore(root).left_behind() == []
    assert broken.exists(), "an unreadable folder is never deleted behind the user's back"


def test_the_data_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMARCATE_DATA_DIR", str(tmp_path))
    assert recovery_root() == tmp_path / "recovery"
