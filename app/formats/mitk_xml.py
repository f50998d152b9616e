"""MITK's XML form of a label (legacy .lsetp presets and pre-2023 segmentation headers).

Facts from MITK's source (mitkMultiLabelIOHelper.cpp / mitkLabelSetIOHelper.cpp and the
property serializers of Modules/SceneSerializationBase, MITK 2023.04): a ``<Label>``
holds one ``<property key=".." type="..">`` per label property, in key order, each with
one value element: ColorProperty ``<color r g b/>``, BoolProperty ``<bool value="true"/>``,
StringProperty ``<string value/>``, FloatProperty ``<float value/>``, and the label value
as UShortProperty ``<unsigned value/>`` (older files: UIntProperty). Floats are written
with 9 significant digits. The reader accepts these and close variations (int/double
elements, 0/1 booleans) and ignores properties it does not know (layer, center.*).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import numpy as np

from ..model.labels import Label
from .errors import format_error

_NUMBER_TAGS = ("unsigned", "int", "uint", "ushort", "float", "double", "string")


def _float_text(value: float) -> str:
    return f"{float(np.float32(value)):.9g}"


def _property_value(element: ET.Element):
    child = next(iter(element), None)
    if child is None:
        return None
    tag = child.tag.lower()
    if tag == "color":
        return tuple(float(child.get(c, "0")) for c in "rgb")
    if tag == "bool":
        return child.get("value", "false").strip().lower() in ("true", "1")
    if tag in _NUMBER_TAGS:
        return child.get("value")
    return None


def label_from_xml(element: ET.Element, path: str | os.PathLike, where: str) -> Label | None:
    """A Label from a ``<Label>`` element; None for MITK's "unlabeled" entry (value 0)."""
    props = {}
    for prop in element.iter("property"):
        key = prop.get("key")
        if key:
            props[key] = _property_value(prop)
    try:
        value = int(float(props["value"]))
    except (KeyError, TypeError, ValueError):
        raise format_error(path, f"{where}: a label has no valid 'value' property") from None
    if value == 0:
        return None
    if not 1 <= value <= 65535:
        raise format_error(path, f"{where}: label value {value} is not in 1..65535")
    try:
        opacity = float(props.get("opacity") if props.get("opacity") is not None else 0.6)
    except ValueError:
        raise format_error(path, f"{where}: label {value} has a bad opacity") from None
    color = props.get("color")
    return Label(
        value,
        str(props.get("name") or f"Label {value}"),
        color if isinstance(color, tuple) else (0.0, 0.0, 0.0),
        opacity,
        bool(props.get("visible", True)),
        bool(props.get("locked", True)),
    )


def _property(parent: ET.Element, key: str, type_name: str, tag: str, **attributes) -> None:
    prop = ET.SubElement(parent, "property", {"key": key, "type": type_name})
    ET.SubElement(prop, tag, attributes)


def label_to_xml(label: Label) -> ET.Element:
    """A ``<Label>`` element as MITK 2023.04 writes it (properties sorted by key)."""
    element = ET.Element("Label")
    r, g, b = (_float_text(c) for c in label.color)
    _property(element, "color", "ColorProperty", "color", r=r, g=g, b=b)
    _property(element, "locked", "BoolProperty", "bool", value=_bool(label.locked))
    _property(element, "name", "StringProperty", "string", value=label.name)
    _property(element, "opacity", "FloatProperty", "float", value=_float_text(label.opacity))
    _property(element, "value", "UShortProperty", "unsigned", value=str(label.value))
    _property(element, "visible", "BoolProperty", "bool", value=_bool(label.visible))
    return element


def _bool(flag: bool) -> str:
    return "true" if flag else "false"
