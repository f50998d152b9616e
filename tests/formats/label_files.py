"""Small segmentation files with hand-written label headers, for tests of bad metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from demarcate.formats.nrrd_writer import write_label_nrrd
from demarcate.model import Geometry

GROUPS_KEY = "org.mitk.multilabel.segmentation.labelgroups"
ONE_LABEL = '[{"labels":[{"value":1,"name":"a","color":[1,0,0],"opacity":0.5}]}]'


def mitk_file(path: Path, groups_json: str = ONE_LABEL, time_steps: int = 1,
              **keys: str) -> Path:
    """A one-group MITK v4 file (2 x 3 x 4 voxels) whose voxels hold value 1, with this
    label JSON and any further header keys."""
    array = np.zeros((time_steps, 2, 3, 4), np.uint16)
    array[:, 0, 0, 0] = 1
    header = {
        "modality": "org.mitk.multilabel.segmentation",
        "org.mitk.multilabel.segmentation.version": "4",
        GROUPS_KEY: groups_json,
        **keys,
    }
    write_label_nrrd(path, [array], Geometry(), header)
    return path
