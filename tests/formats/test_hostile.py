"""Hostile sizes (issue #16, items 11, 12 and 13): small files that declare huge images,
JSON and XML nested thousands of levels deep, megabyte-long label names.

Each must end in a FormatError (or a correct load) quickly and without a traceback.
"""

from __future__ import annotations

import gzip
import json
import resource
import struct
import time

import numpy as np
import pytest

from demarcate.formats import (
    FormatError,
    read_image,
    read_itksnap_labels,
    read_preset,
    read_segmentation,
    read_suggestions,
    write_segmentation,
)
from demarcate.formats.json_text import MAX_DEPTH
from demarcate.formats.nrrd_writer import write_label_nrrd
from demarcate.formats.size_check import (
    available_memory,
    check_declared_size,
    check_fits_in_memory,
)
from demarcate.model import Geometry

from .conftest import real
from .label_files import mitk_file

NIFTI_FLOAT64, NIFTI_INT16 = 64, 4


def nifti(dims: tuple[int, ...], datatype: int, bitpix: int, voxels: bytes = b"") -> bytes:
    """A single-file NIfTI-1 (.nii) image: the 348-byte header, 4 extension bytes, voxels."""
    header = bytearray(348)
    struct.pack_into("<i", header, 0, 348)
    struct.pack_into("<8h", header, 40, len(dims), *dims, *[1] * (7 - len(dims)))
    struct.pack_into("<hh", header, 70, datatype, bitpix)
    struct.pack_into("<8f", header, 76, 1.0, *[1.0] * 7)  # qfac, then the spacings
    struct.pack_into("<f", header, 108, 352.0)  # vox_offset
    header[344:348] = b"n+1\0"
    return bytes(header) + bytes(4) + voxels


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def _refused_quickly(read, pattern: str) -> None:
    """``read()`` raises a FormatError matching ``pattern`` within a second of CPU time
    and without growing the process by the memory the file declares."""
    before, start = _peak_rss_bytes(), time.process_time()
    with pytest.raises(FormatError, match=pattern):
        read()
    assert time.process_time() - start < 1.0
    assert _peak_rss_bytes() - before < 64 << 20


# --- item 11: declared sizes --------------------------------------------------------------


def test_gigabytes_declared_by_a_tiny_file_are_refused_with_the_size(tmp_path):
    """The issue's file: 1024³ int16 in a gzip of a few dozen bytes."""
    path = tmp_path / "huge.nii.gz"
    path.write_bytes(gzip.compress(nifti((1024, 1024, 1024), NIFTI_INT16, 16)))
    assert path.stat().st_size < 600
    with pytest.raises(FormatError) as caught:
        check_declared_size(path, available_bytes=1 << 30)
    assert str(caught.value) == (
        f"{path}: declares 1024 x 1024 x 1024 voxels of 16-bit signed integer (2.0 GiB); "
        "reading it needs about 4.0 GiB of memory and 1.0 GiB is available"
    )


def test_more_than_any_memory_is_refused_quickly_without_allocating(tmp_path):
    path = tmp_path / "larger.nii.gz"
    path.write_bytes(gzip.compress(nifti((32767, 32767, 32767), NIFTI_FLOAT64, 64)))
    _refused_quickly(lambda: check_declared_size(path),
                     r"32767 x 32767 x 32767 voxels of 64-bit float "
                     r"\(256\.0 TiB\); reading it needs about 512\.0 TiB")


def test_a_vector_image_counts_its_components(tmp_path):
    path = tmp_path / "rgb.nrrd"
    write_label_nrrd(path, [np.zeros((1, 2, 3, 4), np.uint16)] * 3, Geometry(), {})
    with pytest.raises(FormatError, match=r"4 x 3 x 2 voxels x 3 components of vector of 16-bit"):
        check_declared_size(path, available_bytes=100)
    check_declared_size(path, available_bytes=2 * 3 * 24 * 2)


def test_a_reader_with_its_own_header_parser_checks_the_sizes_it_parsed(tmp_path):
    with pytest.raises(FormatError, match=r"x.nrrd: declares 512 x 512 x 300 voxels of int16 "
                                          r"\(150\.0 MiB\); reading it needs about 300\.0 MiB"):
        check_fits_in_memory(tmp_path / "x.nrrd", (512, 512, 300), 2, "int16",
                             available_bytes=200 << 20)
    check_fits_in_memory(tmp_path / "x.nrrd", (512, 512, 300), 2, "int16",
                         available_bytes=300 << 20)


def test_files_that_fit_pass_and_unreadable_headers_are_left_to_the_reader(data, tmp_path):
    assert available_memory() is None or available_memory() > 0
    for relative in ("ct/example_ct_sm.nii.gz", "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd",
                     "seg/itksnap/MRIcrop-seg.gipl.gz", "dicom/single/CT_small.dcm"):
        check_declared_size(real(data, relative))
    (tmp_path / "text.nii").write_text("not an image")
    check_declared_size(tmp_path / "text.nii")  # read_sitk reports it in its own words
    small = tmp_path / "small.nii"
    small.write_bytes(nifti((2, 3, 4), NIFTI_INT16, 16, bytes(48)))
    with pytest.raises(FormatError, match=r"\(48 bytes\); reading it needs about 96 bytes"):
        check_declared_size(small, available_bytes=95)
    check_declared_size(small, available_bytes=96)


def _huge_nrrd(path) -> None:
    path.write_bytes(b"NRRD0004\ntype: double\ndimension: 3\nsizes: 32767 32767 32767\n"
                     b"encoding: gzip\nendian: little\n\n" + gzip.compress(b""))


