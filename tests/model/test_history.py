"""Undo/redo restores voxels and metadata exactly, under random operation sequences."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demarcate.model import (
    Label,
    LabelGroup,
    MaskRegion,
    Segmentation,
    SegmentationDocument,
    WriteMode,
)

from .helpers import assert_same, make_document, snapshot


def random_region(data, shape_zyx):
    start = [data.draw(st.integers(0, s - 1)) for s in shape_zyx]
    size = [data.draw(st.integers(1, s - a)) for a, s in zip(start, shape_zyx, strict=True)]
    seed = data.draw(st.integers(0, 2**16))
    mask = np.random.default_rng(seed).random(size) < 0.6
    return MaskRegion(mask, tuple(start))


def random_operation(data, document: SegmentationDocument) -> None:
    """Apply one random user operation to the document."""
    seg = document.segmentation
    if not seg.labels:  # (after a group removal): adding one is this step's operation,
        document.add_label()  # so that every operation records at most one step
        return
    values = [label.value for label in seg.labels]
    value = data.draw(st.sampled_from(values))
    t = data.draw(st.integers(0, seg.time_steps - 1))
    choice = data.draw(st.integers(0, 17))
    if choice <= 3:
        document.write(random_region(data, seg.shape_zyx), t, value,
                       mode=data.draw(st.sampled_from(list(WriteMode))),
                       regard_locks=data.draw(st.booleans()))
    elif choice == 4:
        document.erase(random_region(data, seg.shape_zyx), t, value)
    elif choice == 5:
        document.add_label(group_index=data.draw(st.integers(0, len(seg.groups) - 1)))
    elif choice == 6 and len(values) > 1:
        document.remove_label(value)
    elif choice == 7:
        document.rename_label(value, data.draw(st.sampled_from(["Liver", "Lesion", "x"])))
    elif choice == 8:
        document.set_label_locked(value, data.draw(st.booleans()))
    elif choice == 9:
        document.set_label_color(value, (0.1, 0.2, data.draw(st.floats(0, 1))))
    elif choice == 10:
        document.clear_label(value)
    elif choice == 11 and len(values) > 1:
        others = [v for v in values if v != value]
        document.merge_labels(value, data.draw(st.lists(st.sampled_from(others), max_size=2)))
    elif choice == 12:
        document.add_group()
    elif choice == 13 and len(seg.groups) > 1 and len(seg.groups[0].labels) < len(values):
        document.remove_group(data.draw(st.integers(0, len(seg.groups) - 1)))
    elif choice == 14:
        document.create_instance(value)
    elif choice == 15:
        document.set_all_visible(data.draw(st.booleans()))
    elif choice == 16:
        document.set_dynamic(data.draw(st.booleans()), source_time_step=t)
    else:
        document.set_unlabeled_locked(data.draw(st.booleans()))


def check_undo_redo_all(document: SegmentationDocument, snapshots: list) -> None:
    steps = document.history.undo_depth
    first = len(snapshots) - 1 - steps
    for expected in reversed(snapshots[first:-1]):
        assert document.undo() is not None
        assert_same(snapshot(document), expected)
    assert document.undo() is None
    for expected in snapshots[first + 1 :]:
        assert document.redo() is not None
        assert_same(snapshot(document), expected)
    assert document.redo() is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), time_steps=st.sampled_from([1, 3]))
def test_random_sequences_undo_and_redo_exactly(data, time_steps):
    document = make_document((4, 6, 7), groups=2, labels_per_group=2, time_steps=time_steps,
                             seed=data.draw(st.integers(0, 1000)))
    snapshots = [snapshot(document)]
    for _ in range(data.draw(st.integers(1, 12))):
        before = document.history.undo_depth
        random_operation(data, document)
        if document.history.undo_depth != before:
            snapshots.append(snapshot(document))
        else:
            assert_same(snapshot(document), snapshots[-1])
        document.segmentation.validate()
    check_undo_redo_all(document, snapshots)


@pytest.fixture
def totalseg_array(shared_data) -> np.ndarray:
    return sitk.GetArrayFromImage(sitk.ReadImage(str(shared_data / "ct/example_seg.nii.gz")))


def totalseg_document(array: np.ndarray) -> SegmentationDocument:
    """The real TotalSegmentator label map (41 labels) as a one-group segmentation."""
    seg = Segmentation(array.shape)
    group = LabelGroup("Group 0", array[None].astype(np.uint16))
    group.labels = [Label(int(v), f"structure {v}") for v in np.unique(array) if v]
    seg.groups.append(group)
    seg.active_label_value = group.labels[0].value
    return SegmentationDocument(seg)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_sequences_on_real_label_map(totalseg_array, data):
    document = totalseg_document(totalseg_array)
    snapshots = [snapshot(document)]
    for _ in range(data.draw(st.integers(1, 8))):
        before = document.history.undo_depth
        random_operation(data, document)
        if document.history.undo_depth != before:
            snapshots.append(snapshot(document))
    check_undo_redo_all(document, snapshots)


def test_stroke_of_many_dabs_is_one_step():
    document = make_document((1, 64, 64))
    before = snapshot(document)
    document.begin_stroke("Paint")
    disk = np.hypot(*np.mgrid[-3:4, -3:4]) <= 3
    for x in range(5, 50, 2):
        document.write(MaskRegion(disk[None], (0, 20, x)))
    document.end_stroke()
    assert document.history.undo_depth == 1
    assert document.history.next_undo() == "Paint"
    document.undo()
    assert_same(snapshot(document), before)


def test_failed_operation_rolls_back_and_records_nothing():
    document = make_document((1, 4, 4))
    before = snapshot(document)
    with pytest.raises(RuntimeError), document.step("broken"):
        document.write(MaskRegion.from_full(np.ones((1, 4, 4), bool)))
        raise RuntimeError("tool failed half-way")
    assert_same(snapshot(document), before)
    assert document.history.undo_depth == 0


def test_budget_drops_oldest_steps_but_keeps_the_newest():
    document = make_document((8, 64, 64))
    rng = np.random.default_rng(1)
    for _ in range(6):
        document.write(MaskRegion.from_full(rng.random((8, 64, 64)) < 0.5))
    full = document.history.nbytes
    document.history.budget_bytes = full // 2
    document.history.enforce_budget()
    assert 1 <= document.history.undo_depth < 6
    assert document.history.nbytes <= full // 2 or document.history.undo_depth == 1


def test_undo_delta_is_cropped_to_the_changed_box():
    document = make_document((50, 200, 200))
    disk = np.hypot(*np.mgrid[-20:21, -20:21]) <= 20
    document.begin_stroke("Paint")
    for x in range(30, 150, 4):
        document.write(MaskRegion(disk[None], (25, 80, x)))
    document.end_stroke()
    assert document.history.nbytes < 10_000
    (delta,) = document.history._undo[0].deltas
    assert delta.box[0] == slice(25, 26)


def test_the_budget_counts_what_the_history_really_holds():
    """tracemalloc measures the history: small brush steps and label edits, each with
    its boxes, value sets and metadata snapshots, stay within the budget."""
    import gc
    import tracemalloc

    from demarcate.model import Label, LabelGroup, Segmentation, SegmentationDocument

    seg = Segmentation((20, 128, 128))
    seg.groups.append(LabelGroup("Group 0", seg.new_group_array(),
                                 [Label(v, f"Label {v}") for v in range(1, 42)]))
    seg.active_label_value = 1
    budget = 400 * 1024
    document = SegmentationDocument(seg, undo_budget_bytes=budget)
    rng = np.random.default_rng(3)

    def edits(count: int) -> None:
        for index in range(count):
            z, y, x = (int(v) for v in rng.integers(0, (20, 120, 120)))
            document.write(MaskRegion(np.ones((1, 4, 5), bool), (z, y, x)))
            if index % 10 == 0:
                document.set_label_color(1, tuple(float(c) for c in rng.random(3)))

    edits(50)  # imports and first allocations happen here, not in what is measured
    document.history.clear()
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    edits(1500)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert document.history.nbytes <= budget
    assert document.history.undo_depth < 1500, "the budget dropped old steps"
    assert held <= 1.25 * budget, f"{held} bytes held for a {budget}-byte budget"
