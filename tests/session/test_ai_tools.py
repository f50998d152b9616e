"""The AI tools (nnU-Net, TotalSegmentator) through the session, with real worker
processes running the fake model (tests/ai/fake_model.py) behind an nnU-Net results
folder built here: Run → a preview of named regions → Confirm into a new group named
after the model → undo and redo; nothing runs on an option change; Cancel, a crash and
a bad environment leave the document and its history as they were; a cache hit is
instant; the choices of the results folder and the channels reach the worker."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from demarcate.ai.cache import PredictionCache
from demarcate.model.geometry import Geometry
from demarcate.model.image import ReferenceImage
from demarcate.model.preferences import Preferences, load_preferences
from demarcate.session import Session
from demarcate.session.events import Topic
from demarcate.session.jobs import Cancelled
from demarcate.tools.volume import ACTIVE_LABEL

ADAPTER = Path(__file__).resolve().parent / "fake_model_folder_adapter.py"
FAKE_MODEL = Path(__file__).resolve().parents[1] / "ai" / "fake_model.py"
SPACING_XYZ = (0.8, 0.8, 2.5)
FULLRES = "nnUNetTrainer__nnUNetPlans__3d_fullres"
LOWRES = "nnUNetTrainer__nnUNetPlans__3d_lowres"


def load_fake_model():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fake_model", FAKE_MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def model_folder(root: Path, dataset: str, name: str, channels: dict, folds=(0, 1)) -> Path:
    """A v2 model folder with dataset.json, plans.json and a checkpoint per fold."""
    folder = root / dataset / name
    for fold in folds:
        (folder / f"fold_{fold}").mkdir(parents=True)
        (folder / f"fold_{fold}" / "checkpoint_final.pth").write_bytes(b"weights")
    (folder / "dataset.json").write_text(json.dumps(
        {"channel_names": channels, "labels": {"background": 0, "liver": 1, "tumour": 2}}))
    (folder / "plans.json").write_text("{}")
    return folder


@pytest.fixture
def results(tmp_path) -> Path:
    """Dataset001_Liver (CT; 3d_fullres and 3d_lowres, an ensemble of both) and
    Dataset002_Prostate (T2 and ADC)."""
    root = tmp_path / "nnUNet_results"
    model_folder(root, "Dataset001_Liver", FULLRES, {"0": "CT"})
    model_folder(root, "Dataset001_Liver", LOWRES, {"0": "CT"}, folds=(0,))
    ensemble = root / "Dataset001_Liver" / "ensembles" / f"ensemble___{FULLRES}___{LOWRES}___0_1"
    ensemble.mkdir(parents=True)
    (ensemble / "postprocessing.pkl").write_bytes(b"pp")
    model_folder(root, "Dataset002_Prostate", FULLRES, {"0": "T2", "1": "ADC"})
    return root


def image(seed: int = 0, name: str = "ct") -> ReferenceImage:
    values = np.random.default_rng(seed).random((1, 12, 20, 24), dtype=np.float32)
    return ReferenceImage(values, Geometry(spacing_xyz=SPACING_XYZ), name=name)


@pytest.fixture
def session(tmp_path, monkeypatch, results) -> Session:
    monkeypatch.setenv("DEMARCATE_CACHE_DIR", str(tmp_path / "folder-cache"))
    session = Session(Preferences(), preferences_file=tmp_path / "preferences.json")
    session.ai_cache = PredictionCache(tmp_path / "predictions", 10**8)
    session.ai_adapter_override = str(ADAPTER)
    session.add_image(image())
    session.new_segmentation()
    session.errors = []
    session.events.connect(lambda event: event.topic is Topic.ERROR
                           and session.errors.append(event.message))
    return session


def arm_nnunet(session: Session, results: Path, dataset: str = "Dataset001_Liver") -> None:
    session.select_tool("nnunet")
    session.set_nnunet_results(str(results))
    session.set_tool_option("dataset", dataset)


def behave(results: Path, dataset: str, **fake) -> None:
    """Make the fake model of ``dataset``'s 3d_fullres model behave as ``fake`` says."""
    (results / dataset / FULLRES / "fake.json").write_text(json.dumps(fake))


