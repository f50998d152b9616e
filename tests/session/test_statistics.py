"""Label statistics in the session: kept current through change records, recounting only
the labels an edit named, and always equal to a count from scratch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from demarcate import formats
from demarcate.model import MaskRegion
from demarcate.model.statistics import label_statistics, label_sums
from demarcate.session import Session, Topic
from demarcate.session import statistics as session_statistics


def opened(shared_data, image: str, segmentation: str) -> Session:
    session = Session()
    session.jobs.wait(session.open_image(shared_data / image))
    session.jobs.wait(session.open_segmentation(shared_data / segmentation))
    return session


@pytest.fixture
def ct(shared_data) -> Session:
    return opened(shared_data, "ct/example_ct_sm.nii.gz", "ct/example_seg.nii.gz")


@pytest.fixture
def counts(monkeypatch) -> list[dict]:
    """The regions (label value -> box) of every count the session starts."""
    calls = []

    def counting(segmentation, image_zyx, time_step, regions=None):
        calls.append(dict(regions))
        return label_sums(segmentation, image_zyx, time_step, regions)

    monkeypatch.setattr(session_statistics, "label_sums", counting)
    return calls


def counted(session: Session, time_step: int | None = None) -> list:
    job = session.update_label_statistics(time_step)
    if job is not None:
        session.jobs.wait(job)
    return session.label_statistics(time_step)


def from_scratch(session: Session, time_step: int | None = None) -> list:
    time_step = session.time_step if time_step is None else time_step
    return label_statistics(session.segmentation, session.image_entry.image, time_step)


def voxels_read(regions: dict) -> int:
    return sum(math.prod(s.stop - s.start for s in box) for box in regions.values())


def cube(corner, size=4) -> MaskRegion:
    return MaskRegion(np.ones((size,) * 3, bool), tuple(corner))


def test_first_count_reads_every_label_then_nothing_until_an_edit(ct, counts):
    events = []
    ct.events.connect(lambda event: events.append(event.topic))
    assert ct.label_statistics() is None  # never counted
    rows = counted(ct)
    assert len(rows) == 41 and rows == from_scratch(ct)
    assert Topic.STATISTICS in events
    assert len(counts) == 1 and len(counts[0]) == 41
    assert ct.update_label_statistics() is None  # current: no second count


def test_an_edit_recounts_only_the_labels_it_names_over_their_box(ct, counts):
    before = {row.value: row for row in counted(ct)}
    changes = []
    ct.document.changes.connect(changes.append)
    largest = max(before.values(), key=lambda row: row.voxels).value
    smallest = min((r for r in before.values() if r.voxels), key=lambda r: r.voxels).value
    z, y, x = np.argwhere(ct.segmentation.groups[0].array[0] == largest)[0]
    ct.write(cube((z, y, x)), label_value=smallest, regard_locks=False)  # over the largest
    named = changes[-1].label_values
    assert named == {smallest, largest}
    rows = counted(ct)
    assert set(counts[-1]) == named  # the other 39 labels were not counted again
    assert voxels_read(counts[-1]) < ct.segmentation.groups[0].array[0].size
    assert rows == from_scratch(ct)
    after = {row.value: row for row in rows}
    assert after[smallest].voxels > before[smallest].voxels
    assert after[largest].voxels < before[largest].voxels
    assert all(after[v] == before[v] for v in after if v not in named)


def test_undo_and_erase_stay_equal_to_a_count_from_scratch(ct, counts):
    counted(ct)
    named = set()
    ct.document.changes.connect(lambda change: named.update(change.label_values))
    ct.write(cube((10, 40, 50), 6), label_value=3, regard_locks=False)
    ct.erase(cube((12, 42, 52), 2), label_value=3)
    assert counted(ct) == from_scratch(ct)
    ct.undo()
    ct.undo()
    assert counted(ct) == from_scratch(ct)
    assert len(counts) == 3 and all(set(regions) <= named for regions in counts[1:])
    assert len(named) < 41


def test_rename_needs_no_count_and_structure_changes_count_what_they_name(ct, counts):
    counted(ct)
    ct.rename_label(1, "spleen")
    ct.set_label_color(1, (0.1, 0.2, 0.3))
    assert ct.update_label_statistics() is None
    assert ct.label_statistics()[0].name == "spleen" and len(counts) == 1

    new = ct.add_label("lesion")  # also names label 1, no longer active: not counted
    rows = counted(ct)
    assert set(counts[-1]) == {new.value}
    assert rows[-1].name == "lesion" and rows[-1].voxels == 0 and math.isnan(rows[-1].mean)

    ct.remove_label(2)  # clears its voxels and removes its row: nothing to count
    assert ct.update_label_statistics() is None
    assert 2 not in {row.value for row in ct.label_statistics()}
    ct.undo()
    assert counted(ct) == from_scratch(ct) and set(counts[-1]) == {2}


def test_time_steps_keep_their_own_tables(shared_data, counts):
    session = opened(shared_data, "4d/img4d_11f.nii.gz",
                     "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd")
    at_3, at_5 = counted(session, 3), counted(session, 5)
    assert at_3 != at_5
    session.write(cube((10, 10, 10)), time_step=5, label_value=2, regard_locks=False)
    assert session.update_label_statistics(3) is None  # time step 3 did not change
    assert counted(session, 5) == from_scratch(session, 5)
    assert set(counts[-1]) == {2}
    assert counted(session, 3) == at_3
    with pytest.raises(IndexError):
        session.update_label_statistics(11)

    session.set_dynamic(False, source_time_step=5)  # one mask for all: new arrays
    assert counted(session, 3) == from_scratch(session, 3) != at_3
    assert set(counts[-1]) == {1, 2}
    counted(session, 5)
    session.write(cube((20, 20, 20)), time_step=5, label_value=1, regard_locks=False)
    assert session.update_label_statistics(3) is not None  # shown at every time step
    assert counted(session, 3) == from_scratch(session, 3)


def test_a_stroke_cancels_the_count_that_may_have_read_half_of_it(ct):
    ct.begin_stroke("Paint")
    job = ct.update_label_statistics()
    ct.write(cube((5, 30, 30)), label_value=4, regard_locks=False)
    assert job.cancel_requested
    ct.end_stroke()
    assert ct.label_statistics() is None
    assert counted(ct) == from_scratch(ct)


def test_export_writes_the_shown_table(ct, tmp_path):
    target = tmp_path / "statistics.csv"
    with pytest.raises(LookupError, match="still being counted"):
        ct.export_label_statistics(target)
    rows = counted(ct)
    ct.jobs.wait(ct.export_label_statistics(target))
    text = target.read_text()
    assert text == formats.statistics_csv(rows)
    assert text.splitlines()[0] == "group,value,name,voxels,volume_ml,mean,sd,min,max"
