"""``demarcate predict`` on the tiny nnU-Net v2 model: the command line end to end, from
an image file to a segmentation file with the model's label names."""

from __future__ import annotations

import numpy as np

from demarcate import formats
from demarcate.cli import main
from demarcate.model import ReferenceImage
from demarcate.model.geometry import Geometry

from .test_nnunet_real import dice, make_image


def test_predict_writes_the_tiny_models_labels(ai_python, tiny_results, tmp_path, capsys,
                                               monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    image, truth = make_image()
    formats.write_image(ReferenceImage(image, Geometry(spacing_xyz=(1.0, 1.0, 2.0))),
                        tmp_path / "ct.nrrd")
    out = tmp_path / "organs.seg.nrrd"
    code = main(["predict", str(tmp_path / "ct.nrrd"), str(out), "--nnunet", str(tiny_results),
                 "--dataset", "Tiny", "--configuration", "3d_fullres", "--folds", "0",
                 "--no-mirroring", "--python", ai_python])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert printed.out.splitlines() == [str(out)]
    assert printed.err.splitlines()[0].startswith("predict ")  # the progress line
    seg = formats.read_segmentation(out, reference=formats.read_image(tmp_path / "ct.nrrd"))
    [group] = seg.groups
    assert {label.value: label.name for label in group.labels} == {1: "liver", 2: "spleen"}
    assert dice(group.array[0], truth, 1) > 0.5 and dice(group.array[0], truth, 2) > 0.5
    assert set(np.unique(group.array).tolist()) <= {0, 1, 2}
