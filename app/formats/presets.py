"""Label-set presets: MITK's JSON preset (current) and the legacy XML .lsetp.

JSON (MITK 2026.06, MultiLabelIOHelper::SaveMultiLabelSegmentationPreset):
``{"groups":[...],"type":"org.mitk.multilabel.segmentation.preset","version":4}`` with the
same group objects as the segmentation header, printed with 4-space indentation and
sorted keys. XML (MITK 2023.04, SaveLabelSetImagePreset): ``<LabelSetImagePreset
layers="N">`` holding ``<Layer index="i" labels="n">`` elements of ``<Label>``s
(mitk_xml.py); MITK's loader trusts the ``layers``/``labels`` counts, so they are exact.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from ..atomic import write_text_atomic
from ..model.preset import LabelSetPreset, PresetGroup
from .checks import check_group_names, check_labels, check_name, in_range, parse_integer, shown
from .errors import format_error
from .json_text import dump_json, load_json
from .mitk_json import group_to_json, groups_from_json
from .mitk_xml import label_from_xml, label_to_xml
from .paths import display_name

PRESET_TYPE = "org.mitk.multilabel.segmentation.preset"
PRESET_VERSION = 4
_MAX_LAYERS = 65535


def _preset_name(path: Path) -> str:
    name = display_name(path)
    return name[: -len(".preset")] if name.endswith(".preset") else name


def _read_json(path: Path, text: str) -> LabelSetPreset:
    data = load_json(text, path, "preset is")
    if not isinstance(data, dict) or "groups" not in data:
        raise format_error(path, "preset JSON has no 'groups'")
    if data.get("type", PRESET_TYPE) != PRESET_TYPE:
        raise format_error(path, f"JSON type {shown(data.get('type'))} is not an MITK preset")
    in_range(data.get("version", PRESET_VERSION), 1, PRESET_VERSION, path, "preset version")
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

    indices = [
        parse_integer(layer.get("index", str(position)), 0, _MAX_LAYERS, path, "layer index")
        for position, layer in enumerate(layers)
    ]
    groups = []
    for _, layer in sorted(zip(indices, layers, strict=True), key=lambda pair: pair[0]):
        labels = [
            label
            for element in layer.findall("Label")
            if (label := label_from_xml(element, path, f"layer {len(groups)}")) is not None
        ]
        name = layer.get("name")
        if name is not None:
            check_name(name, path, f"layer {len(groups)}: name", empty_ok=True)
        groups.append(PresetGroup(name, labels))
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
    if not preset.groups:
        raise format_error(path, "preset holds no groups")
    try:
        preset.validate()
    except ValueError as error:
        raise format_error(path, str(error)) from error
    return preset


def preset_to_json(preset: LabelSetPreset, path: str | os.PathLike) -> str:
    groups = [group_to_json(g.name, g.labels, {}, PRESET_VERSION) for g in preset.groups]
    data = {"groups": groups, "type": PRESET_TYPE, "version": PRESET_VERSION}
    return dump_json(data, path, indent=4) + "\n"


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
    if not preset.groups:
        raise format_error(path, "a preset needs at least one group")
    check_labels(preset.labels, path)
    check_group_names((group.name for group in preset.groups), path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = preset_to_json(preset, path)
    elif suffix == ".lsetp":
        text = preset_to_xml(preset)
    else:
        raise format_error(path, "preset files end in .json (MITK JSON) or .lsetp (legacy XML)")
    write_text_atomic(path, text)
