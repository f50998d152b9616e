"""One line of a NRRD header that is not UTF-8 does not garble the others.

MITK copies DICOM tags into its header byte for byte; one latin-1 tag made the whole
header decode as latin-1, so "Läsion" read as "LÃ¤sion" and the next save wrote that.
"""

from __future__ import annotations

from demarcate.formats import read_segmentation, write_segmentation

from .conftest import synthetic_segmentation


def test_latin1_line_keeps_utf8_label_names(tmp_path):
    seg = synthetic_segmentation(groups=1)
    seg.groups[0].labels[0].name = "Läsion"
    path = tmp_path / "seg.nrrd"
    write_segmentation(seg, path, mitk_version=4)
    blob = path.read_bytes()
    path.write_bytes(blob.replace(b"\n\n", b"\nDICOM_0010_0010:=M\xfcller^J\xf6rg\n\n", 1))

    read = read_segmentation(path)
    assert read.groups[0].labels[0].name == "Läsion"
    assert read.extra_header["DICOM_0010_0010"] == "Müller^Jörg"

    write_segmentation(read, tmp_path / "again.nrrd", mitk_version=4)
    again = read_segmentation(tmp_path / "again.nrrd")
    assert again.groups[0].labels[0].name == "Läsion"
    assert again.extra_header["DICOM_0010_0010"] == "Müller^Jörg"
    assert "Läsion".encode() in (tmp_path / "again.nrrd").read_bytes()
