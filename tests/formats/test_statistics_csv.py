"""Label statistics CSV: the exact header, readable numbers, empty fields, atomic writes."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from demarcate import formats
from demarcate.model.statistics import StatisticsRow

HEADER = "group,value,name,voxels,volume_ml,mean,sd,min,max"
ROWS = [
    StatisticsRow("Group 0", 1, "liver, left lobe", 1234, 33.318, 61.23456789012, 12.5,
                  -91.0, 200.0),
    StatisticsRow('my "group"', 7, "empty", 0, 0.0, *(math.nan,) * 4),
]


def test_header_and_rows_as_text():
    lines = formats.statistics_csv(ROWS).splitlines()
    assert lines[0] == HEADER
    assert lines[1] == 'Group 0,1,"liver, left lobe",1234,33.318,61.23456789,12.5,-91,200'
    assert lines[2] == '"my ""group""",7,empty,0,0,,,,'
    assert len(lines) == 3


def test_written_file_reads_back_with_the_csv_module(tmp_path):
    path = tmp_path / "statistics.csv"
    formats.write_statistics_csv(ROWS, path)
    with path.open(newline="") as handle:
        records = list(csv.DictReader(handle))
    assert list(records[0]) == HEADER.split(",")
    assert records[0]["name"] == "liver, left lobe"
    assert float(records[0]["volume_ml"]) == 33.318
    assert records[1]["group"] == 'my "group"' and records[1]["mean"] == ""


def test_a_write_failing_halfway_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "statistics.csv"
    path.write_text("old\n")
    write_text = Path.write_text

    def half_then_fail(self, text, *args, **kwargs):
        write_text(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        formats.write_statistics_csv(ROWS, path)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["statistics.csv"]
