"""Label-set presets (MITK JSON and legacy XML), suggestions and ITK-SNAP descriptions."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from demarcate.formats import (
    FormatError,
    read_itksnap_labels,
    read_preset,
    read_suggestions,
    write_itksnap_labels,
    write_preset,
    write_suggestions,
)
from demarcate.model import Label, LabelSetPreset, PresetGroup, Suggestion

from .conftest import assert_same_labels, real

PRESETS = Path(__file__).resolve().parents[2] / "presets"


def test_real_json_preset_round_trips_byte_for_byte(data, tmp_path):
    source = real(data, "seg/mitk/ct3slice_2groups.preset.json")
    preset = read_preset(source)
    assert preset.name == "ct3slice_2groups"
    assert [g.name for g in preset.groups] == ["abdomen", "heart (overlaps liver)"]
    assert [x.name for x in preset.labels] == ["Liver", "Spine", "Heart"]
    write_preset(preset, tmp_path / "copy.json")
    assert (tmp_path / "copy.json").read_bytes() == source.read_bytes()


def _preset() -> LabelSetPreset:
    return LabelSetPreset(
        [
            PresetGroup(
                "Group 0",
                [
                    Label(1, "Liver", (1.0, 0.0, 0.0), 0.6, True, True),
                    Label(2, "Spleen & <co>", (0.0, 0.5, 1.0), 0.3, False, False),
                ],
            ),
            PresetGroup("Group 1", [Label(7, "Lesion", (1.0, 0.85, 0.0))]),
        ],
        "mine",
    )


def test_xml_preset_round_trip_and_mitk_element_names(tmp_path):
    preset = _preset()
    write_preset(preset, tmp_path / "mine.lsetp")
    root = ET.parse(tmp_path / "mine.lsetp").getroot()
    assert root.tag == "LabelSetImagePreset" and root.get("layers") == "2"
    layer = root.find("Layer")
    assert (layer.get("index"), layer.get("labels")) == ("0", "2")
    props = {p.get("key"): p for p in layer.find("Label").findall("property")}
    assert list(props) == ["color", "locked", "name", "opacity", "value", "visible"]
    assert props["color"].get("type") == "ColorProperty"
    assert props["color"].find("color").attrib == {"r": "1", "g": "0", "b": "0"}
    assert props["value"].find("unsigned").get("value") == "1"
    assert props["locked"].find("bool").get("value") == "true"
    back = read_preset(tmp_path / "mine.lsetp")
    assert_same_labels(back.labels, preset.labels)
    assert [g.name for g in back.groups] == [None, None]  # XML presets have no group names


def test_xml_preset_variations_are_accepted(tmp_path):
    text = """<?xml version="1.0"?>
<LabelSetImagePreset layers="1"><Layer index="0" labels="2">
 <Label>
  <property key="name" type="StringProperty"><string value="Exterior"/></property>
  <property key="value" type="UIntProperty"><unsigned value="0"/></property>
 </Label>
 <Label>
  <property key="center.index" type="Point3dProperty"><point x="0" y="0" z="0"/></property>
  <property key="color" type="ColorProperty"><color r="0.5" g="0.25" b="1"/></property>
  <property key="locked" type="BoolProperty"><bool value="0"/></property>
  <property key="name" type="StringProperty"><string value="Liver"/></property>
  <property key="opacity" type="DoubleProperty"><double value="0.4"/></property>
  <property key="value" type="UIntProperty"><unsigned value="3"/></property>
 </Label>
