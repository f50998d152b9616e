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

from ..model.labels import MAX_LABEL_VALUE, Label
from .checks import check_color, check_name, parse_integer, parse_number, shown, unit
from .errors import format_error

_VALUE_TAGS = ("unsigned", "int", "uint", "ushort", "float", "double", "string")
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


def _float_text(value: float) -> str:
    return f"{float(np.float32(value)):.9g}"


def _value_elements(element: ET.Element) -> dict[str, ET.Element]:
    """The value element (first child) of each ``<property key="..">``, by key."""
    props = {}
    for prop in element.iter("property"):
        key = prop.get("key")
        child = next(iter(prop), None)
        if key and child is not None:
            props[key] = child
    return props


def _text(child: ET.Element, path: str | os.PathLike, what: str) -> str:
    text = child.get("value")
    if child.tag.lower() not in _VALUE_TAGS or text is None:
        raise format_error(path, f"{what} is an element {shown(child.tag)} without a value")
    return text


def _number(child: ET.Element, path: str | os.PathLike, what: str) -> float:
    return parse_number(_text(child, path, what), path, what)


def _flag(child: ET.Element | None, path: str | os.PathLike, what: str) -> bool:
    if child is None:
        return True  # MITK's default for both 'visible' and 'locked'
    text = child.get("value", "") if child.tag.lower() == "bool" else ""
    flag = _FLAGS.get(text.strip().lower())
    if flag is None:
        raise format_error(path, f"{what} {shown(text)} is not true or false")
    return flag


def _color(child: ET.Element, path: str | os.PathLike, what: str) -> tuple[float, float, float]:
    if child.tag.lower() != "color":
        raise format_error(path, f"{what} is an element {shown(child.tag)}, not 'color'")
    return check_color(
        [parse_number(child.get(c, "0"), path, what) for c in "rgb"], path, what
    )


def label_from_xml(element: ET.Element, path: str | os.PathLike, where: str) -> Label | None:
    """A Label from a ``<Label>`` element; None for MITK's "unlabeled" entry (value 0)."""
    props = _value_elements(element)
    if "value" not in props:
        raise format_error(path, f"{where}: a label has no 'value' property")
    text = _text(props["value"], path, f"{where}: label value")
    value = parse_integer(text, 0, MAX_LABEL_VALUE, path, f"{where}: label value")
    if value == 0:
        return None
    where = f"{where}, label {value}"
    name = (
        check_name(_text(props["name"], path, f"{where}: name"), path, f"{where}: name")
        if "name" in props
        else f"Label {value}"
    )
    color = _color(props["color"], path, f"{where}: colour") if "color" in props else (0, 0, 0)
    opacity = (
        unit(_number(props["opacity"], path, f"{where}: opacity"), path, f"{where}: opacity")
        if "opacity" in props
        else 0.6
    )
    visible = _flag(props.get("visible"), path, f"{where}: 'visible'")
    locked = _flag(props.get("locked"), path, f"{where}: 'locked'")
    return Label(value, name, color, opacity, visible, locked)


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