def received(results: Path, dataset: str = "Dataset001_Liver", name: str = FULLRES) -> dict:
    return json.loads((results / dataset / name / "received.json").read_text())


def wait_run(session: Session, timeout_s: float = 60) -> None:
    session.jobs.wait(session.run_ai_tool(), timeout_s=timeout_s)


def snapshot(session: Session) -> tuple:
    seg = session.document.segmentation
    return (session.document.history.undo_depth, len(seg.groups),
            [(label.value, label.name) for label in seg.labels],
            [group.array.copy() for group in seg.groups])


def assert_unchanged(session: Session, before: tuple) -> None:
    after = snapshot(session)
    assert after[:3] == before[:3]
    for old, new in zip(before[3], after[3], strict=True):
        np.testing.assert_array_equal(old, new)


def test_run_previews_named_regions_and_confirm_makes_a_group_named_after_the_model(
        session, results):
    arm_nnunet(session, results)
    assert session.jobs.jobs == []  # choosing the model starts nothing: Run does
    wait_run(session)
    tool = session.armed_tool
    expected = load_fake_model().threshold(session.image_entry.image.array[:1], 0.5, 0.8)
    assert [(r.number, r.name) for r in tool.regions] == [(1, "bright"), (2, "brightest")]
    assert [r.voxels for r in tool.regions] == [int((expected == 1).sum()),
                                                int((expected == 2).sum())]
    colors = session.tool_feedback.preview_colors
    assert colors is not None and colors[1] != colors[2]  # each label in its own colour
    assert "Dataset001_Liver: 2 label(s) in" in tool.status
    sent = received(results)
    assert sent["channels"] == 1 and sent["spacing"] == [2.5, 0.8, 0.8]
    assert sent["params"]["model_folder"] == str(results / "Dataset001_Liver" / FULLRES)
    assert sent["params"]["folds"] is None  # none ticked: all

    depth = session.document.history.undo_depth
    session.jobs.wait(session.confirm_volume_tool())
    seg = session.document.segmentation
    group = seg.groups[-1]
    assert group.name == "nnU-Net Dataset001_Liver"
    assert [label.name for label in group.labels] == ["bright", "brightest"]
    for label, value in zip(group.labels, (1, 2), strict=True):
        np.testing.assert_array_equal(group.array[0] == label.value, expected == value)
    assert session.document.history.undo_depth == depth + 1
    assert session.armed_tool is None

    session.document.undo()
    assert len(session.document.segmentation.groups) == 1
    session.document.redo()
    assert session.document.segmentation.groups[-1].name == "nnU-Net Dataset001_Liver"


def test_confirm_into_the_active_label_writes_every_ticked_region(session, results):
    active = session.document.segmentation.active_label_value
    arm_nnunet(session, results)
    session.set_tool_option("target", ACTIVE_LABEL)
    wait_run(session)
    session.set_region_ticked(2, False)
    session.jobs.wait(session.confirm_volume_tool())
    seg = session.document.segmentation
    expected = load_fake_model().threshold(session.image_entry.image.array[:1], 0.5, 0.8)
    assert len(seg.groups) == 1
    np.testing.assert_array_equal(seg.groups[0].array[0] == active, expected == 1)


def test_an_option_change_keeps_the_preview_and_starts_no_run(session, results):
    arm_nnunet(session, results)
    wait_run(session)
    shown = session.tool_feedback.preview
    session.set_tool_option("mirroring", False)
    session.set_tool_option("configuration", "3d_lowres")
    assert session.jobs.jobs == [] and session.tool_feedback.preview is shown


