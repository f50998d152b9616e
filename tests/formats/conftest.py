"""Fixtures for format tests: the real files in shared/data and small synthetic ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from demarcate.model import Geometry, Label, LabelGroup, Segmentation

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def data() -> Path:
    """The real files written by MITK, Slicer and ITK-SNAP (skipped when absent)."""
    if not DATA.is_dir():
        pytest.skip(f"real test data not found (expected shared/data beside the repo: {DATA})")
    return DATA


def real(data: Path, relative: str) -> Path:
    path = data / relative
    if not path.exists():
        pytest.skip(f"real test file {relative} is missing from shared/data")
    return path


def synthetic_segmentation(groups: int = 2, time_steps: int = 1) -> Segmentation:
    """A small oblique-free segmentation with overlapping groups and label extras."""
    geometry = Geometry((0.5, 0.75, 2.0), (10.0, -20.0, 5.5), np.diag([-1.0, -1.0, 1.0]), 40.0)
    seg = Segmentation((4, 6, 5), geometry, time_steps)
    rng = np.random.default_rng(7)
    value = 1
    for g in range(groups):
        labels = [
            Label(
                value + i,
                f"Organ {value + i}",
                (0.1 * (i + 1), 0.5, 1.0 - 0.2 * i),
                opacity=0.25 + 0.25 * i,
                visible=i != 1,
                locked=i != 2,
            )
            for i in range(3)
        ]
        array = rng.integers(0, 4, size=seg.group_shape()).astype(np.uint16)
        array[array > 0] += value - 1
        seg.groups.append(LabelGroup(f"Group {g}", array, labels))
        value += 3
    return seg


def assert_same_labels(a: list[Label], b: list[Label], *, extras: bool = True) -> None:
    assert [label.value for label in a] == [label.value for label in b]
    for x, y in zip(a, b, strict=True):
        assert x.name == y.name
        np.testing.assert_allclose(x.color, y.color, rtol=0, atol=1e-6)
        assert x.opacity == pytest.approx(y.opacity, abs=1e-6)
        assert (x.visible, x.locked) == (y.visible, y.locked)
        if extras:
            assert x.extra == y.extra


def assert_same_voxels(a: Segmentation, b: Segmentation) -> None:
    assert len(a.groups) == len(b.groups)
    for x, y in zip(a.groups, b.groups, strict=True):
        assert x.array.dtype == y.array.dtype == np.uint16
        np.testing.assert_array_equal(x.array, y.array)
    assert a.shape_zyx == b.shape_zyx and a.time_steps == b.time_steps
    assert a.geometry.matches(b.geometry)
