"""The AI tools' actions: the Python environment, the nnU-Net results folder, extra
images as channels, Run, Cancel, and the prediction cache.

Mixed into ``Session``. A run is the armed AI tool's preview job (VolumePreviewUpdater),
started only by ``run_ai_tool``; it lands like every 3D tool's preview and Confirm
writes it (``confirm_volume_tool``). The worker runs in the Python the user chose
(``ai_python``, kept in the preferences); a failing run costs a message in the panel's
status line and on the error topic, nothing else.

``DEMARCATE_AI_ADAPTER`` (a path to an adapter ``.py`` file) makes every AI tool run
that adapter instead of its own, with the same parameters: the seam through which tests
and adapter authors run the real window against a model of their own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..ai.cache import PredictionCache, default_cache_folder
from ..ai.client import Prediction, run_prediction
from ..ai.environments import PythonInfo, create_managed_env, managed_env_folder, probe_python
from ..ai.errors import AiCancelled, AiError
from ..ai.nnunet_folder import default_results_folder, scan_results
from ..formats.errors import first_line
from ..model.image import ReferenceImage
from ..model.preferences import Preferences
from ..tools.ai_tool import AiTool
from ..tools.controller import ToolController
from ..tools.nnunet_tool import NnunetTool
from ..tools.volume import Progress
from .events import Topic
from .jobs import Cancelled, Job, JobRunner
from .volume_preview import VolumePreviewUpdater

ADAPTER_ENV = "DEMARCATE_AI_ADAPTER"
CACHE_BYTES = 2 * 1024**3  # predictions of a dozen CT volumes


class AiActions:
    """Needs from ``Session``: ``tools``, ``jobs``, ``preferences``, ``set_preferences``,
    ``images``, ``image_entry``, ``time_step``, ``volume_source``, ``_volume`` and
    ``_emit``."""

    tools: ToolController
    jobs: JobRunner
    preferences: Preferences
    images: list
    time_step: int
    _volume: VolumePreviewUpdater

    def _start_ai(self) -> None:
        self.ai_cache = PredictionCache(default_cache_folder(), CACHE_BYTES)
        #: An adapter file every AI tool runs instead of its own (tests, adapter authors).
        self.ai_adapter_override: str | None = os.environ.get(ADAPTER_ENV) or None
        #: What the chosen Python offers, once ``check_ai_python`` looked.
        self.ai_python_note = ""
        for tool in self._ai_tools():
            tool.predict = self._predict
        folder = self.preferences.nnunet_results or default_results_folder(os.environ)
        if folder:
            self._nnunet.options["results"] = str(folder)
            self._rescan_quietly()

    def _ai_tools(self) -> list[AiTool]:
        return [tool for tool in self.tools.tools.values() if isinstance(tool, AiTool)]

    @property
    def _nnunet(self) -> NnunetTool:
        return next(tool for tool in self._ai_tools() if isinstance(tool, NnunetTool))

    # --- the environment ----------------------------------------------------------------
    @property
    def ai_python(self) -> str:
        """The Python that runs the worker (the preference, else this interpreter)."""
        return self.preferences.ai_python or sys.executable

    def set_ai_python(self, python: str) -> None:
        """Run the AI tools with ``python`` ("" : the interpreter running Demarcate);
        remembered in the preferences."""
        python = python.strip()
        if python and not Path(python).is_file():
            raise ValueError(f"{python} is not a file: pick the python executable of "
                             "the environment (e.g. <venv>/bin/python)")
        self.set_preferences(replace(self.preferences, ai_python=python))
        self.check_ai_python()
        self._emit(Topic.TOOL)

    def check_ai_python(self) -> Job:
        """Describe the chosen Python in the background (``ai_python_note``): its
        version and numpy, which AI packages it has, or why the worker cannot run in it,
        so a wrong choice shows before a run."""
        python = self.ai_python
        self.ai_python_note = f"checking {python}…"

        def land(note: str) -> None:
            if python == self.ai_python:
                self.ai_python_note = note
                self._emit(Topic.TOOL)

        def failed(error: BaseException) -> None:
            land(error_message(error))

        return self.jobs.submit("Checking the Python environment",
                                lambda job: _describe(probe_python(python)),
                                on_done=land, on_error=failed)

    def create_managed_environment(self) -> Job:
        """Make a venv owned by Demarcate for the armed AI tool and install its package
        into it with pip (a job with progress; needs a network or a wheel folder); when
        it lands, the AI tools run in it."""
        tool = self._armed_ai()
        folder = managed_env_folder(tool.info.name)

        def work(job: Job) -> str:
            report, cancelled = _job_callbacks(job.report)
            return create_managed_env(folder, [tool.package], report, cancelled).path

        return self.jobs.submit(
            f"Installing {tool.package}", work, on_done=self.set_ai_python,
            on_error=lambda error: self._emit(Topic.ERROR, message=error_message(error)))

    # --- the nnU-Net results folder --------------------------------------------------------
    def set_nnunet_results(self, folder: str, refresh: bool = False) -> None:
        """Read the nnU-Net results ``folder`` (datasets, configurations, trainers, plans,
        folds) into the nnU-Net tool's choices; remembered in the preferences. ``refresh``
        reads it again instead of using what was read before."""
        folder = folder.strip()
        results = scan_results(Path(folder), refresh=refresh)
        self._nnunet.use_results(folder, results)
        if folder != self.preferences.nnunet_results:
            self.set_preferences(replace(self.preferences, nnunet_results=folder))
        self._emit(Topic.TOOL)

    def _rescan_quietly(self) -> None:
        """The remembered folder at start; a folder gone since then is said on Run."""
        folder = str(self._nnunet.options["results"])
        try:
            results = scan_results(Path(folder))
        except (OSError, ValueError):
            results = None
        self._nnunet.use_results(folder, results)

    # --- extra images as channels ----------------------------------------------------------
    def ai_channel_candidates(self) -> list[tuple[int, str]]:
        """(index, name) of the open images on the shown image's grid, other than it:
        what can be an extra input channel."""
        shown = self.image_entry.image
        return [(index, entry.image.name) for index, entry in enumerate(self.images)
                if entry.image is not shown and _same_grid(entry.image, shown)]

    def set_ai_channel(self, channel: int, image_index: int | None) -> None:
        """Feed the open image ``image_index`` to the model as input ``channel`` (1 is
        the second channel; the shown image is always the first); None clears it."""
        tool = self._armed_ai()
        if image_index is None:
            tool.extra_images.pop(channel, None)
        else:
            image = self.images[image_index].image
            if not _same_grid(image, self.image_entry.image):
                raise ValueError(f"{image.name} is not on the grid of the shown image: "
                                 "resample it first")
            tool.extra_images[channel] = image
        self._emit(Topic.TOOL)

    def set_nnunet_fold(self, fold: str, ticked: bool) -> None:
        """Tick an nnU-Net fold in or out (none ticked: every fold runs)."""
        self._nnunet.set_fold(fold, ticked)
        self._emit(Topic.TOOL)

    # --- run, cancel, cache ----------------------------------------------------------------
    def _armed_ai(self) -> AiTool:
        tool = self.tools.armed
        if not isinstance(tool, AiTool):
            raise ValueError("no AI tool is armed: pick nnU-Net or TotalSegmentator first")
        return tool

    def run_ai_tool(self) -> Job:
        """Start the armed AI tool on the shown image; its preview lands when it ends (at
        once when the cache holds the answer)."""
        tool = self._armed_ai()
        tool.check()
        source = replace(self.volume_source(), channels=self._channels(tool))
        tool.status = ""  # the progress bar says how the run goes
        job = self._volume.refresh(tool, source)
        self._emit(Topic.TOOL)
        return job

    def _channels(self, tool: AiTool) -> tuple[np.ndarray, ...]:
        images = tool.extra_images
        shown = self.image_entry.image
        arrays = []
        for channel in sorted(images):
            image = images[channel]
            if not any(entry.image is image for entry in self.images):
                raise ValueError(f"{image.name} (channel {channel + 1}) was closed: "
                                 "pick another image for it")
            if not _same_grid(image, shown):
                raise ValueError(f"{image.name} is not on the grid of the shown image")
            arrays.append(image.array[min(self.time_step, image.time_steps - 1)])
        return tuple(arrays)

    def cancel_ai_run(self) -> None:
        """Stop the run in progress (the worker is asked to stop, then ended); the
        preview shown before it, the segmentation and its history stay as they were."""
        tool = self.tools.armed
        self._volume.stop()
        if tool is not None:
            tool.status = "cancelled"
        self._emit(Topic.TOOL)

    @property
    def ai_progress(self) -> tuple[float | None, str] | None:
        """(fraction, message) of the AI run in progress, None when none runs."""
        tool = self.tools.armed
        return self._volume.progress if isinstance(tool, AiTool) else None

    def clear_ai_cache(self) -> None:
        """Delete every cached prediction (the same run again starts the worker)."""
        self.ai_cache.clear()
        self._emit(Topic.TOOL)

    @property
    def ai_cache_bytes(self) -> int:
        return self.ai_cache.total_bytes()

    def _predict(self, adapter: str, image: np.ndarray, spacing_zyx: tuple[float, float, float],
                 params: dict, progress: Progress) -> Prediction:
        """Run ``adapter`` in the chosen environment (job thread)."""
        report, cancelled = _job_callbacks(progress)
        try:
            return run_prediction(self.ai_python, self.ai_adapter_override or adapter, image,
                                  spacing_zyx, params, progress=report, cancelled=cancelled,
                                  cache=self.ai_cache)
        except AiCancelled as error:
            raise Cancelled(str(error)) from error


def _describe(info: PythonInfo) -> str:
    """One line on a Python for the panel: what it lacks, or what it has."""
    if info.problem:
        return info.problem
    found = ", ".join(name for name, present in info.packages.items() if present)
    return (f"Python {info.version}, numpy {info.numpy}; "
            + (f"has {found}" if found else "no AI package yet (nnunetv2, totalsegmentator)"))


def error_message(error: BaseException) -> str:
    """What the user is told: an AI error whole (its first line says what happened, the
    lines after it what the worker or pip printed last), else the telling line."""
    return str(error).strip() if isinstance(error, AiError) else first_line(error)


def _job_callbacks(progress: Progress) -> tuple[Progress, Callable[[], bool]]:
    """A job's ``report`` split in two for code that stops a process itself: progress
    that never raises, and a question whether Cancel was asked. The job's report is its
    cancel point; asking it lets the AI client stop the worker properly (cancel line,
    grace period, shared memory released) instead of being unwound mid-read."""

    def cancelled() -> bool:
        try:
            progress(None, None)
        except Cancelled:
            return True
        return False

    def report(fraction: float | None, message: str | None) -> None:
        try:
            progress(fraction, message)
        except Cancelled:
            pass  # the caller sees it through cancelled()

    return report, cancelled


def _same_grid(image: ReferenceImage, other: ReferenceImage) -> bool:
    return (image.shape_zyx == other.shape_zyx
            and image.geometry.matches(other.geometry))
