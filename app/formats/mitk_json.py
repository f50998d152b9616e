"""MITK's label-group JSON, shared by the segmentation header and the JSON preset.

Facts from MITK's source (Modules/Multilabel, mitkMultiLabelIOHelper.cpp):
- MITK 2023.04 (format version 1) writes per group ``{"labels":[...]}`` (``null`` for an
  empty group) and per label exactly ``color`` as ``{"type":"ColorProperty","value":[r,g,b]}``,
  ``locked``, ``name``, ``opacity``, ``value``, ``visible``. Its reader needs the colour
  object form (it reads ``color["value"]``) and ignores other keys.
- Version 2 (MITK 2024.12) adds a group ``name`` and omits ``labels`` for an empty group;
  version 3 (MITK 2025.08) writes a plain ``"color":[r,g,b]`` and the label keys
  ``tracking_id``, ``tracking_uid``, ``description`` and custom properties; version 4
  (MITK 2026.06, the real files in shared/data) looks like 3. Their readers accept both
  colour forms.
- nlohmann::json sorts object keys and prints floats in shortest round-trip form; MITK
  keeps colours and opacity as 32-bit floats, so they are written as float32 values.
"""

from __future__ import annotations

import os

import numpy as np

from ..model.labels import MAX_LABEL_VALUE, Label
from .checks import check_color, check_name, in_range, shown, unit
from .errors import format_error

LABEL_KEYS = ("color", "locked", "name", "opacity", "value", "visible")
# Label.extra entries holding another tool's attributes; never written into MITK JSON.
FOREIGN_EXTRAS = ("slicer", "itksnap")


def _float32(value: float) -> float:
    return float(np.float32(value))


def _color(value, path: str | os.PathLike, where: str) -> tuple[float, float, float]:
    """MITK 2023.04 wraps the colour as {"type": "ColorProperty", "value": [r, g, b]}."""
    if isinstance(value, dict):
        value = value.get("value")
    return check_color(value, path, f"{where}: colour")


def label_from_json(entry, path: str | os.PathLike, where: str) -> Label:
    """A Label from one MITK label object; MITK's defaults fill missing optional keys."""
    if not isinstance(entry, dict):
        raise format_error(path, f"{where}: a label entry is not a JSON object")
    if "value" not in entry:
        raise format_error(path, f"{where}: a label entry has no 'value'")
    value = in_range(entry["value"], 1, MAX_LABEL_VALUE, path, f"{where}: label value")
    where = f"{where}, label {value}"
    name = check_name(entry.get("name", f"Label {value}"), path, f"{where}: name")
    color = _color(entry["color"], path, where) if "color" in entry else (0.0, 0.0, 0.0)
    flags = {}
    for key, default in (("locked", True), ("visible", True)):
        flag = entry.get(key, default)
        if not isinstance(flag, bool):
            raise format_error(path, f"{where}: '{key}' {shown(flag)} is not true or false")
        flags[key] = flag
    opacity = unit(entry.get("opacity", 0.6), path, f"{where}: opacity")
    extra = {k: v for k, v in entry.items() if k not in LABEL_KEYS}
    return Label(value, name, color, opacity, flags["visible"], flags["locked"], extra)


def label_to_json(label: Label, version: int) -> dict:
    """One label object as MITK of that format version writes it (keys sorted)."""
    color = [_float32(c) for c in label.color]
    entry: dict = {
        "color": color if version >= 3 else {"type": "ColorProperty", "value": color},
        "locked": bool(label.locked),
        "name": label.name,
        "opacity": _float32(label.opacity),
        "value": int(label.value),
        "visible": bool(label.visible),
    }
    if version >= 3:
        for key, value in label.extra.items():
            if key not in entry and key not in FOREIGN_EXTRAS:
                entry[key] = value
    return dict(sorted(entry.items()))


def group_to_json(name: str | None, labels: list[Label], extra: dict, version: int):
    """One group object; version 1 has no names, later versions omit empty label lists."""
    jlabels = [label_to_json(label, version) for label in labels]
    if version < 2:
        return {"labels": jlabels or None}
    entry: dict = {}
    if jlabels:
        entry["labels"] = jlabels
    if name:
        entry["name"] = name
    for key, value in extra.items():
        entry.setdefault(key, value)
    return dict(sorted(entry.items())) if entry else None


def groups_from_json(data, path: str | os.PathLike) -> list[tuple[str | None, list[Label], dict]]:
    """(name or None, labels, extra keys) per group of a MITK label-group list."""
    if not isinstance(data, list):
        raise format_error(path, "label groups are not a JSON list")
    groups = []
    for index, entry in enumerate(data):
        where = f"group {index}"
        if entry is None:
            entry = {}
        if not isinstance(entry, dict):
            raise format_error(path, f"{where} is not a JSON object")
        name = entry.get("name")
        if name is not None:
            check_name(name, path, f"{where}: name", empty_ok=True)
        jlabels = entry.get("labels", [])
        if jlabels is None:
            jlabels = []  # MITK 2023.04 writes null for an empty group
        if not isinstance(jlabels, list):
            raise format_error(path, f"{where}: 'labels' is not a list")
        labels = [label_from_json(label, path, where) for label in jlabels]
        extra = {k: v for k, v in entry.items() if k not in ("labels", "name")}
        groups.append((name or None, labels, extra))  # "" and no name both mean none
    return groups
