"""Run inside MITK's own Python (mitk-python): print what real MITK reads from a file.

Used by test_mitk_interop.py; it must not import Demarcate (another interpreter).
"""

import json
import sys

import mitk
import numpy as np


def summary(path: str) -> dict:
    seg = mitk.IOUtil.load(path)[0]
    groups = []
    for index in range(seg.num_groups):
        array = np.asarray(seg.get_group_image(index).as_numpy())
        labels = [
            {
                "value": int(label.value),
                "name": label.name,
                "color": list(label.color),
                "opacity": float(label.opacity),
                "locked": bool(label.locked),
                "visible": bool(label.visible),
            }
            for label in seg.get_group_labels(index)
        ]
        groups.append(
            {
                "name": seg.get_group_name(index),
                "labels": labels,
                "sum": int(array.astype(np.int64).sum()),
                "nonzero": int(np.count_nonzero(array)),
                "shape": list(array.shape),
            }
        )
    return {
        "groups": groups,
        "time_steps": int(seg.time_steps),
        "spacing": list(seg.spacing),
        "origin": list(seg.origin),
    }


if __name__ == "__main__":
    print("MITK-SUMMARY " + json.dumps([summary(path) for path in sys.argv[1:]]))
