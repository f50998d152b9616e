"""Label and group operations of a document (segmentation-semantics.md)."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.model import (
    Label,
    LabelNaming,
    LabelSetPreset,
    MaskRegion,
    NamingMode,
    PresetGroup,
    Suggestion,
)

from .helpers import make_document


def test_new_label_takes_max_plus_one_and_is_locked_and_active():
    document = make_document(labels_per_group=3)
    document.remove_label(2)
    label = document.add_label()
    assert label.value == 4
    assert label.name == "Label 4"
    assert label.locked
    assert document.segmentation.active_label_value == 4


def test_values_are_unique_across_groups():
    document = make_document(groups=2, labels_per_group=2)
    label = document.add_label(group_index=0)
    assert label.value == 5
    with pytest.raises(ValueError):
        document.add_label(value=3)


def test_instances_share_name_and_color_but_not_value():
    document = make_document(labels_per_group=1)
    document.rename_label(1, "Lesion")
    instance = document.create_instance(1)
    seg = document.segmentation
    assert [lb.value for lb in seg.instances_of("Lesion")] == [1, instance.value]
    assert instance.color == seg.label(1).color
    document.rename_label(instance.value, "Lesion B")
    assert [lb.value for lb in seg.instances_of("Lesion")] == [1]


def test_remove_label_clears_its_voxels_only():
    document = make_document((2, 5, 5), labels_per_group=3, seed=3)
    array = document.segmentation.groups[0].array
    others = array[(array != 2)].copy()
    document.remove_label(2)
    assert not (array == 2).any()
    np.testing.assert_array_equal(array[array != 0], others[others != 0])
    assert not document.segmentation.has_label(2)


def test_merge_moves_voxels_across_groups_and_deletes_sources():
    document = make_document((1, 4, 4), groups=2, labels_per_group=1)
    seg = document.segmentation
    seg.groups[0].array[0, 0, :2] = 1
    seg.groups[1].array[0, 0, 2:] = 2
    document.merge_labels(1, [2])
    assert (seg.groups[0].array[0, 0] == 1).all()
    assert not seg.groups[1].array.any()
    assert not seg.has_label(2)


def test_last_group_cannot_be_removed_and_removal_is_undoable():
    document = make_document(groups=2, labels_per_group=1, seed=1)
    document.remove_group(1)
    with pytest.raises(ValueError):
        document.remove_group(0)
    document.undo()
    assert len(document.segmentation.groups) == 2
    assert document.segmentation.label(2).name == "Label 2"


def test_group_and_global_lock_and_visibility():
    document = make_document(groups=2, labels_per_group=2)
    seg = document.segmentation
    document.set_group_locked(0, False)
    assert [lb.locked for lb in seg.labels] == [False, False, True, False]
    document.set_all_locked(True)
    assert all(lb.locked for lb in seg.labels)
    document.set_all_visible(False)
    assert not any(lb.visible for lb in seg.labels)
    assert document.history.undo_depth == 3


def test_unchanged_setter_records_no_step():
    document = make_document()
    document.set_label_locked(1, document.segmentation.label(1).locked)
    assert document.history.undo_depth == 0


def test_unlabeled_lock_restricts_writes_to_existing_label_voxels():
    document = make_document((1, 3, 3), labels_per_group=2)
    seg = document.segmentation
    seg.groups[0].array[0, 0, 0, 0] = 1
    seg.groups[0].array[0, 0, 0, 1] = 2
    seg.label(2).locked = False
    document.set_unlabeled_locked(True)
    document.write(MaskRegion.from_full(np.ones((1, 3, 3), bool)), label_value=1)
    assert seg.groups[0].array[0, 0].tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 0]]


def test_preset_overrides_existing_creates_missing_and_keeps_voxels():
    document = make_document((1, 3, 3), labels_per_group=2, seed=2)
    before = document.segmentation.groups[0].array.copy()
    preset = LabelSetPreset([
        PresetGroup("Organs", [Label(1, "Liver", (0.5, 0.2, 0.1), locked=False)]),
        PresetGroup("Lesions", [Label(7, "Tumor", (0.1, 0.9, 0.1))]),
    ], "abdomen")
    document.apply_preset(preset)
    seg = document.segmentation
    assert seg.label(1).name == "Liver" and not seg.label(1).locked
    assert seg.label(2).name == "Label 2"
    assert seg.groups[0].name == "Organs" and seg.groups[1].name == "Lesions"
    assert seg.label(7).name == "Tumor"
    np.testing.assert_array_equal(seg.groups[0].array, before)
    assert document.history.undo_depth == 1
    document.undo()
    assert len(seg.groups) == 1 and seg.label(1).name == "Label 1"


def test_naming_from_suggestions_and_suggestions_only():
    naming = LabelNaming(NamingMode.SUGGESTIONS, [Suggestion("Liver", (1.0, 0.5, 0.0))],
                         replace_builtin=True, only_suggestions=True)
    document = make_document(labels_per_group=0)
    document.naming = naming
    document.segmentation.active_label_value = None
    label = document.add_label()
    assert (label.name, label.color) == ("Liver", (1.0, 0.5, 0.0))
    with pytest.raises(ValueError, match="suggested"):
        document.rename_label(label.value, "Something else")
    with pytest.raises(ValueError, match="already used"):
        document.add_label()


def test_builtin_suggestions_complete_names():
    naming = LabelNaming(suggestions=[Suggestion("Left atrium")])
    assert naming.complete("li") == ["Liver"]
    assert naming.complete("le")[:2] == ["Left atrium", "Lesion"]


def test_static_dynamic_conversion_and_undo():
    document = make_document((1, 2, 2), time_steps=3, seed=4)
    seg = document.segmentation
    first = seg.groups[0].array[1].copy()
    document.set_dynamic(False, source_time_step=1)
    assert not seg.is_dynamic
    np.testing.assert_array_equal(seg.groups[0].array[0], first)
    document.set_dynamic(True)
    assert seg.is_dynamic and seg.groups[0].array.shape[0] == 3
    document.undo()
    assert not seg.is_dynamic
    document.undo()
    assert seg.is_dynamic


def test_suggested_names_count_as_used_whatever_their_case():
    document = make_document(labels_per_group=1)
    document.naming = LabelNaming(NamingMode.SUGGESTIONS)
    document.rename_label(1, "liver")
    assert document.add_label().name == "Spleen"
