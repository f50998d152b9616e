"""Small builders for model tests."""

from __future__ import annotations

import numpy as np

from demarcate.model import Label, LabelGroup, Segmentation, SegmentationDocument


def make_document(
    shape_zyx=(6, 8, 10), groups=1, labels_per_group=3, time_steps=1, seed=None
) -> SegmentationDocument:
    """A document with labels 1..n spread over groups; random voxels when ``seed`` is set."""
    seg = Segmentation(shape_zyx, time_steps=time_steps)
    rng = np.random.default_rng(seed)
    value = 1
    for g in range(groups):
        group = LabelGroup(f"Group {g}", seg.new_group_array())
        values = []
        for _ in range(labels_per_group):
            group.labels.append(Label(value, f"Label {value}", locked=bool(value % 2)))
            values.append(value)
            value += 1
        if seed is not None:
            group.array[...] = rng.choice([0, *values], size=group.array.shape)
        seg.groups.append(group)
    seg.active_label_value = 1
    return SegmentationDocument(seg)


def snapshot(document: SegmentationDocument):
    """Everything undo must restore: voxels of every group and all label metadata."""
    seg = document.segmentation
    return ([g.array.copy() for g in seg.groups], seg.metadata_state())


def assert_same(a, b) -> None:
    arrays_a, meta_a = a
    arrays_b, meta_b = b
    assert len(arrays_a) == len(arrays_b)
    for x, y in zip(arrays_a, arrays_b, strict=True):
        assert x.shape == y.shape
        np.testing.assert_array_equal(x, y)
    assert meta_a == meta_b
