"""Label statistics as CSV: the header ``group,value,name,voxels,volume_ml,mean,sd,min,max``
and one row per label, for spreadsheets and scripts.

The same text is what ``demarcate stats`` prints. Numbers keep ten significant digits
(integer image values print as integers), and the mean, SD, min and max of an empty
label are empty fields, which spreadsheets and ``pandas.read_csv`` read as missing.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable

from ..atomic import write_text_atomic
from ..model.statistics import FIELDS, StatisticsRow


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.10g}"
    return str(value)


def statistics_csv(rows: Iterable[StatisticsRow]) -> str:
    """The table as CSV text (quoted where a name holds a comma or a quote)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows([_cell(value) for value in row.fields()] for row in rows)
    return text.getvalue()


def write_statistics_csv(rows: Iterable[StatisticsRow], path: str | os.PathLike) -> None:
    """Write the table atomically: a failed write leaves any earlier file as it was."""
    write_text_atomic(path, statistics_csv(rows))
