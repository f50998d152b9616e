"""``demarcate predict`` with the fake model (tests/ai/fake_model.py, through the hidden
--adapter) in a real worker: every output format with named labels, extra channels, the
cache, and one-line failures. The real nnU-Net run of the command is in tests/ai_real."""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest

from demarcate import formats
from demarcate.ai import predict_command
from demarcate.ai.client import Prediction
from demarcate.cli import main
from demarcate.model import ReferenceImage
from demarcate.model.geometry import Geometry

from .conftest import FAKE_MODEL
from .fake_model import NAMES, threshold

GEOMETRY = Geometry(spacing_xyz=(0.8, 0.9, 2.5), origin_xyz=(-10.0, 4.0, 30.0))


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def write_image(path, seed=1, shape=(6, 10, 12), geometry=GEOMETRY):
    array = np.random.default_rng(seed).random(shape, dtype=np.float32)
    formats.write_image(ReferenceImage(array[None], geometry), path)
    return array


def predict(*args):
    return main(["predict", *map(str, args), "--python", sys.executable])


@pytest.mark.parametrize("suffix", [".nrrd", ".seg.nrrd", ".nii.gz"])
def test_writes_named_labels_in_one_group(tmp_path, capsys, suffix):
    array = write_image(tmp_path / "ct.nrrd")
    out = tmp_path / f"result{suffix}"
    assert predict(tmp_path / "ct.nrrd", out, "--adapter", FAKE_MODEL, "--no-cache") == 0
    printed = capsys.readouterr()
    assert str(out) in printed.out.splitlines()
    assert "predict" in printed.err  # the progress line
    image = formats.read_image(tmp_path / "ct.nrrd")
    seg = formats.read_segmentation(out, reference=image)
    [group] = seg.groups
    np.testing.assert_array_equal(group.array[0], threshold(array[None], 0.5, 0.8))
    assert seg.geometry.matches(image.geometry)
    if suffix == ".nii.gz":  # a label map holds no names: they go beside it
        names = tmp_path / "result.txt"
        assert str(names) in printed.out.splitlines()
        labels = formats.read_itksnap_labels(names)
    else:
        labels = group.labels
    assert {label.value: label.name for label in labels} == NAMES


def test_extra_channels_reach_the_model_in_order(tmp_path):
    first = write_image(tmp_path / "t2.nrrd", seed=1)
    second = write_image(tmp_path / "adc.nrrd", seed=2)
    out = tmp_path / "out.nrrd"
    assert predict(tmp_path / "t2.nrrd", out, "--channel", tmp_path / "adc.nrrd",
                   "--adapter", FAKE_MODEL, "--no-cache") == 0
    seg = formats.read_segmentation(out)
    np.testing.assert_array_equal(seg.groups[0].array[0],
                                  threshold(np.stack([first, second]), 0.5, 0.8))


def test_the_same_run_again_comes_from_the_cache(tmp_path):
    write_image(tmp_path / "ct.nrrd")
    for name in ("one.nrrd", "two.nrrd"):
        assert predict(tmp_path / "ct.nrrd", tmp_path / name, "--adapter", FAKE_MODEL) == 0
    entries = list((tmp_path / "xdg-cache").rglob("*.labels"))
    assert len(entries) == 1
    one = formats.read_segmentation(tmp_path / "one.nrrd")
    two = formats.read_segmentation(tmp_path / "two.nrrd")
    np.testing.assert_array_equal(one.groups[0].array, two.groups[0].array)


def test_a_channel_off_the_grid_is_refused_before_any_worker(tmp_path, capsys):
    write_image(tmp_path / "ct.nrrd")
    write_image(tmp_path / "other.nrrd", geometry=Geometry(spacing_xyz=(1.0, 1.0, 1.0)))
    assert predict(tmp_path / "ct.nrrd", tmp_path / "out.nrrd", "--channel",
                   tmp_path / "other.nrrd", "--adapter", FAKE_MODEL) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "other.nrrd is not on the grid of" in err[0]
    assert not (tmp_path / "out.nrrd").exists()