</Layer></LabelSetImagePreset>"""
    (tmp_path / "old.lsetp").write_text(text)
    (label,) = read_preset(tmp_path / "old.lsetp").labels
    assert (label.value, label.name, label.color, label.locked) == (
        3,
        "Liver",
        (0.5, 0.25, 1.0),
        False,
    )
    assert label.opacity == pytest.approx(0.4) and label.visible


def test_json_preset_round_trip(tmp_path):
    write_preset(_preset(), tmp_path / "mine.json")
    data = json.loads((tmp_path / "mine.json").read_text())
    assert data["type"] == "org.mitk.multilabel.segmentation.preset" and data["version"] == 4
    back = read_preset(tmp_path / "mine.json")
    assert [g.name for g in back.groups] == ["Group 0", "Group 1"]
    assert_same_labels(back.labels, _preset().labels)


def test_bad_presets(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(FormatError, match="bad.json: preset is not valid JSON"):
        read_preset(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text('{"type": "something", "groups": []}')
    with pytest.raises(FormatError, match="not an MITK preset"):
        read_preset(tmp_path / "other.json")
    (tmp_path / "dup.json").write_text(
        '{"groups":[{"labels":[{"value":1}]},{"labels":[{"value":1}]}],"version":4}'
    )
    with pytest.raises(FormatError, match="more than once"):
        read_preset(tmp_path / "dup.json")
    (tmp_path / "bad.lsetp").write_text("<LabelSetImagePreset><Layer>")
    with pytest.raises(FormatError, match="not valid XML"):
        read_preset(tmp_path / "bad.lsetp")
    with pytest.raises(FormatError, match=r"\.json .* \.lsetp"):
        write_preset(_preset(), tmp_path / "preset.txt")


@pytest.mark.parametrize("name", ["abdominal_organs", "brain_tissue", "thorax"])
def test_shipped_presets(name):
    preset = read_preset(PRESETS / f"{name}.json")
    assert len(preset.labels) >= 4
    assert len({label.color for label in preset.labels}) == len(preset.labels)


def test_shipped_lsetp_preset():
    (lsetp,) = PRESETS.glob("*.lsetp")
    preset = read_preset(lsetp)
    assert_same_labels(preset.labels, read_preset(lsetp.with_suffix(".json")).labels)


def test_suggestions_round_trip(tmp_path):
    (tmp_path / "s.json").write_text('[{"name": "Liver", "color": "#ff8000"}, {"name": "Spleen"}]')
    suggestions = read_suggestions(tmp_path / "s.json")
    assert suggestions == [Suggestion("Liver", (1.0, 128 / 255, 0.0)), Suggestion("Spleen")]
    write_suggestions(suggestions, tmp_path / "t.json")
    assert json.loads((tmp_path / "t.json").read_text()) == [
        {"name": "Liver", "color": "#ff8000"},
        {"name": "Spleen"},
    ]
    for bad, message in (
        ("{}", "JSON list"),
        ('[{"color": "#fff000"}]', "no text 'name'"),
        ('[{"name": "A", "color": "red"}]', "not #rrggbb"),
        ("[", "valid JSON"),
    ):
        (tmp_path / "bad.json").write_text(bad)
        with pytest.raises(FormatError, match=message):
            read_suggestions(tmp_path / "bad.json")


def test_real_itksnap_labels(data, tmp_path):
    labels = read_itksnap_labels(real(data, "seg/itksnap/MRIcrop-seg.label"))
    assert len(labels) == 11 and labels[0].value == 1 and labels[0].name == "vent-lat"
    assert labels[0].color == pytest.approx((0.0, 30 / 255, 1.0))
    assert labels[-1].name == "arteries" and labels[0].opacity == 1.0
    write_itksnap_labels(labels, tmp_path / "copy.label")
    text = (tmp_path / "copy.label").read_text()
    assert text.startswith("####") and '"Clear"' in text
    assert_same_labels(read_itksnap_labels(tmp_path / "copy.label"), labels)


def test_itksnap_hidden_labels_and_quotes(tmp_path):
    labels = [Label(4, 'Tumour "core"', (1, 0.5, 0), opacity=0.5, visible=False)]
    write_itksnap_labels(labels, tmp_path / "x.txt")
    (back,) = read_itksnap_labels(tmp_path / "x.txt")
    assert (back.name, back.visible, back.opacity) == ('Tumour "core"', False, 0.5)
    (tmp_path / "bad.txt").write_text("1 2 3\n")
    with pytest.raises(FormatError, match="bad.txt: line 1"):
        read_itksnap_labels(tmp_path / "bad.txt")
