"""The statistics window's column sort, without a window."""

from __future__ import annotations

import math

from demarcate.model.statistics import StatisticsRow
from demarcate.ui.statistics_panel import sorted_rows


def row(value: int, name: str, mean: float) -> StatisticsRow:
    return StatisticsRow("Group 0", value, name, 0 if math.isnan(mean) else 1, 0.0, mean,
                         0.0, mean, mean)


ROWS = [row(1, "liver", 40.0), row(2, "Aorta", math.nan), row(3, "kidney", -5.0)]


def test_numbers_sort_both_ways_with_empty_labels_last():
    assert [r.value for r in sorted_rows(ROWS, "mean", False)] == [3, 1, 2]
    assert [r.value for r in sorted_rows(ROWS, "mean", True)] == [1, 3, 2]


def test_names_sort_without_regard_to_case():
    assert [r.name for r in sorted_rows(ROWS, "name", False)] == ["Aorta", "kidney", "liver"]
    assert [r.value for r in sorted_rows(ROWS, "value", True)] == [3, 2, 1]