def test_confirm_before_run_says_to_press_run(session, results):
    arm_nnunet(session, results)
    with pytest.raises(ValueError, match="press Run"):
        session.confirm_volume_tool()


def test_cancel_during_a_run_leaves_everything_as_it_was(session, results):
    behave(results, "Dataset001_Liver", behaviour="slow", steps=2000, step_s=0.02)
    arm_nnunet(session, results)
    before = snapshot(session)
    job = session.run_ai_tool()
    deadline = time.monotonic() + 30
    while session.ai_progress is None or session.ai_progress[0] in (None, 0.0):
        assert time.monotonic() < deadline, "the worker never reported progress"
        time.sleep(0.05)
    fraction, message = session.ai_progress
    assert 0 < fraction < 1 and message.startswith("step ")
    started = time.perf_counter()
    session.cancel_ai_run()
    with pytest.raises(Cancelled):
        session.jobs.wait(job, timeout_s=30)
    assert time.perf_counter() - started < 10
    assert session.ai_progress is None and session.tool_feedback.preview is None
    assert session.armed_tool.status == "cancelled" and session.errors == []
    assert_unchanged(session, before)


@pytest.mark.parametrize(("fake", "message"), [
    ({"behaviour": "exit"}, "exit code 3"),
    ({"behaviour": "runtime"}, "weights missing: place them in /nowhere/fold_0"),
])
def test_a_failing_model_costs_a_message_and_nothing_else(session, results, fake, message):
    arm_nnunet(session, results)
    before = snapshot(session)
    behave(results, "Dataset001_Liver", **fake)
    with pytest.raises(Exception, match=message):
        wait_run(session)
    assert any(message in text for text in session.errors)
    assert message in session.armed_tool.status  # the panel's status line
    assert session.tool_feedback.preview is None
    assert_unchanged(session, before)
    with pytest.raises(ValueError, match="press Run"):
        session.confirm_volume_tool()


def test_a_python_that_is_not_one_is_said_and_changes_nothing(session, results, tmp_path):
    not_python = tmp_path / "python"
    not_python.write_text("#!/bin/sh\nexit 7\n")
    not_python.chmod(0o755)
    session.set_ai_python(str(not_python))
    session.jobs.drain()
    assert "is not a Python" in session.ai_python_note  # said before any run
    arm_nnunet(session, results)
    before = snapshot(session)
    with pytest.raises(Exception, match="is not a Python"):
        wait_run(session)
    assert "is not a Python" in session.armed_tool.status
    assert_unchanged(session, before)


def test_the_same_run_again_comes_from_the_cache_at_once(session, results):
    arm_nnunet(session, results)
    wait_run(session)
    first = session.armed_tool.result.preview.regions.copy()
    (results / "Dataset001_Liver" / FULLRES / "received.json").unlink()
    started = time.perf_counter()
    wait_run(session)
    elapsed = time.perf_counter() - started
    tool = session.armed_tool
    assert "from the cache" in tool.status and elapsed < 1.0
    assert not (results / "Dataset001_Liver" / FULLRES / "received.json").exists()  # no worker
    np.testing.assert_array_equal(tool.result.preview.regions, first)
    assert session.ai_cache_bytes > 0
    session.clear_ai_cache()
    assert session.ai_cache_bytes == 0


