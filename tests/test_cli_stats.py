"""``demarcate stats``: the label statistics table headlessly, as CSV."""

from __future__ import annotations

import csv
import io

from demarcate import formats
from demarcate.model.statistics import label_statistics

from .test_cli import run

HEADER = "group,value,name,voxels,volume_ml,mean,sd,min,max"


def test_stats_prints_the_table_and_writes_it_with_csv(shared_data, tmp_path):
    image, seg = shared_data / "ct/example_ct_sm.nii.gz", shared_data / "ct/example_seg.nii.gz"
    done = run("stats", image, seg)
    assert done.returncode == 0, done.stderr
    records = list(csv.DictReader(io.StringIO(done.stdout)))
    assert done.stdout.splitlines()[0] == HEADER and len(records) == 41
    reference = formats.read_image(image)
    expected = label_statistics(formats.read_segmentation(seg, reference=reference),
                                reference)
    assert done.stdout == formats.statistics_csv(expected)

    target = tmp_path / "ct.csv"
    done = run("stats", image, seg, "--csv", target)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(target)
    assert target.read_text() == formats.statistics_csv(expected)


def test_stats_at_a_time_step_of_a_4d_segmentation(shared_data):
    image = shared_data / "4d/img4d_11f.nii.gz"
    seg = shared_data / "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd"
    first, later = run("stats", image, seg), run("stats", image, seg, "--time-step", "7")
    assert first.returncode == later.returncode == 0, first.stderr + later.stderr
    rows = list(csv.DictReader(io.StringIO(later.stdout)))
    assert [(r["group"], r["value"], r["name"]) for r in rows] == [
        ("posterior", "1", "posterior leaflet"), ("anterior", "2", "anterior leaflet")]
    assert first.stdout != later.stdout


def test_stats_bad_input_is_one_line(shared_data, tmp_path):
    image = shared_data / "4d/img4d_11f.nii.gz"
    for args in ([image, shared_data / "ct/example_seg.nii.gz"],
                 [image, shared_data / "4d/seg4d_11f_label1.nii.gz", "--time-step", "11"],
                 [image, tmp_path / "missing.nrrd"],
                 [image, shared_data / "4d/seg4d_11f_label1.nii.gz", "--csv",
                  tmp_path / "no/folder.csv"]):
        done = run("stats", *args)
        assert done.returncode == 1, done.stdout
        assert done.stderr.startswith("demarcate stats: ") and done.stderr.count("\n") == 1
        assert done.stdout == ""
