"""Label metadata is checked on reading and on writing (issue #16, items 7 and 14).

Every malformed field of every label reader is one FormatError that names the file and
the field, never an OverflowError or ValueError from deep inside, and no writer stores
a value (NaN, an opacity of 1.5, a name with a line break) that its reader refuses.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from demarcate.formats import (
    FormatError,
    read_itksnap_labels,
    read_preset,
    read_segmentation,
    read_suggestions,
    write_itksnap_labels,
    write_preset,
    write_segmentation,
    write_suggestions,
)
from demarcate.formats.nrrd_writer import write_label_nrrd
from demarcate.model import Geometry, Label, LabelSetPreset, PresetGroup, Suggestion

from .conftest import synthetic_segmentation
from .label_files import mitk_file

HUGE = "1" + "0" * 4300  # one digit past Python's int() limit for text


def slicer_file(path, **segment_keys: str):
    array = np.zeros((1, 2, 3, 4), np.uint8)
    array[0, 0, 0, 0] = 1
    keys = {"Segment0_ID": "a", "Segment0_LabelValue": "1", "Segment0_Layer": "0",
            "Segment0_Name": "a", "Segment0_Color": "1 0 0"}
    keys.update(segment_keys)
    write_label_nrrd(path, [array], Geometry(), keys, dtype=np.uint8)
    return path


def legacy_file(path, label_xml: str, **keys: str):
    array = np.zeros((1, 2, 3, 4), np.uint16)
    array[0, 0, 0, 0] = 1
    header = {"modality": "org.mitk.image.multilabel", "layers": "1", "layer_000": "1",
              "org.mitk.label_000_00000": label_xml, **keys}
    write_label_nrrd(path, [array], Geometry(), header)
    return path


def xml_label(value="1", color='r="1" g="0" b="0"', opacity="0.5", name="Liver",
              visible="true") -> str:
    return (
        "<Label>"
        f'<property key="color" type="ColorProperty"><color {color}/></property>'
        f'<property key="name" type="StringProperty"><string value="{name}"/></property>'
        f'<property key="opacity" type="FloatProperty"><float value="{opacity}"/></property>'
        f'<property key="value" type="UShortProperty"><unsigned value="{value}"/></property>'
        f'<property key="visible" type="BoolProperty"><bool value="{visible}"/></property>'
        "</Label>"
    )


def lsetp(label_xml: str) -> str:
    layer = f'<Layer index="0">{label_xml}</Layer>'
    return f'<LabelSetImagePreset layers="1">{layer}</LabelSetImagePreset>'


def json_label(**fields: str) -> str:
    """MITK label-group JSON with one label; each field is given as raw JSON text, so a
    test can write what json.dumps never would (NaN, 4,301 digits)."""
    entry = {"value": "1", "name": '"Liver"', "color": "[1,0,0]", "opacity": "0.5", **fields}
    return '[{"labels":[{' + ",".join(f'"{k}":{v}' for k, v in entry.items()) + "}]}]"


def preset_json(**fields: str) -> str:
    return '{"groups":' + json_label(**fields) + ',"version":4}'


def itksnap(line: str) -> str:
    return '    0     0    0    0  0.00  0   0    "Clear"\n' + line + "\n"


def seg_json(**fields: str):
    return lambda path: mitk_file(path, json_label(**fields))


def seg_keys(**keys: str):
    return lambda path: mitk_file(path, json_label(), **keys)


def legacy(label_xml: str | None = None, **keys: str):
    return lambda path: legacy_file(path, label_xml or xml_label(), **keys)


def slicer(**keys: str):
    return lambda path: slicer_file(path, **keys)


def text(content: str):
    return lambda path: path.write_text(content, encoding="utf-8")


VERSION = "org.mitk.multilabel.segmentation.version"
LOCK = "org.mitk.multilabel.segmentation.unlabeledlabellock"
TIME_POINTS = "org_mitk_timegeometry_timepoints"
BAD_RGB = 'r="abc" g="0" b="0"'

# (reader, file name, how to make the file, words the message must hold)
MALFORMED = [
    # MITK label JSON in the segmentation header
    ("seg", "nan.nrrd", seg_json(opacity="NaN"), "NaN is not a JSON number"),
    ("seg", "inf.nrrd", seg_json(opacity="1e999"), "the number 1e999 is out of range"),
    ("seg", "opacity.nrrd", seg_json(opacity="1.5"), "label 1: opacity 1.5 is not in 0..1"),
    ("seg", "colour.nrrd", seg_json(color="[2,0,0]"), "colour 2 is not in 0..1"),
    ("seg", "colour_text.nrrd", seg_json(color='["a",0,0]'), "colour 'a' is not a number"),
    ("seg", "digits.nrrd", seg_json(value=HUGE), "has 4301 digits"),
    ("seg", "empty_name.nrrd", seg_json(name='""'), "label 1: name is empty"),
    ("seg", "control.nrrd", seg_json(name='"a\\nb"'), "holds the control character U+000A"),
    ("seg", "flag.nrrd", seg_json(visible='"yes"'), "'visible' 'yes' is not true or false"),
    ("seg", "nan_time.nrrd", seg_keys(**{TIME_POINTS: "0 nan"}),
     "time point 'nan' is not a finite number"),
    ("seg", "time_order.nrrd", seg_keys(**{TIME_POINTS: "5 2"}), "do not increase"),
    ("seg", "lock.nrrd", seg_keys(**{LOCK: "maybe"}), "'maybe' is not 0 or 1"),
    ("seg", "version.nrrd", seg_keys(**{VERSION: HUGE}), "version '1000"),
    # pre-2023 MITK: one XML label per header key
    ("seg", "legacy_inf.nrrd", legacy(xml_label(value="inf")),
     "label value 'inf' is not an integer"),
    ("seg", "legacy_rgb.nrrd", legacy(xml_label(color=BAD_RGB)), "colour 'abc' is not a number"),
    ("seg", "legacy_layers.nrrd", legacy(layers=HUGE), "'layers' count '1000"),
    ("seg", "legacy_count.nrrd", legacy(layer_000="\u00b2"), "label count of layer 0"),
    # Slicer segment keys
    ("seg", "value.seg.nrrd", slicer(Segment0_LabelValue=HUGE), "Segment0_LabelValue '1000"),
    ("seg", "color.seg.nrrd", slicer(Segment0_Color="abc 0 0"),
     "Segment0_Color 'abc' is not a number"),
    ("seg", "range.seg.nrrd", slicer(Segment0_Color="255 0 0"),
     "Segment0_Color 255 is not in 0..1"),
    ("seg", "name.seg.nrrd", slicer(Segment0_Name="a\x07b"), "control character U+0007"),
    ("seg", "layer.seg.nrrd", slicer(Segment0_Layer="3"), "Segment0_Layer 3 is not in 0..0"),
    ("seg", "twice.seg.nrrd",
     slicer(Segment1_ID="b", Segment1_LabelValue="1", Segment1_Layer="0"),
     "group 0 describes label value 1 twice"),
    # presets: MITK JSON and legacy XML
    ("preset", "nan.json", text(preset_json(opacity="NaN")), "NaN is not a JSON number"),
    ("preset", "digits.json", text(preset_json(value=HUGE)), "has 4301 digits"),
    ("preset", "colour.json", text(preset_json(color="[0,-1,0]")), "colour -1 is not in 0..1"),
    ("preset", "nothing.json", text('{"groups":[],"version":4}'), "preset holds no groups"),
    ("preset", "version.json", text('{"groups":[{}],"version":true}'), "version True is not in"),
    ("preset", "inf.lsetp", text(lsetp(xml_label(value="inf"))),
     "label value 'inf' is not an integer"),
    ("preset", "digits.lsetp", text(lsetp(xml_label(value=HUGE))), "label value '1000"),
    ("preset", "rgb.lsetp", text(lsetp(xml_label(color=BAD_RGB))), "colour 'abc' is not a number"),
    ("preset", "opacity.lsetp", text(lsetp(xml_label(opacity="nan"))),
     "opacity 'nan' is not a finite number"),
    ("preset", "flag.lsetp", text(lsetp(xml_label(visible="maybe"))),
     "'visible' 'maybe' is not true or false"),
    ("preset", "name.lsetp", text(lsetp(xml_label(name="a&#10;b"))), "control character U+000A"),
    ("preset", "index.lsetp", text(lsetp(xml_label()).replace('index="0"', f'index="{HUGE}"')),
     "layer index '1000"),
    # ITK-SNAP label descriptions
    ("itksnap", "digits.txt", text(itksnap(f'{HUGE} 1 2 3 1 1 1 "a"')), "line 2: index '1000"),
    ("itksnap", "red.txt", text(itksnap('1 abc 2 3 1 1 1 "a"')),
     "line 2: colour 'abc' is not an integer"),
    ("itksnap", "range.txt", text(itksnap('1 256 2 3 1 1 1 "a"')), "colour 256 is not in 0..255"),
    ("itksnap", "alpha.txt", text(itksnap('1 1 2 3 nan 1 1 "a"')),
     "alpha 'nan' is not a finite number"),
    ("itksnap", "alpha2.txt", text(itksnap('1 1 2 3 1.5 1 1 "a"')), "alpha 1.5 is not in 0..1"),
    ("itksnap", "flag.txt", text(itksnap('1 1 2 3 1 2 1 "a"')), "VIS/MSH 2 is not in 0..1"),
    ("itksnap", "quote.txt", text(itksnap('1 1 2 3 1 1 1 "a')), "no closing quote"),
    ("itksnap", "empty_name.txt", text(itksnap('1 1 2 3 1 1 1 ""')), "label name is empty"),
    ("itksnap", "twice.txt", text(itksnap('1 1 2 3 1 1 1 "a"\n1 1 2 3 1 1 1 "b"')),
     "line 3: index 1 is used twice (first on line 2)"),
    ("itksnap", "empty.txt", text("# nothing here\n"), "describes no labels"),
    ("itksnap", "clear_only.txt", text(itksnap("")), "describes no labels"),
    # suggestions
    ("suggestions", "nan.json", text('[{"name": "A", "x": NaN}]'), "NaN is not a JSON number"),
    ("suggestions", "name.json", text('[{"name": " "}]'), "entry 0: name is empty"),
    ("suggestions", "control.json", text('[{"name": "a\\u0007"}]'), "control character U+0007"),
    ("suggestions", "digits.json", text(f'[{{"name": "A", "n": {HUGE}}}]'), "has 4301 digits"),
]
READERS = {
    "seg": read_segmentation,
    "preset": read_preset,
    "itksnap": read_itksnap_labels,
    "suggestions": read_suggestions,
}


@pytest.mark.parametrize(("reader", "name", "make", "message"), MALFORMED,
                         ids=[f"{reader}-{name}" for reader, name, _, _ in MALFORMED])
def test_malformed_field_is_one_format_error_naming_file_and_field(tmp_path, reader, name,
                                                                   make, message):
    path = tmp_path / name
    make(path)
    with pytest.raises(FormatError) as caught:
        READERS[reader](path)
    text = str(caught.value)
    assert text.startswith(f"{path}: "), text
    assert message in text, text
    assert "\n" not in text and len(text) < 300 + len(str(path)), text


def test_segment_number_of_thousands_of_digits_is_a_plain_header_key(tmp_path):
    """Slicer writes no such key; it is kept verbatim instead of reaching int()."""
    path = slicer_file(tmp_path / "s.seg.nrrd", **{f"Segment{HUGE}_Name": "x"})
    seg = read_segmentation(path)
    assert [label.name for label in seg.labels] == ["a"]
    assert seg.extra_header[f"Segment{HUGE}_Name"] == "x"


def test_xml_preset_variants_that_mitk_writes_still_load(tmp_path):
    path = tmp_path / "ok.lsetp"
    path.write_text(lsetp(xml_label(visible="0", opacity="1", color='r="0" g="0.5" b="1"')))
    (label,) = read_preset(path).labels
    assert (label.visible, label.opacity, label.color) == (False, 1.0, (0.0, 0.5, 1.0))


# --- writing: labels made in memory bypass the readers ------------------------------

BAD_LABELS = [
    pytest.param(Label(1, "A", opacity=math.nan), "opacity nan is not a finite", id="nan"),
    pytest.param(Label(1, "A", opacity=1.5), "opacity 1.5 is not in 0..1", id="opacity"),
    pytest.param(Label(1, "A", color=(0, math.inf, 0)), "colour inf is not a finite", id="inf"),
    pytest.param(Label(1, "A", color=(2, 0, 0)), "colour 2 is not in 0..1", id="colour"),
    pytest.param(Label(1, ""), "name is empty", id="empty"),
    pytest.param(Label(1, "two\nlines"), "control character U+000A", id="newline"),
    pytest.param(Label(1, "a\u2028b"), "control character U+2028", id="separator"),
]
TARGETS = ["seg.nrrd", "seg.seg.nrrd", "preset.json", "preset.lsetp", "labels.txt"]


def _write(target, labels, path):
    if target.startswith("seg"):
        seg = synthetic_segmentation(groups=1)
        seg.groups[0].labels[0] = labels[0]
        write_segmentation(seg, path, mitk_version=4)
    elif target.startswith("preset"):
        write_preset(LabelSetPreset([PresetGroup("g", labels)]), path)
    else:
        write_itksnap_labels(labels, path)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("label", "message"), BAD_LABELS)
def test_writers_refuse_what_their_readers_refuse(tmp_path, target, label, message):
    path = tmp_path / target
    with pytest.raises(FormatError, match=re.escape(message)) as caught:
        _write(target, [label], path)
    assert str(caught.value).startswith(str(path))
    assert not path.exists()


def test_writers_refuse_duplicate_values_and_empty_label_files(tmp_path):
    twins = [Label(3, "a"), Label(3, "b")]
    with pytest.raises(FormatError, match="label value 3 is used more than once"):
        write_itksnap_labels(twins, tmp_path / "twins.txt")
    with pytest.raises(FormatError, match="no labels to write"):
        write_itksnap_labels([], tmp_path / "none.txt")
    with pytest.raises(FormatError, match="at least one group"):
        write_preset(LabelSetPreset([]), tmp_path / "none.json")
    with pytest.raises(FormatError, match="entry 0: name"):
        write_suggestions([Suggestion("bad\tname")], tmp_path / "s.json")
    assert not list(tmp_path.iterdir())


def test_mitk_writer_refuses_a_nan_time_step(tmp_path):
    seg = synthetic_segmentation(groups=1, time_steps=2)
    seg.geometry = Geometry(seg.geometry.spacing_xyz, seg.geometry.origin_xyz,
                            seg.geometry.direction, math.nan)
    with pytest.raises(FormatError, match="time step nan ms is not a positive finite number"):
        write_segmentation(seg, tmp_path / "t.nrrd", mitk_version=4)
    assert not (tmp_path / "t.nrrd").exists()
