"""Label-set presets: MITK's JSON preset (current) and the legacy XML .lsetp.

JSON (MITK 2026.06, MultiLabelIOHelper::SaveMultiLabelSegmentationPreset):
``{"groups":[...],"type":"org.mitk.multilabel.segmentation.preset","version":4}`` with the
same group objects as the segmentation header, printed with 4-space indentation and
sorted keys. XML (MITK 2023.04, SaveLabelSetImagePreset): ``<LabelSetImagePreset
layers="N">`` holding ``<Layer index="i" labels="n">`` elements of ``<Label>``s
(mitk_xml.py); MITK's loader trusts the ``layers``/``labels`` counts, so they are exact.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from ..atomic import write_text_atomic
from ..model.preset import LabelSetPreset, PresetGroup
from .errors import format_error
from .mitk_json import group_to_json, groups_from_json
from .mitk_xml import label_from_xml, label_to_xml
from .paths import display_name

PRESET_TYPE = "org.mitk.multilabel.segmentation.preset"
PRESET_VERSION = 4


def _preset_name(path: Path) -> str:
    name = display_name(path)
    return name[: -len(".preset")] if name.endswith(".preset") else name


def _read_json(path: Path, text: str) -> LabelSetPreset:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise format_error(path, f"preset is not valid JSON ({error})") from error
    if not isinstance(data, dict) or "groups" not in data:
        raise format_error(path, "preset JSON has no 'groups'")
    if data.get("type", PRESET_TYPE) != PRESET_TYPE:
        raise format_error(path, f"JSON type {data.get('type')!r} is not an MITK preset")
    version = data.get("version", PRESET_VERSION)
    if not isinstance(version, int) or not 1 <= version <= PRESET_VERSION:
        raise format_error(path, f"preset version {version!r} is unknown")
    groups = [
        PresetGroup(name, labels) for name, labels, _ in groups_from_json(data["groups"], path)
    ]
    return LabelSetPreset(groups, _preset_name(path))


def _read_xml(path: Path, text: str) -> LabelSetPreset:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise format_error(path, f"preset is not valid XML ({error})") from error
    layers = root.findall("Layer") or root.findall(".//Layer")
    if root.tag != "LabelSetImagePreset" and not layers:
        raise format_error(path, f"XML root <{root.tag}> is not a LabelSetImagePreset")

    def index_of(pair):
        position, layer = pair
        try:
            return int(layer.get("index", position))
        except ValueError:
            return position

    groups = []
    for _, layer in sorted(enumerate(layers), key=index_of):
        labels = [
            label
            for element in layer.findall("Label")
            if (label := label_from_xml(element, path, f"layer {len(groups)}")) is not None
        ]
        groups.append(PresetGroup(layer.get("name"), labels))
    return LabelSetPreset(groups, _preset_name(path))


def read_preset(path: str | os.PathLike) -> LabelSetPreset:
    """Read a JSON or XML preset (told apart by content, so a misnamed file still works)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise format_error(path, f"cannot read preset ({error})") from error
    stripped = text.lstrip("\ufeff \t\r\n")
    preset = _read_xml(path, stripped) if stripped.startswith("<") else _read_json(path, stripped)
    try:
        preset.validate()
    except ValueError as error:
        raise format_error(path, str(error)) from error
    return preset


def preset_to_json(preset: LabelSetPreset) -> str:
    groups = [group_to_json(g.name, g.labels, {}, PRESET_VERSION) for g in preset.groups]
    data = {"groups": groups, "type": PRESET_TYPE, "version": PRESET_VERSION}
    return json.dumps(data, indent=4, ensure_ascii=False) + "\n"


def preset_to_xml(preset: LabelSetPreset) -> str:
    root = ET.Element("LabelSetImagePreset", {"layers": str(len(preset.groups))})
    for index, group in enumerate(preset.groups):
        layer = ET.SubElement(
            root, "Layer", {"index": str(index), "labels": str(len(group.labels))}
        )
        for label in group.labels:
            layer.append(label_to_xml(label))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write_preset(preset: LabelSetPreset, path: str | os.PathLike) -> None:
    """Write JSON for .json, legacy XML for .lsetp (MITK 2023.04 reads only that), atomically."""
    path = Path(path)
    try:
        preset.validate()
    except ValueError as error:
        raise format_error(path, str(error)) from error
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = preset_to_json(preset)
    elif suffix == ".lsetp":
        text = preset_to_xml(preset)
    else:
        raise format_error(path, "preset files end in .json (MITK JSON) or .lsetp (legacy XML)")
    write_text_atomic(path, text)
