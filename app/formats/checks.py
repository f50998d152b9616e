"""Rules for the values of label metadata, shared by every reader and writer of labels.

A reader that lets NaN, an opacity of 7 or a name with a line break into the model hands
the writers a label they store in a form no tool reads back (a bare ``NaN`` in JSON, a
NRRD header broken in two). So each value is checked where it enters (reading) and
again where it leaves (writing, for labels made in memory), by the same rules, and each
failure is one FormatError that names the file and the field.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable

from ..model.geometry import Geometry
from ..model.labels import MAX_LABEL_VALUE, Label
from .errors import format_error

_SHOWN = 40
# Control characters, the Unicode line and paragraph separators (which line-based
# readers split on) and lone surrogates (which cannot be written as UTF-8).
_NOT_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")


def shown(value) -> str:
    """``repr`` of a value for a message, cut short: one field may hold a megabyte."""
    if isinstance(value, int) and value.bit_length() > 128:
        return "an integer of thousands of digits"  # repr() itself refuses > 4,300 digits
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def finite(value, path: str | os.PathLike, what: str) -> float:
    """A finite float from a number (not a bool, which JSON and Python count as one)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise format_error(path, f"{what} {shown(value)} is not a number")
    try:
        number = float(value)
    except OverflowError:
        raise format_error(path, f"{what} {shown(value)} is out of range") from None
    return _refuse_infinite(number, value, path, what)


def _refuse_infinite(number: float, given, path: str | os.PathLike, what: str) -> float:
    if not math.isfinite(number):
        raise format_error(path, f"{what} {shown(given)} is not a finite number")
    return number


def unit(value, path: str | os.PathLike, what: str) -> float:
    """A number in 0..1: a colour component or an opacity."""
    number = finite(value, path, what)
    if not 0.0 <= number <= 1.0:
        raise format_error(path, f"{what} {number:g} is not in 0..1")
    return number


def parse_number(text: str, path: str | os.PathLike, what: str) -> float:
    """A finite float from a text field (XML attribute, NRRD header, ITK-SNAP line)."""
    try:
        number = float(text)
    except ValueError:
        raise format_error(path, f"{what} {shown(text)} is not a number") from None
    return _refuse_infinite(number, text, path, what)


def in_range(value, low: int, high: int, path: str | os.PathLike, what: str) -> int:
    """An integer (not a bool) in low..high."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise format_error(path, f"{what} {shown(value)} is not in {low}..{high}")
    return value


def parse_integer(text: str, low: int, high: int, path: str | os.PathLike, what: str) -> int:
    """An integer in low..high from a text field; the digit count is bounded before
    ``int()`` so a 4,300-digit field is refused in one step, not converted."""
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped):
        raise format_error(path, f"{what} {shown(text)} is not an integer")
    return in_range(int(stripped), low, high, path, what)


def check_name(name, path: str | os.PathLike, what: str, *, empty_ok: bool = False) -> str:
    """A name as text without control characters; empty only where ``empty_ok``
    (group names, which fall back to "Group N")."""
    if not isinstance(name, str):
        raise format_error(path, f"{what} {shown(name)} is not text")
    if not empty_ok and not name.strip():
        raise format_error(path, f"{what} is empty")
    bad = _NOT_IN_NAMES.search(name)
    if bad:
        raise format_error(
            path, f"{what} {shown(name)} holds the control character U+{ord(bad.group()):04X}"
        )
    return name


def check_color(values, path: str | os.PathLike, what: str) -> tuple[float, float, float]:
    """Three numbers in 0..1."""
    if not isinstance(values, list | tuple) or len(values) != 3:
        raise format_error(path, f"{what} {shown(values)} is not [r, g, b]")
    r, g, b = (unit(c, path, what) for c in values)
    return r, g, b


def check_labels(labels: Iterable[Label], path: str | os.PathLike) -> None:
    """Every rule a reader applies, for labels about to be written, so that a writer never
    stores what its reader refuses (labels made in memory bypass the readers)."""
    seen: set[int] = set()
    for label in labels:
        value = in_range(label.value, 1, MAX_LABEL_VALUE, path, "label value")
        if value in seen:
            raise format_error(path, f"label value {value} is used more than once")
        seen.add(value)
        check_name(label.name, path, f"label {value}: name")
        check_color(label.color, path, f"label {value}: colour")
        unit(label.opacity, path, f"label {value}: opacity")


def check_group_names(names: Iterable[str | None], path: str | os.PathLike) -> None:
    """Group names to be written: text without control characters, or None / empty
    (formats without group names, or the "Group N" default)."""
    for index, name in enumerate(names):
        if name is not None:
            check_name(name, path, f"group {index}: name", empty_ok=True)


def check_geometry(geometry: Geometry, path: str | os.PathLike, time_steps: int) -> None:
    """Finite spacing, origin and direction, positive spacing, and a positive finite time
    step when there is a time axis: NRRD and MITK time points cannot hold anything else."""
    numbers = [*geometry.spacing_xyz, *geometry.origin_xyz, *geometry.direction.ravel()]
    if not all(math.isfinite(v) for v in numbers):
        raise format_error(path, f"geometry is not finite ({geometry.describe()})")
    if min(geometry.spacing_xyz) <= 0:
        raise format_error(path, f"spacing is not positive ({geometry.describe()})")
    step = geometry.time_step_ms
    if time_steps > 1 and not (math.isfinite(step) and step > 0):
        raise format_error(path, f"time step {shown(step)} ms is not a positive finite number")

