"""nnU-Net's own predictor on an array, without Demarcate's worker; run with the AI venv's
Python. The reference the tests compare the worker's result with.

    python direct_nnunet.py IN.npy OUT.npy SPACING_JSON MIRRORING_JSON \\
        MODEL_FOLDER FOLDS_JSON [MODEL_FOLDER FOLDS_JSON]...

One model folder: ``predict_single_npy_array`` as nnU-Net's documentation shows. Several:
each folder's softmax, averaged, argmax through the label manager, as
``nnUNetv2_ensemble`` merges them.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import torch
from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor


def main(argv: list[str]) -> None:
    image, out, spacing, mirroring = np.load(argv[0]), argv[1], *map(json.loads, argv[2:4])
    models = list(zip(argv[4::2], argv[5::2], strict=True))
    probabilities, segmentation, label_manager = None, None, None
    for folder, folds in models:
        predictor = nnUNetPredictor(use_mirroring=mirroring, perform_everything_on_device=False,
                                    device=torch.device("cpu"), allow_tqdm=False)
        predictor.initialize_from_trained_model_folder(folder, tuple(json.loads(folds)))
        label_manager = predictor.label_manager
        result = predictor.predict_single_npy_array(image, {"spacing": spacing}, None, None,
                                                    len(models) > 1)
        if len(models) == 1:
            segmentation = result
        else:
            probabilities = result[1] if probabilities is None else probabilities + result[1]
    if len(models) > 1:
        segmentation = label_manager.convert_probabilities_to_segmentation(
            probabilities / len(models))
    np.save(out, np.asarray(segmentation))


if __name__ == "__main__":
    main(sys.argv[1:])