def test_the_results_folder_offers_its_models_folds_and_ensemble(session, results):
    arm_nnunet(session, results)
    tool = session.armed_tool
    assert tool.choices("dataset") == ["Dataset001_Liver", "Dataset002_Prostate"]
    assert tool.choices("configuration") == ["3d_fullres", "3d_lowres"]
    assert tool.choices("folds") == ["0", "1"] and tool.offers("ensemble")
    session.set_nnunet_fold("1", True)
    session.set_tool_option("device", "cuda:1")
    session.set_tool_option("mixed_precision", False)
    wait_run(session)
    params = received(results)["params"]
    assert params["folds"] == [1] and params["device"] == "cuda:1"
    assert params["mixed_precision"] is False and params["use_mirroring"] is True

    session.set_tool_option("configuration", "3d_lowres")
    assert tool.choices("folds") == ["0"] and tool.options["folds"] == ""  # fold 1 is gone
    assert not tool.offers("postprocessing")  # the model alone has no postprocessing file
    session.set_tool_option("ensemble", True)
    assert tool.offers("postprocessing")  # the ensemble has one
    wait_run(session)
    params = received(results)["params"]
    assert params["model_folder"] == str(results / "Dataset001_Liver" / FULLRES)
    assert params["ensemble_folders"] == [str(results / "Dataset001_Liver" / LOWRES)]
    assert params["postprocessing"].endswith("postprocessing.pkl")
    session.set_tool_option("postprocessing", False)
    wait_run(session)
    assert received(results)["params"]["postprocessing"] is None
    with pytest.raises(ValueError, match="must be one of"):
        session.set_tool_option("configuration", "2d")


def test_extra_images_become_channels_in_the_dataset_order(session, results):
    session.add_image(image(1, "adc"))
    session.add_image(ReferenceImage(np.zeros((1, 12, 20, 25), np.float32), name="other"))
    session.select(0, 0)
    arm_nnunet(session, results, "Dataset002_Prostate")
    assert session.armed_tool.channel_names() == ["T2", "ADC"]
    with pytest.raises(ValueError, match="pick an open image for ADC"):
        session.run_ai_tool()
    assert session.ai_channel_candidates() == [(1, "adc")]  # "other" is on another grid
    with pytest.raises(ValueError, match="not on the grid"):
        session.set_ai_channel(1, 2)
    session.set_ai_channel(1, 1)
    wait_run(session)
    assert received(results, "Dataset002_Prostate")["channels"] == 2
    adc = session.images[1].image.array[:1]
    expected = load_fake_model().threshold(
        np.concatenate([session.images[0].image.array[:1], adc]), 0.5, 0.8)
    np.testing.assert_array_equal(session.armed_tool.result.preview.regions, expected)


def test_totalsegmentator_runs_its_task_and_names_the_group_after_it(session):
    session.select_tool("totalsegmentator")
    session.set_tool_option("task", "total_mr")
    session.set_tool_option("classes", "liver, spleen")
    tool = session.armed_tool
    assert tool.request(tool.options) == ("totalsegmentator_adapter", {
        "task": "total_mr", "fast": True, "device": "cpu", "roi_subset": ["liver", "spleen"]})
    wait_run(session)
    session.jobs.wait(session.confirm_volume_tool())
    assert session.document.segmentation.groups[-1].name == "TotalSegmentator total_mr"


def test_totalsegmentator_is_told_where_the_image_lies_and_nnunet_is_not(session, results):
    """TotalSegmentator reorients its input, so it gets the direction and origin, and
    they key the cache (the same voxels elsewhere run again); nnU-Net works in voxels
    and gets the spacing alone."""
    sent = []
    tool = session.tools.tools["totalsegmentator"]
    predict = tool.predict
    tool.predict = lambda adapter, *rest: sent.append(rest[2]) or predict(adapter, *rest)
    session.select_tool("totalsegmentator")
    wait_run(session)
    assert sent[-1]["direction"] == np.eye(3).tolist() and sent[-1]["origin"] == [0, 0, 0]
    direction = np.array([[-1.0, 0, 0], [0, -1, 0], [0, 0, 1]])
    session.add_image(ReferenceImage(image().array, Geometry(
        spacing_xyz=SPACING_XYZ, origin_xyz=(10.0, -20.5, 300.0), direction=direction)))
    session.new_segmentation()
    session.select_tool("totalsegmentator")
    wait_run(session)
    assert sent[-1]["direction"] == direction.tolist()
    assert sent[-1]["origin"] == [10.0, -20.5, 300.0]
    assert "from the cache" not in session.armed_tool.result.status
    arm_nnunet(session, results)
    wait_run(session)
    assert "direction" not in received(results)["params"]


