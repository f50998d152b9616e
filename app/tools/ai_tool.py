"""What the AI tools (nnU-Net, TotalSegmentator) share: a 3D tool whose preview is a
model's label map, computed in a worker process only when the user presses Run.

A run takes minutes, so unlike Threshold nothing starts when an option changes. The
tool knows how its options become the worker's adapter name and parameters; the
session gives it ``predict``, which runs that in the chosen Python environment (with
the prediction cache), so this layer never touches processes, environments or torch.
The preview shows each label the model found in its own colour, named as the model
names it; Confirm writes them into a new group named after the model (or into the
active label) as one undo step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np

from ..model.image import ReferenceImage
from ..model.labels import palette_color
from .base import Option, OptionValue, VolumePreview
from .volume import Progress, Region, VolumeResult, VolumeSource, VolumeTool

DEVICES = ("cpu", "cuda:0", "cuda:1", "cuda:2", "cuda:3")
DEVICE = Option("device", "Device", "cpu", choices=DEVICES)


class Prediction(Protocol):
    """What ``predict`` answers (``demarcate.ai.client.Prediction``)."""

    labels: np.ndarray
    names: dict[int, str]
    from_cache: bool
    seconds: float


#: predict(adapter, image (Z,Y,X) or (C,Z,Y,X), spacing_zyx, params, progress)
Predict = Callable[[str, np.ndarray, tuple[float, float, float], dict, Progress], Prediction]


@dataclass
class AiResult(VolumeResult):
    """A model's preview, with the model's name for the group Confirm makes."""

    model: str = ""


class AiTool(VolumeTool):
    """A model run in a worker on the shown image (and extra channels) on request."""

    runs_on_request = True
    spans_time_steps = False  # one run per time step would take minutes each
    new_labels_in_new_group = True  # a model's labels belong together, apart from others
    #: The worker adapter this tool drives (see app/ai/worker/).
    adapter: ClassVar[str]
    #: What "Create managed environment" installs with pip for this tool.
    package: ClassVar[str]
    #: Whether the adapter needs the image's direction and origin besides its spacing
    #: (TotalSegmentator reorients by them; nnU-Net works in voxel space).
    sends_placement: ClassVar[bool] = False

    def __init__(self, options: dict[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        #: Runs the adapter in the user's environment; given by the session.
        self.predict: Predict | None = None
        #: Open images given as input channels 1, 2, ... (the shown image is channel 0).
        self.extra_images: dict[int, ReferenceImage] = {}
        self._model_title = ""

    # --- what each tool says -------------------------------------------------------------
    def request(self, options: dict[str, OptionValue]) -> tuple[str, dict]:
        """The adapter and its parameters for ``options``; ValueError (a sentence for
        the user) when the options do not name a runnable model yet."""
        raise NotImplementedError

    def model_title(self, options: dict[str, OptionValue]) -> str:
        """The model as a user names it ("nnU-Net Dataset001_Liver"): the new group's name."""
        raise NotImplementedError

    def choices(self, name: str) -> list[str]:
        """The values the option ``name`` offers now (a model folder's may change)."""
        return list(self.spec(name).choices)

    def offers(self, name: str) -> bool:
        """Whether the option ``name`` applies now (an ensemble needs one in the folder)."""
        return True

    def channel_names(self) -> list[str]:
        """The model's input channels in order (the shown image is the first); [] when
        it takes the one image."""
        return []

    # --- the run --------------------------------------------------------------------------
    def compute(self, source: VolumeSource, options: dict[str, OptionValue],
                progress: Progress) -> AiResult:
        if self.predict is None:
            raise RuntimeError(f"{self.info.title} has no worker to run in")
        adapter, params = self.request(options)
        if self.sends_placement:
            if source.geometry is None:
                raise RuntimeError(f"{self.info.title} needs to know where the image lies")
            params = {**params, **source.geometry.placement()}
        image = np.stack((source.image, *source.channels)) if source.channels else source.image
        prediction = self.predict(adapter, image, source.spacing_zyx, params, progress)
        return self._result(source, prediction, self.model_title(options))

    @staticmethod
    def _result(source: VolumeSource, prediction: Prediction, model: str) -> AiResult:
        """Every label value the model wrote, as a region named after its class."""
        labels = prediction.labels
        size = max(int(labels.max(initial=0)), max(prediction.names, default=0)) + 1
        # A slice at a time: one bincount of the volume first copies it all as int64
        # (600 MB for 512 x 512 x 300), which took 2-3 times as long.
        voxels = sum((np.bincount(plane.reshape(-1), minlength=size) for plane in labels),
                     np.zeros(size, np.int64))
        present = [int(value) for value in np.flatnonzero(voxels) if value > 0]
        regions = tuple(
            Region(value, prediction.names.get(value, f"Label {value}"), palette_color(index),
                   int(voxels[value]))
            for index, value in enumerate(present))
        how = ("from the cache" if prediction.from_cache
               else f"in {prediction.seconds:.1f} s")
        status = (f"{model}: {len(regions)} label(s) {how}" if regions
                  else f"{model} found nothing in this image ({how})")
        box = tuple(slice(0, n) for n in labels.shape)
        return AiResult(VolumePreview(labels, box, source.time_step), regions, status,
                        model=model)

    def accept(self, result: VolumeResult) -> None:
        super().accept(result)
        self._model_title = getattr(result, "model", "")

    def group_name(self) -> str:
        return self._model_title or self.info.title

    def check(self) -> None:
        """Raise ValueError (said to the user) when Run cannot start with these options."""
        self.request(self.options)


def class_names(text: str) -> list[str]:
    """Class names typed by a user, separated by commas or white space."""
    return [name for name in text.replace(",", " ").split() if name]
