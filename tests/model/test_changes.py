"""Change records: one per step, undo and redo, naming the box, the labels and the kind."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.model import MaskRegion
from demarcate.model.changes import ChangeKind

from .helpers import make_document


def recorded(document) -> list:
    changes = []
    document.changes.connect(changes.append)
    return changes


def block(shape, box):
    mask = np.zeros(shape, bool)
    mask[box] = True
    return MaskRegion(mask[box], tuple(s.start for s in box))


def test_a_write_names_its_box_its_labels_and_undo_redo_name_the_same():
    document = make_document((6, 8, 10), labels_per_group=3)
    array = document.segmentation.groups[0].array[0]
    array[2, 2, 2] = 2  # an unlocked label the write will take over
    document.segmentation.label(2).locked = False
    changes = recorded(document)
    document.write(block((6, 8, 10), (slice(1, 3), slice(2, 5), slice(2, 4))))
    (edit,) = changes
    assert edit.kind is ChangeKind.EDIT and edit.final and not edit.metadata
    (voxels,) = edit.voxels
    assert voxels.box == (slice(1, 3), slice(2, 5), slice(2, 4))
    assert (voxels.group_index, voxels.t_index) == (0, 0)
    assert edit.label_values == {1, 2}
    assert edit.touches_slice(0, 2, 0) and not edit.touches_slice(0, 3, 0)
    assert edit.touches_slice(2, 3, 0) and not edit.touches_slice(2, 4, 0)
    document.undo()
    document.redo()
    assert [c.kind for c in changes] == [ChangeKind.EDIT, ChangeKind.UNDO, ChangeKind.REDO]
    assert changes[1].voxels == changes[0].voxels == changes[2].voxels
    assert document.version == 3


def test_a_stroke_announces_each_dab_then_one_record_for_the_step():
    document = make_document((4, 10, 10), labels_per_group=1)
    changes = recorded(document)
    document.begin_stroke("Paint")
    document.write(block((4, 10, 10), (slice(1, 2), slice(0, 2), slice(0, 2))))
    document.write(block((4, 10, 10), (slice(1, 2), slice(5, 7), slice(5, 7))))
    assert [c.kind for c in changes] == [ChangeKind.IN_PROGRESS] * 2
    assert not any(c.final for c in changes) and document.version == 0
    document.end_stroke()
    final = changes[-1]
    assert final.kind is ChangeKind.EDIT and document.history.undo_depth == 1
    (voxels,) = final.voxels
    assert voxels.box == (slice(1, 2), slice(0, 7), slice(0, 7))  # the union, tightened


def test_label_properties_and_structure():
    document = make_document(groups=2, labels_per_group=2)
    changes = recorded(document)
    document.set_label_color(3, (0.0, 1.0, 0.0))
    document.add_label()
    document.remove_group(1)
    colour, added, removed = changes
    assert colour.metadata and not colour.structure and colour.label_values == {3}
    assert added.structure and 5 in added.label_values
    assert removed.structure and removed.label_values == {3, 4}


def test_selecting_a_label_is_announced_but_is_no_edit():
    document = make_document(labels_per_group=3)
    changes = recorded(document)
    document.set_active_label(3)
    document.set_active_label(3)
    (selection,) = changes
    assert selection.kind is ChangeKind.SELECTION and selection.label_values == {1, 3}
    assert document.version == 0 and not document.modified


def test_a_failed_step_announces_its_rollback():
    document = make_document((4, 6, 6), labels_per_group=1)
    changes = recorded(document)
    with pytest.raises(RuntimeError), document.step("Failing"):
        document.write(block((4, 6, 6), (slice(0, 1), slice(0, 3), slice(0, 3))))
        raise RuntimeError("tool failed half way")
    assert [c.kind for c in changes] == [ChangeKind.IN_PROGRESS, ChangeKind.ROLLBACK]
    assert not document.segmentation.groups[0].array.any()
    assert document.version == 0


def test_a_static_segmentation_changes_every_time_step():
    document = make_document((2, 4, 4), labels_per_group=1, time_steps=3)
    document.set_dynamic(False)
    changes = recorded(document)
    document.write(block((2, 4, 4), (slice(0, 1), slice(0, 2), slice(0, 2))), time_step=2)
    (voxels,) = changes[0].voxels
    assert voxels.all_time_steps and changes[0].touches_slice(0, 0, 1)


def test_saving_a_version_keeps_later_edits_unsaved():
    document = make_document(labels_per_group=1)
    document.add_label()
    saved = document.version
    document.add_label()
    document.mark_saved(saved)
    assert document.modified
    document.mark_saved()
    assert not document.modified