def test_the_environment_and_the_results_folder_are_remembered(session, results, tmp_path):
    session.set_ai_python(sys.executable)
    session.jobs.drain()
    assert session.ai_python_note.startswith(f"Python {sys.version.split()[0]}, numpy ")
    arm_nnunet(session, results)
    again = Session(preferences_file=tmp_path / "preferences.json")
    assert load_preferences(tmp_path / "preferences.json").ai_python == sys.executable
    assert again.ai_python == sys.executable
    nnunet = again.tools.tools["nnunet"]
    assert nnunet.options["results"] == str(results)
    assert nnunet.choices("dataset") == ["Dataset001_Liver", "Dataset002_Prostate"]
    with pytest.raises(ValueError, match="is not a file"):
        session.set_ai_python(str(tmp_path / "nowhere" / "python"))


def test_a_time_step_change_drops_the_preview_of_the_step_it_ran_on(tmp_path, monkeypatch,
                                                                    results):
    monkeypatch.setenv("DEMARCATE_CACHE_DIR", str(tmp_path / "folder-cache"))
    session = Session(Preferences(), preferences_file=tmp_path / "preferences.json")
    session.ai_cache = PredictionCache(tmp_path / "predictions", 10**8)
    session.ai_adapter_override = str(ADAPTER)
    values = np.random.default_rng(3).random((2, 6, 8, 8), dtype=np.float32)
    session.add_image(ReferenceImage(values))
    session.new_segmentation()
    arm_nnunet(session, results)
    wait_run(session)
    assert session.tool_feedback.preview is not None
    session.set_time_step(1)
    assert session.tool_feedback.preview is None and session.jobs.jobs == []


def test_a_managed_environment_that_pip_cannot_fill_is_said_and_removed(session, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("DEMARCATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # as offline, without waiting for a network
    session.select_tool("totalsegmentator")
    job = session.create_managed_environment()
    with pytest.raises(Exception, match="pip install failed"):
        session.jobs.wait(job, timeout_s=300)
    assert any("pip could not get the packages" in text for text in session.errors)
    assert session.preferences.ai_python == ""  # still the Python running Demarcate
    assert not (tmp_path / "data" / "ai" / "envs" / "totalsegmentator").exists()


def test_confirm_writes_many_labels_each_over_its_own_box(session):
    """A hundred-organ answer is written label by label over each label's box; every
    voxel lands where the model put it, in one undo step."""
    from demarcate.tools.ai_tool import AiResult
    from demarcate.tools.base import VolumePreview
    from demarcate.tools.volume import Region

    labels = np.zeros((12, 20, 24), np.uint16)
    for value in range(1, 31):
        z, y, x = (value * 7) % 12, (value * 5) % 20, (value * 3) % 24
        labels[z:z + 3, y:y + 4, x:x + 5] = value  # later ones overlap earlier ones
    regions = tuple(Region(v, f"organ {v}", (0.5, 0.5, 0.5)) for v in range(1, 31))
    session.select_tool("totalsegmentator")
    tool = session.armed_tool
    tool.accept(AiResult(VolumePreview(labels, tuple(slice(0, n) for n in labels.shape)),
                         regions, "", model="TotalSegmentator total"))
    depth = session.document.history.undo_depth
    session.jobs.wait(session.confirm_volume_tool())
    group = session.document.segmentation.groups[-1]
    assert group.name == "TotalSegmentator total"
    assert session.document.history.undo_depth == depth + 1
    names = {label.name: label.value for label in group.labels}
    for value in range(1, 31):
        if (labels == value).any():
            np.testing.assert_array_equal(group.array[0] == names[f"organ {value}"],
                                          labels == value)
