"""nnU-Net: a trained model from a results folder (v2, or the v1 layout MITK 2023.04
drives) on the shown image, with more open images as extra input channels.

The session reads the results folder (``demarcate.ai.nnunet_folder``) and hands the
parse to ``use_results``; the tool offers its datasets, configurations, trainers and
plans as choices and keeps every choice valid when an earlier one changes; the parsed
dataset turns them into the request for the worker's ``nnunet_v2`` / ``nnunet_v1``
adapter (the same request ``demarcate predict`` makes).
"""

from __future__ import annotations

from typing import Any

from .ai_tool import DEVICE, AiTool
from .base import Option, OptionValue, ToolInfo
from .volume import TARGET

#: Options whose choices come from the results folder, each narrowing the next.
MODEL_PARTS = ("dataset", "configuration", "trainer", "plans")


class NnunetTool(AiTool):
    info = ToolInfo("nnunet", "N", "nnU-Net: segment the image with a trained nnU-Net "
                    "model from a results folder (press Run; takes minutes)", tab="3D",
                    display_name="nnU-Net")
    option_specs = (
        Option("results", "Results folder", ""),
        Option("dataset", "Dataset", ""), Option("configuration", "Configuration", ""),
        Option("trainer", "Trainer", ""), Option("plans", "Plans", ""),
        Option("folds", "Folds (none ticked: all)", ""),
        Option("ensemble", "Ensemble (nnU-Net's best)", False),
        Option("postprocessing", "Postprocessing", True),
        Option("mixed_precision", "Mixed precision", True),
        Option("mirroring", "Test-time mirroring", True), DEVICE, TARGET)
    adapter = "nnunet_v2"  # "nnunet_v1" for a v1 results folder, chosen per dataset
    package = "nnunetv2"

    def __init__(self, options: dict[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        #: The parsed results folder (``NnunetResults``), None before one was read.
        self.results: Any = None

    # --- the results folder and the choices it offers -------------------------------------
    def use_results(self, folder: str, results: Any) -> None:
        """Offer the models of ``results`` (None: the folder could not be read)."""
        self.options["results"] = folder
        self.results = results
        self._fit_choices()

    def choices(self, name: str) -> list[str]:
        """What the results folder offers for ``dataset``, ``configuration``, ``trainer``
        or ``plans`` given the choices before it; ``folds``: the folds with a checkpoint."""
        if name not in (*MODEL_PARTS, "folds"):
            return super().choices(name)
        if self.results is None:
            return []
        if name == "dataset":
            return [dataset.name for dataset in self.results.datasets]
        dataset = self.dataset()
        if dataset is None:
            return []
        configuration, trainer = self.options["configuration"], self.options["trainer"]
        if name == "configuration":
            return dataset.configurations()
        if name == "trainer":
            return dataset.trainers(configuration)
        if name == "plans":
            return dataset.plans(configuration, trainer)
        model = self._model()
        return list(model.folds) if model is not None else []

    def dataset(self, options: dict[str, OptionValue] | None = None) -> Any:
        """The chosen dataset of the results folder (in ``options``, default: the tool's
        own), or None."""
        if self.results is None:
            return None
        name = (options or self.options)["dataset"]
        return next((d for d in self.results.datasets if d.name == name), None)

    def channel_names(self) -> list[str]:
        """The chosen dataset's input channels in its channel order (first: the image)."""
        dataset = self.dataset()
        return list(dataset.channel_names) if dataset is not None else []

    def offers(self, name: str) -> bool:
        if name == "ensemble":
            return self._ensemble() is not None
        if name == "postprocessing":
            return self._postprocessing_file() is not None
        return True

    def set_option(self, name: str, value: OptionValue) -> OptionValue:
        kept = super().set_option(name, value)
        if name in MODEL_PARTS:
            if self.results is not None and kept not in self.choices(name):
                raise ValueError(f"{self.spec(name).label} must be one of "
                                 f"{', '.join(self.choices(name)) or 'nothing yet'}")
            self._fit_choices()
        if name == "dataset":
            self.extra_images.clear()  # another dataset has other channels
        return kept

    def _fit_choices(self) -> None:
        """Keep every model part one of its choices; one that is not becomes the model
        nnU-Net recommended for the dataset when there is one, else 3d_fullres (the
        configuration nnU-Net trains first), else the first offered. Folds that the
        model does not have are dropped."""
        for name in MODEL_PARTS:
            offered = self.choices(name)
            if self.options[name] not in offered:
                preferred = [part for part in self._preferred(name) if part in offered]
                self.options[name] = (preferred or offered or [""])[0]
        folds = self.choices("folds")
        self.options["folds"] = ",".join(f for f in self.ticked_folds() if f in folds)

    def _preferred(self, name: str) -> list[str]:
        dataset = self.dataset()
        if name == "dataset" or dataset is None:
            return []
        index = MODEL_PARTS.index(name) - 1  # a model key is (configuration, trainer, plans)
        fallback = ["3d_fullres"] if name == "configuration" else []
        return [key[index] for key in dataset.recommended] + fallback

    def ticked_folds(self) -> list[str]:
        return [fold for fold in str(self.options["folds"]).split(",") if fold]

    def set_fold(self, fold: str, ticked: bool) -> None:
        """Tick a fold in or out (none ticked: all folds)."""
        folds = [f for f in self.ticked_folds() if f != fold] + ([fold] if ticked else [])
        order = self.choices("folds")
        self.options["folds"] = ",".join(sorted(folds, key=lambda f: (
            order.index(f) if f in order else len(order))))

    def _model(self, options: dict[str, OptionValue] | None = None) -> Any:
        dataset = self.dataset(options)
        if dataset is None:
            return None
        key = tuple((options or self.options)[name] for name in MODEL_PARTS[1:])
        return next((m for m in dataset.models if m.key == key), None)

    def _ensemble(self, options: dict[str, OptionValue] | None = None) -> Any:
        """The ensemble holding the chosen model (else the recommended one, else the
        first), or None."""
        dataset = self.dataset(options)
        return dataset.ensemble_for(self._model(options)) if dataset is not None else None

    def _postprocessing_file(self) -> Any:
        """The postprocessing file of what would run (the ensemble when ticked), or None."""
        source = self._ensemble() if self.options["ensemble"] else self._model()
        return source.postprocessing if source is not None else None

    # --- the run ----------------------------------------------------------------------------
    def request(self, options: dict[str, OptionValue]) -> tuple[str, dict]:
        if self.results is None:
            raise ValueError("pick an nnU-Net results folder first (Results folder, "
                             "then Enter or Refresh)")
        dataset, model = self.dataset(options), self._model(options)
        if dataset is None or model is None:
            raise ValueError("choose a dataset, configuration, trainer and plans")
        channels = dataset.channel_names
        missing = [channels[k] for k in range(1, len(channels)) if k not in self.extra_images]
        if missing:
            raise ValueError(f"{dataset.name} takes {len(channels)} images "
                             f"({', '.join(channels)}): pick an open image for "
                             f"{', '.join(missing)}")
        return dataset.request(
            model, folds=[f for f in str(options["folds"]).split(",") if f],
            ensemble=self._ensemble(options) if options["ensemble"] else None,
            use_mirroring=bool(options["mirroring"]),
            mixed_precision=bool(options["mixed_precision"]), device=str(options["device"]),
            postprocessing=bool(options["postprocessing"]))

    def model_title(self, options: dict[str, OptionValue]) -> str:
        return f"nnU-Net {options['dataset']}"
