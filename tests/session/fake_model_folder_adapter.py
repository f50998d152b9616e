"""A worker adapter for tests of the AI tools: the fake model (tests/ai/fake_model.py)
run with the behaviour its model folder asks for.

The AI tools pass a real tool's parameters (``model_folder``, folds, device...), which
the fake model does not read; this adapter adds the fake's own parameters from
``<model_folder>/fake.json`` (``{"behaviour": "slow", ...}``; absent: the threshold;
``"names"`` renames its labels) and
writes what it was given to ``<model_folder>/received.json``, so a test can check the
parameters and the number of input channels the tool sent. Without a model folder
(TotalSegmentator) the fake thresholds. Standard library + numpy, like every adapter.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

FAKE_MODEL = Path(__file__).resolve().parents[1] / "ai" / "fake_model.py"
_spec = importlib.util.spec_from_file_location("fake_model", FAKE_MODEL)
fake_model = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake_model)


def run(image, spacing_zyx, params, progress):
    folder = Path(params["model_folder"]) if params.get("model_folder") else None
    extra = {}
    if folder is not None:
        (folder / "received.json").write_text(json.dumps(
            {"params": params, "channels": int(image.shape[0]),
             "spacing": list(spacing_zyx)}))
        if (folder / "fake.json").is_file():
            extra = json.loads((folder / "fake.json").read_text())
    names = extra.pop("names", None)  # labels named for a screenshot ("liver")
    labels, given = fake_model.run(image, spacing_zyx, {**params, **extra}, progress)
    return labels, {int(value): name for value, name in names.items()} if names else given