def nnunet_results(root, channels=("CT",)):
    folder = root / "Dataset003_Organs" / "nnUNetTrainer__nnUNetPlans__3d_fullres"
    (folder / "fold_0").mkdir(parents=True)
    (folder / "fold_0" / "checkpoint_final.pth").write_bytes(b"")
    (folder / "plans.json").write_text("{}")
    (folder / "dataset.json").write_text(json.dumps({
        "channel_names": {str(i): c for i, c in enumerate(channels)},
        "labels": {"background": 0, "organ": 1}}))
    return root


@pytest.mark.parametrize(("extra", "message"), [
    ([], "nnU-Net v2 is not installed in this Python \\(torch\\); install it with "),
    (["--folds", "3"], "no checkpoint_final.pth for fold\\(s\\) 3 \\(available: 0\\)"),
    (["--configuration", "2d"], "Dataset003_Organs: no model matches 2d"),
    (["--dataset", "7"], "no dataset '7' \\(found: Dataset003_Organs\\)"),
    (["--ensemble"], "Dataset003_Organs has no ensemble"),
])
def test_nnunet_failures_end_in_one_line(tmp_path, capsys, extra, message):
    """This test Python has no torch: the run gets as far as the worker's import."""
    write_image(tmp_path / "ct.nrrd")
    results = nnunet_results(tmp_path / "results")
    assert predict(tmp_path / "ct.nrrd", tmp_path / "out.nrrd", "--nnunet", results,
                   "--no-cache", *extra) == 1
    err = [line for line in capsys.readouterr().err.splitlines()
           if line.startswith("demarcate predict:")]
    assert len(err) == 1
    assert re.search(message, err[0]), err[0]
    assert not (tmp_path / "out.nrrd").exists()


def test_the_model_channel_count_is_checked_before_any_worker(tmp_path, capsys):
    write_image(tmp_path / "ct.nrrd")
    results = nnunet_results(tmp_path / "results", channels=("T2", "ADC"))
    assert predict(tmp_path / "ct.nrrd", tmp_path / "out.nrrd", "--nnunet", results) == 1
    assert ("Dataset003_Organs takes 2 image(s) (T2, ADC); give 1 (IMAGE and --channel"
            in capsys.readouterr().err)


def test_not_a_python_is_one_line(tmp_path, capsys):
    write_image(tmp_path / "ct.nrrd")
    code = main(["predict", str(tmp_path / "ct.nrrd"), str(tmp_path / "out.nrrd"),
                 "--adapter", FAKE_MODEL, "--python", str(tmp_path / "nope"), "--no-cache"])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("demarcate predict: ") and "is not a Python" in err[-1]


def test_a_model_must_be_named(tmp_path, capsys):
    write_image(tmp_path / "ct.nrrd")
    assert predict(tmp_path / "ct.nrrd", tmp_path / "out.nrrd") == 1
    assert "say which model: --nnunet RESULTS_DIR or --totalsegmentator TASK" in (
        capsys.readouterr().err)


def test_help_names_the_options_but_not_the_test_adapter(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    text = capsys.readouterr().out
    for option in ("--nnunet", "--totalsegmentator", "--folds", "--channel", "--device",
                   "--python", "--roi-subset", "--fast"):
        assert option in text
    assert "--adapter" not in text


def test_totalsegmentator_is_told_where_the_image_lies(tmp_path, monkeypatch):
    """TotalSegmentator reorients the image by its direction and origin, so they go with
    its parameters (and into the cache key, which hashes every parameter)."""
    direction = np.array([[-1.0, 0, 0], [0, -1, 0], [0, 0, 1]])
    array = write_image(tmp_path / "ct.nrrd", geometry=Geometry(
        spacing_xyz=(0.8, 0.9, 2.5), origin_xyz=(-10.0, 4.0, 30.0), direction=direction))
    sent = {}

    def run_prediction(python, adapter, image, spacing_zyx, params, **_):
        sent.update(adapter=adapter, params=params)
        return Prediction(np.zeros(array.shape, np.uint16), {}, False, 0.0)

    monkeypatch.setattr(predict_command, "run_prediction", run_prediction)
    assert predict(tmp_path / "ct.nrrd", tmp_path / "out.seg.nrrd",
                   "--totalsegmentator", "total") == 0
    assert sent["adapter"] == "totalsegmentator_adapter"
    assert sent["params"]["direction"] == direction.tolist()
    assert sent["params"]["origin"] == [-10.0, 4.0, 30.0]