@pytest.mark.parametrize("name, make", [
    pytest.param("huge.nii.gz", lambda p: p.write_bytes(
        gzip.compress(nifti((32767, 32767, 32767), NIFTI_FLOAT64, 64))), id="nifti"),
    pytest.param("huge.nrrd", _huge_nrrd, id="nrrd"),
])
@pytest.mark.parametrize("reader", [read_image, read_segmentation], ids=["image", "segmentation"])
def test_the_readers_a_user_reaches_refuse_the_size_before_allocating(tmp_path, name, make,
                                                                      reader):
    """Opening such a file as an image or a segmentation ends in the size message, in
    well under a second and without touching the memory it declares."""
    path = tmp_path / name
    make(path)
    _refused_quickly(lambda: reader(path), r"declares 32767 x 32767 x 32767 voxels of "
                                            r"(64-bit float|float64) \(256\.0 TiB\)")


# --- item 12: nesting ---------------------------------------------------------------------


DEEP = "[" * 5000 + "]" * 5000
NESTED = [
    pytest.param("seg.nrrd", lambda p: mitk_file(p, DEEP), read_segmentation, id="mitk-groups"),
    pytest.param("extra.nrrd", lambda p: mitk_file(p, f'[{{"labels":[{{"value":1,"x":{DEEP}}}]}}]'),
                 read_segmentation, id="mitk-label-extra"),
    pytest.param("p.json", lambda p: p.write_text(f'{{"groups":{DEEP}}}'), read_preset,
                 id="preset"),
    pytest.param("s.json", lambda p: p.write_text(DEEP), read_suggestions, id="suggestions"),
    pytest.param("big.json", lambda p: p.write_text("[" * 1_000_000 + "]" * 1_000_000),
                 read_suggestions, id="million-levels"),
]


@pytest.mark.parametrize(("name", "make", "reader"), NESTED)
def test_deep_json_nesting_is_one_format_error(tmp_path, name, make, reader):
    path = tmp_path / name
    make(path)
    with pytest.raises(FormatError, match=f"nested deeper than {MAX_DEPTH} levels") as caught:
        reader(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps([{"name": "[" * 5000 + "{" * 5000}]))
    assert read_suggestions(path)[0].name == "[" * 5000 + "{" * 5000


def test_nesting_within_the_bound_round_trips(tmp_path):
    """A label's custom property nested 60 levels deep is kept through a write and read."""
    deep = json.loads("[" * 60 + "1" + "]" * 60)
    labels = json.dumps([{"labels": [{"value": 1, "custom": deep}]}])
    seg = read_segmentation(mitk_file(tmp_path / "deep.nrrd", labels))
    write_segmentation(seg, tmp_path / "again.nrrd", mitk_version=4)
    assert read_segmentation(tmp_path / "again.nrrd").labels[0].extra["custom"] == deep


def test_deep_xml_preset_is_read_without_recursion(tmp_path):
    path = tmp_path / "deep.lsetp"
    path.write_text(
        '<LabelSetImagePreset><Layer index="0">' + "<a>" * 5000 + "</a>" * 5000
        + '<Label><property key="value"><unsigned value="4"/></property></Label>'
        + "</Layer></LabelSetImagePreset>"
    )
    assert [label.value for label in read_preset(path).labels] == [4]


def test_xml_entity_expansion_is_refused(tmp_path):
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    path = tmp_path / "laughs.lsetp"
    path.write_text(
        f"<?xml version='1.0'?><!DOCTYPE p [{entities}]><LabelSetImagePreset><Layer><Label>"
        '<property key="name"><string value="&i;"/></property>'
        '<property key="value"><unsigned value="3"/></property></Label></Layer>'
        "</LabelSetImagePreset>"
    )
    with pytest.raises(FormatError, match="preset is not valid XML"):
        read_preset(path)


# --- item 13: megabyte names --------------------------------------------------------------

MEGABYTE = 1 << 20


def _itksnap_line(name: str) -> str:
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'    1   255    0    0     1.00  1  1    "{quoted}"\n'


LONG_NAMES = [
    pytest.param("x" * MEGABYTE, id="plain"),
    pytest.param('a "quoted" \\ name, ' * (MEGABYTE // 20), id="escapes"),
    pytest.param("\\" * MEGABYTE, id="backslashes"),
]


@pytest.mark.parametrize("name", LONG_NAMES)
def test_itksnap_megabyte_label_name_parses_in_linear_time(tmp_path, name):
    """Measured in CPU time, not wall time, so a loaded machine does not fail it: the old
    reader (shlex) spent 48-54 s on one such line, a linear one takes milliseconds."""
    path = tmp_path / "long.label"
    path.write_text(_itksnap_line(name), encoding="utf-8")
    start = time.process_time()
    (label,) = read_itksnap_labels(path)
    assert time.process_time() - start < 1.0
    assert label.name == name


@pytest.mark.parametrize(
    ("suffix", "reader", "content"),
    [
        (".json", read_preset,
         lambda n: json.dumps({"groups": [{"labels": [{"value": 1, "name": n}]}]})),
        (".lsetp", read_preset,
         lambda n: '<LabelSetImagePreset><Layer><Label><property key="name"><string value="'
         + n + '"/></property><property key="value"><unsigned value="1"/></property>'
         "</Label></Layer></LabelSetImagePreset>"),
        (".json", read_suggestions, lambda n: json.dumps([{"name": n}])),
    ],
    ids=["preset-json", "preset-xml", "suggestions"],
)
def test_other_label_readers_take_megabyte_names_in_linear_time(tmp_path, suffix, reader,
                                                                content):
    path = tmp_path / f"long{suffix}"
    path.write_text(content("y" * MEGABYTE))
    start = time.process_time()
    reader(path)
    assert time.process_time() - start < 1.0
