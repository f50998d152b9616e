"""The session controller: every user action of the window as an explicit method.

The window only translates input into these calls and redraws what the announced
events name, so everything it can do is tested here without a window. Long work (files,
interpolation) runs on the job runner and lands through these methods on the UI thread.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from .. import formats
from ..formats.errors import first_line
from ..model.changes import Change, ChangeKind, Signal
from ..model.document import SegmentationDocument
from ..model.image import ReferenceImage
from ..model.naming import LabelNaming, NamingMode
from ..model.preferences import Preferences, load_preferences, save_preferences
from ..model.preset import LabelSetPreset
from ..model.segmentation import LabelGroup, Segmentation
from ..render.windowing import default_window, preset_name, preset_window
from ..tools.base import Feedback, OptionValue
from ..tools.controller import ToolController
from ..tools.interpolation import SliceInterpolator
from ..tools.slicing import SlicePosition
from .ai_actions import AiActions
from .autosave import Autosaver
from .contour_actions import ContourInterpolationActions
from .events import SessionEvent, Topic
from .interpolation import InterpolationUpdater
from .jobs import Job, JobRunner
from .label_actions import LabelActions
from .model_actions import ModelActions
from .recent_files import remember_recent
from .recovery import RecoveredDocument, RecoveryStore
from .statistics import StatisticsActions
from .surfaces import SurfaceMeshes
from .volume_actions import VolumeToolActions


class UnsavedChanges(RuntimeError):
    """Closing would throw away edits; the caller asks the user or passes discard."""

    def __init__(self, documents: list[SegmentationDocument]) -> None:
        names = ", ".join(d.segmentation.name for d in documents)
        super().__init__(f"unsaved changes in {names}: save them or discard them first")
        self.documents = documents


@dataclass
class ImageEntry:
    """An open image, how it is windowed, and the segmentations drawn on it."""

    image: ReferenceImage
    segmentations: list[SegmentationDocument] = field(default_factory=list)
    visible: bool = True
    level: float = 0.0
    width: float = 1.0
    window_name: str = "Custom"  # the preset chosen last, or "Custom" after dragging

    def __post_init__(self) -> None:
        self.level, self.width = default_window(self.image.array[0])
        self.window_name = preset_name(self.level, self.width)


class Session(LabelActions, VolumeToolActions, AiActions, ModelActions, StatisticsActions,
              ContourInterpolationActions):
    def __init__(
        self, preferences: Preferences | None = None, preferences_file: Path | None = None,
        jobs: JobRunner | None = None, recovery: RecoveryStore | None = None,
    ) -> None:
        self._preferences_file = preferences_file
        self.preferences = preferences or load_preferences(preferences_file)
        self.images: list[ImageEntry] = []
        self.image_index: int | None = None
        self.segmentation_index: int | None = None
        self.time_step = 0
        self.cursor_zyx = (0, 0, 0)  # the crosshair, shared by all slice views
        self.events: Signal[SessionEvent] = Signal()
        self.jobs = jobs or JobRunner()
        self.tools = ToolController()
        self._start_volume_previews()
        self._start_ai()
        self._start_model_actions()
        self._start_statistics()
        self._interpolation = InterpolationUpdater(
            self.jobs, lambda: self._emit(Topic.INTERPOLATION))
        self._start_contour_interpolation()
        self._finishing_2d: SlicePosition | None = None  # see _finish_gesture
        self._disconnect: dict[int, object] = {}  # document id -> its listener's remover
        self.autosaver = Autosaver(self.jobs, recovery or RecoveryStore(),
                                   lambda: self.preferences.autosave_seconds,
                                   self._store_contours)
        self.surfaces = SurfaceMeshes(self)  # the 3D view's label surfaces

    def _emit(self, topic: Topic, **details) -> None:
        self.events.emit(SessionEvent(topic, **details))

    # --- selection ---------------------------------------------------------------------
    @property
    def image_entry(self) -> ImageEntry:
        if self.image_index is None:
            raise LookupError("no image is open")
        return self.images[self.image_index]

    @property
    def document(self) -> SegmentationDocument:
        entry = self.image_entry
        if self.segmentation_index is None:
            raise LookupError("no segmentation is selected: create or open one first")
        return entry.segmentations[self.segmentation_index]

    @property
    def has_document(self) -> bool:
        return self.image_index is not None and self.segmentation_index is not None

    @property
    def segmentation(self) -> Segmentation:
        return self.document.segmentation

    def select(self, image_index: int, segmentation_index: int | None = None) -> None:
        """Show an image and make one of its segmentations (or none) the edited one."""
        entry = self.images[image_index]
        if segmentation_index is not None and not 0 <= segmentation_index < len(
            entry.segmentations
        ):
            raise IndexError(f"image {image_index} has no segmentation {segmentation_index}")
        if self.has_document:
            self.document.end_stroke()
        # A contour or stroke in progress belongs to the segmentation being left.
        self._stop_tools()
        if image_index != self.image_index:
            self.cursor_zyx = tuple(n // 2 for n in entry.image.shape_zyx)
        self.image_index = image_index
        self.segmentation_index = segmentation_index
        self.time_step = min(self.time_step, entry.image.time_steps - 1)
        self._apply_selection_mode()
        self._refresh_interpolation()
        self._emit(Topic.SELECTION)

    def _apply_selection_mode(self) -> None:
        """Data node selection mode: only the selected segmentation is shown."""
        if not self.preferences.data_node_selection_mode or self.image_index is None:
            return
        for index, document in enumerate(self.image_entry.segmentations):
            document.visible = index == self.segmentation_index

    def set_cursor(self, zyx: tuple[int, int, int]) -> None:
        """Move the crosshair (clamped into the image); every view follows it."""
        shape = self.image_entry.image.shape_zyx
        clamped = tuple(int(min(max(v, 0), n - 1)) for v, n in zip(zyx, shape, strict=True))
        if clamped != self.cursor_zyx:
            self.cursor_zyx = clamped
            self._emit(Topic.CURSOR)

    def step_slice(self, axis: int, delta: int) -> None:
        """Move the crosshair ``delta`` slices along array axis ``axis`` (wheel, keys)."""
        cursor = list(self.cursor_zyx)
        cursor[axis] += delta
        self.set_cursor(tuple(cursor))

    def set_window(self, level: float, width: float) -> None:
        """Level and width of the display window (Shift+drag); named after the preset it
        equals, else "Custom"."""
        entry = self.image_entry
        entry.level, entry.width = float(level), max(float(width), 1e-3)
        entry.window_name = preset_name(entry.level, entry.width)
        self._emit(Topic.WINDOW)

    def apply_window_preset(self, name: str) -> None:
        """A named window (CT soft tissue, lung, bone, brain) or "Auto" from percentiles."""
        entry = self.image_entry
        self.set_window(*preset_window(name, entry.image.array[self.time_step]))
        entry.window_name = name

    def set_time_step(self, time_step: int) -> None:
        steps = self.image_entry.image.time_steps
        if not 0 <= time_step < steps:
            raise IndexError(f"time step {time_step} outside 0..{steps - 1}")
        if time_step != self.time_step:
            self.time_step = time_step
            # A contour belongs to the time step it was drawn on; a 3D preview follows.
            self._stop_tools(keep_armed=True)
            self._refresh_interpolation()
            self._emit(Topic.TIME_STEP)

    def step_time(self, delta: int) -> None:
        """Next/previous time step of a 3D+t image, stopping at the ends."""
        steps = self.image_entry.image.time_steps
        self.set_time_step(min(max(self.time_step + delta, 0), steps - 1))

    # --- images --------------------------------------------------------------------------
    def open_image(self, path: str | Path) -> Job:
        """Read an image on the job runner and select it when it lands.

        A file that cannot be read changes nothing; the job's error says why.
        """
        def land(image: ReferenceImage) -> ImageEntry:
            entry = self.add_image(image)
            remember_recent(path, "image")
            return entry

        return self.jobs.submit(
            f"Opening {Path(path).name}",
            lambda job: formats.read_image(path, progress=job.report),
            on_done=land, on_error=self._report_error)

    def add_image(self, image: ReferenceImage) -> ImageEntry:
        entry = ImageEntry(image)
        self.images.append(entry)
        self._emit(Topic.IMAGES)
        self.select(len(self.images) - 1)
        return entry

    def close_image(self, index: int, *, discard_changes: bool = False) -> None:
        """Close an image with its segmentations; a remaining image gets selected.

        Refused (UnsavedChanges) while a segmentation of it has unsaved edits, unless
        ``discard_changes``: the window asks the user first.
        """
        self._refuse_unsaved(self.images[index].segmentations, discard_changes)
        selected = self.image_index
        if self.has_document:
            self.document.end_stroke()
        self._stop_tools()
        for document in self.images[index].segmentations:
            self._detach(document)
        del self.images[index]
        self.image_index = self.segmentation_index = None
        self._emit(Topic.IMAGES)
        if self.images:
            keep = selected if selected is not None and selected < index else max(
                (selected or 0) - 1, 0)
            self.select(min(keep, len(self.images) - 1))
        else:
            self._refresh_interpolation()
            self._emit(Topic.SELECTION)

    # --- segmentations -------------------------------------------------------------------
    def naming(self) -> LabelNaming:
        """Label naming rule from the preferences (reads the suggestions file if set)."""
        prefs = self.preferences
        suggestions = (
            formats.read_suggestions(prefs.suggestions_file) if prefs.suggestions_file else []
        )
        return LabelNaming(
            NamingMode(prefs.label_naming),
            suggestions,
            replace_builtin=prefs.suggestions_replace_builtin,
            only_suggestions=prefs.only_suggestions,
        )

    def add_segmentation(self, segmentation: Segmentation, path: str | None = None,
                         image_index: int | None = None) -> SegmentationDocument:
        """Attach an already read segmentation to an image (the selected one) and select it.

        Refused unless it lies on the image's grid, so a segmentation can only ever be
        shown on an image it is congruent with.
        """
        index = self.image_index if image_index is None else image_index
        if index is None:
            raise LookupError("no image is open")
        image = self.images[index].image
        if (
            segmentation.shape_zyx != image.shape_zyx
            or segmentation.time_steps != image.time_steps
            or not segmentation.geometry.matches(image.geometry)
        ):
            raise ValueError(
                f"{path or segmentation.name} does not lie on the grid of image "
                f"'{image.name}' ({image.geometry.describe()})"
            )
        if segmentation.active_label_value is None and segmentation.labels:
            segmentation.active_label_value = segmentation.labels[0].value
        return self._attach(index, segmentation, path)

    def _attach(self, image_index: int, segmentation: Segmentation,
                path: str | None) -> SegmentationDocument:
        document = SegmentationDocument(
            segmentation,
            naming=self.naming(),
            undo_budget_bytes=self.preferences.undo_budget_bytes,
            path=path,
        )
        entry = self.images[image_index]
        entry.segmentations.append(document)
        self._disconnect[id(document)] = document.changes.connect(
            lambda change: self._on_document_change(document, change))
        self._restore_contours(document)
        self._emit(Topic.SEGMENTATIONS, document=document)
        self.select(image_index, len(entry.segmentations) - 1)
        return document

    def _detach(self, document: SegmentationDocument) -> None:
        remove = self._disconnect.pop(id(document), None)
        if remove is not None:
            remove()
        self.autosaver.forget(document)
        self._forget_polygon_models(document)
        self._statistics.forget(document)

    def _on_document_change(self, document: SegmentationDocument, change: Change) -> None:
        finished = (self._finishing_2d if change.kind is ChangeKind.EDIT and change.voxels
                    else None)
        if finished is not None:
            self._interpolation.note_drawn(document, finished)
        if self.has_document and document is self.document:
            self._interpolation.on_change(document, change, self.time_step)
        self._contours_see(document, change, finished)
        self._volume_tool_sees(document, change)
        self._statistics.on_change(document, change)
        if change.final:
            self.autosaver.note_change(document)
        self._emit(Topic.DOCUMENT, document=document, change=change)

    def unsaved_documents(self, image_index: int | None = None) -> list[SegmentationDocument]:
        """Segmentations with edits not in their file (of one image, or of all)."""
        entries = self.images if image_index is None else [self.images[image_index]]
        return [d for entry in entries for d in entry.segmentations if d.modified]

    @staticmethod
    def _refuse_unsaved(documents: list[SegmentationDocument], discard: bool) -> None:
        unsaved = [d for d in documents if d.modified]
        if unsaved and not discard:
            raise UnsavedChanges(unsaved)

    def new_segmentation(self, name: str | None = None) -> SegmentationDocument:
        """A new segmentation of the selected image: the default preset's labels if one is
        set in the preferences, else one red "Label 1" in "Group 0" (MITK's start)."""
        entry = self.image_entry
        image = entry.image
        segmentation = Segmentation(
            image.shape_zyx,
            image.geometry,
            image.time_steps,
            name=name or f"{image.name} segmentation {len(entry.segmentations) + 1}",
        )
        segmentation.groups.append(LabelGroup("Group 0", segmentation.new_group_array()))
        preset = (
            formats.read_preset(self.preferences.default_preset)
            if self.preferences.default_preset
            else None
        )
        document = self._attach(self.image_index, segmentation, None)
        if preset is not None:
            document.apply_preset(preset)
        else:
            document.add_label()
        # Creating the segmentation is not something to undo label by label.
        document.history.clear()
        document.mark_saved()
        self._emit(Topic.SEGMENTATIONS, document=document)
        return document

    def open_segmentation(self, path: str | Path, *, round_values: bool = False) -> Job:
        """Read a segmentation of the selected image on the job runner; it is attached
        to that image when it lands, or refused with a message if it is not congruent.

        ``round_values`` accepts a float label map (resampled with interpolation) by
        rounding it to the nearest label values; without it such a file is refused.
        """
        image = self.image_entry.image
        return self.jobs.submit(
            f"Opening {Path(path).name}",
            lambda job: formats.read_segmentation(path, reference=image, progress=job.report,
                                                  round_floats=round_values),
            on_done=lambda seg: self._attach_read(seg, str(path), image),
            on_error=self._report_error)

    def _attach_read(self, segmentation: Segmentation, path: str,
                     image: ReferenceImage) -> SegmentationDocument:
        for index, entry in enumerate(self.images):
            if entry.image is image:
                document = self.add_segmentation(segmentation, path, index)
                remember_recent(path, "segmentation")
                return document
        raise LookupError(f"the image {path} was opened for has been closed")

    def save_segmentation(self, path: str | Path | None = None, *,
                          mitk_version: int | None = None,
                          document: SegmentationDocument | None = None) -> Job:
        """Save a segmentation (the selected one) on the job runner (atomically).

        The file gets the state of the moment Save was chosen (a copy is written, so
        edits made meanwhile are neither torn nor lost and still count as unsaved); the
        path is remembered for the next Save. ``mitk_version`` defaults to the version
        the file was read in (1 for new files, which MITK 2023.04 opens).
        """
        document = document or self.document
        document.end_stroke()
        target = path or document.path
        if target is None:
            raise ValueError("choose a file name to save the segmentation")
        seg = document.segmentation
        if mitk_version is None:
            mitk_version = self.default_mitk_version(document)
        snapshot = copy.deepcopy(seg)
        self._store_contours(document, snapshot)
        version = document.version

        def land(written: list[Path]) -> list[Path]:
            document.path = str(target)
            document.mark_saved(version)
            if not document.modified:
                self.autosaver.forget(document)
            self._emit(Topic.SEGMENTATIONS, document=document)
            return written

        return self.jobs.submit(
            f"Saving {Path(target).name}",
            lambda job: formats.write_segmentation(snapshot, target, mitk_version=mitk_version,
                                                   progress=job.report),
            on_done=land, on_error=self._report_error, key=f"save:{Path(target)}")

    def default_mitk_version(self, document: SegmentationDocument | None = None) -> int:
        """The MITK version a save writes unless told: the file's own (v4 stays v4), else
        1, which MITK 2023.04 opens."""
        seg = (document or self.document).segmentation
        return 4 if (seg.source_format, seg.source_version) == ("mitk", 4) else 1

    def what_saving_loses(self, path: str | Path, mitk_version: int | None = None,
                          document: SegmentationDocument | None = None) -> list[str]:
        """What a save to ``path`` could not keep, in words for the user (empty: all)."""
        document = document or self.document
        version = mitk_version or self.default_mitk_version(document)
        return formats.what_is_lost(document.segmentation, path, mitk_version=version)

    def close_segmentation(self, index: int | None = None, *,
                           discard_changes: bool = False) -> None:
        """Close a segmentation (the selected one) of the shown image.

        Refused (UnsavedChanges) while it has unsaved edits, unless ``discard_changes``.
        """
        entry = self.image_entry
        index = self.segmentation_index if index is None else index
        if index is None:
            return
        self._refuse_unsaved([entry.segmentations[index]], discard_changes)
        if index == self.segmentation_index:
            self.document.end_stroke()
            self._stop_tools()
        self._detach(entry.segmentations[index])
        del entry.segmentations[index]
        remaining = len(entry.segmentations)
        self.segmentation_index = min(index, remaining - 1) if remaining else None
        self._refresh_interpolation()
        self._emit(Topic.SEGMENTATIONS)
        self._emit(Topic.SELECTION)

    def set_segmentation_visible(self, index: int, visible: bool) -> None:
        document = self.image_entry.segmentations[index]
        document.visible = bool(visible)
        self._emit(Topic.SEGMENTATIONS, document=document)

    def _report_error(self, error: BaseException) -> None:
        self._emit(Topic.ERROR, message=first_line(error))

    def poll_jobs(self) -> bool:
        """Land finished background work (UI thread, every frame); True when any landed."""
        delivered = self.jobs.poll()
        if delivered:
            self._emit(Topic.JOBS)
        return bool(delivered)

    def cancel_job(self, job: Job) -> None:
        job.cancel()
        self._emit(Topic.JOBS)

    # --- autosave and recovery ------------------------------------------------------------
    def autosave(self, now: float | None = None) -> list[Job]:
        """Start a background copy of every modified segmentation left alone for the
        autosave pause (the window calls this every frame; cheap when nothing is due)."""
        jobs = []
        for entry in self.images:
            for document in self.autosaver.due(entry.segmentations, now):
                jobs.append(self.autosaver.copy_now(document, entry.image.source_path))
        return jobs

    def seconds_until_autosave(self, now: float | None = None) -> float | None:
        """When the next autosave is due (None: nothing waits for one)."""
        documents = [d for entry in self.images for d in entry.segmentations]
        return self.autosaver.seconds_until_due(documents, now)

    def recoverable_work(self) -> list[RecoveredDocument]:
        """Autosaved segmentations that runs which did not end cleanly left behind."""
        return self.autosaver.store.left_behind()

    def restore(self, recovered: RecoveredDocument) -> Job:
        """Open a recovered segmentation on its image (opened too unless it is open).

        It comes back as unsaved, with the file name the user had, so Save writes
        where it was meant to go.
        """
        open_image = next((i for i, e in enumerate(self.images)
                           if e.image.source_path == recovered.image_path), None)

        def work(job: Job):
            if open_image is None and recovered.image_path is None:
                raise ValueError(f"{recovered.name}: the image it was drawn on is unknown")
            image = (self.images[open_image].image if open_image is not None
                     else formats.read_image(recovered.image_path))
            job.report(0.5)
            return image, formats.read_segmentation(recovered.path, reference=image)

        def land(result) -> SegmentationDocument:
            image, segmentation = result
            index = open_image
            if index is None:
                self.add_image(image)
                index = self.image_index
            segmentation.name = recovered.name
            document = self.add_segmentation(segmentation, recovered.document_path, index)
            document.mark_unsaved()
            self._emit(Topic.SEGMENTATIONS, document=document)
            return document

        return self.jobs.submit(f"Restoring {recovered.name}", work, on_done=land,
                                on_error=self._report_error)

    def discard_recovered(self, recovered: list[RecoveredDocument]) -> None:
        """Delete what crashed runs left behind (after restoring, or when not wanted)."""
        self.autosaver.store.discard(sorted({d.run for d in recovered}))

    def shutdown(self) -> None:
        """A clean end: stop background work and remove this run's recovery folder."""
        self.jobs.shutdown()
        self.autosaver.store.close()

    def start_warm_up(self) -> Job:
        """Compile (or load from numba's cache) the tools' kernels in the background, so
        the first Fill or interpolation after start responds like every later one."""

        def work(job: Job) -> None:
            from ..gpu.warmup import warm_up_beside_a_child  # imports every kernel module

            warm_up_beside_a_child(job.report)

        return self.jobs.submit("Preparing the tools", work, on_error=self._report_error)

    # --- tools -----------------------------------------------------------------------------
    def select_tool(self, name: str | None) -> None:
        """Make a tool active (None: crosshair mode); unconfirmed work is dropped. A 3D
        tool is armed and computes its preview; GrowCut stays armed while 2D tools draw
        its seeds."""
        armed = self.tools.armed
        self.tools.select(name)
        if self.tools.armed is None:
            self._volume.stop()
        elif self.tools.armed is not armed or self.tools.active is armed:
            self._refresh_volume_preview()
        self._emit(Topic.TOOL)

    def set_tool_option(self, name: str, value: OptionValue,
                        tool: str | None = None) -> OptionValue:
        """Set an option of ``tool`` (default: the active one); returns the kept value."""
        tool = tool or self.tools.active_tool
        if tool is None:
            raise ValueError("no tool is active")
        kept = self.tools.set_option(tool, name, value)
        if self.tools.armed is not None and self.tools.armed.info.name == tool:
            self._refresh_volume_preview()
        self._emit(Topic.TOOL)
        return kept

    def step_tool_option(self, name: str, delta: float) -> None:
        """Nudge a numeric option of the active tool ([ ] and Shift+wheel: brush size);
        nothing happens when the active tool has no such option."""
        tool = self.tools.active
        if tool is None or name not in tool.options:
            return
        self.set_tool_option(name, tool.options[name] + delta)

    @property
    def tool_feedback(self) -> Feedback:
        return self.tools.feedback()

    def _tool_call(self, action, *args):
        """Run a tool event; a failure ends the gesture so no half state lingers."""
        try:
            return action(*args)
        except Exception:
            self.tools.cancel(keep_armed=True)
            raise
        finally:
            self._emit(Topic.TOOL_FEEDBACK)

    def _plane_point(self, axis: int, voxel_zyx: tuple[int, int, int]) -> tuple[float, float]:
        return tuple(float(v) for k, v in enumerate(voxel_zyx) if k != axis)

    def tool_press(self, axis: int, voxel_zyx: tuple[int, int, int], ctrl: bool = False) -> int:
        """Mouse button down on voxel ``voxel_zyx`` of a view perpendicular to ``axis``.

        Interpolation follows the orientation the user draws in.
        """
        document = self.document
        self._interpolation.set_axis(axis, document, self.time_step)
        entry = self.image_entry
        position = SlicePosition(axis, int(voxel_zyx[axis]), self.time_step)
        # Click tools (Fill, Erase, Close) write on the press itself.
        return self._finish_gesture(position, self.tools.press, document, position,
                                    self._plane_point(axis, voxel_zyx), ctrl,
                                    entry.image.array[self.time_step], entry.width)

    def tool_drag(self, voxel_zyx: tuple[int, int, int]) -> int:
        """The mouse moved with the button down (on the slice of the press)."""
        position = self.tools.gesture_position
        if position is None or not self.tools.busy:
            return 0
        return self._tool_call(self.tools.drag, self._plane_point(position.axis, voxel_zyx))

    def tool_release(self) -> int:
        if not self.tools.busy:
            return 0
        return self._finish_gesture(self.tools.gesture_position, self.tools.release,
                                    self.document)

    def _finish_gesture(self, position: SlicePosition | None, action, *args):
        """Run a 2D tool's event that may finish a step (a release, a double click, a
        confirm, or the press of a click tool); a step it finishes that writes marks
        ``position``'s slice as drawn for interpolation (as MITK records its contours),
        whatever else the label holds there. A brush's press only opens its stroke."""
        tool = self.tools.active
        if tool is not None and tool.info.tab == "2D":
            self._finishing_2d = position
        try:
            return self._tool_call(action, *args)
        finally:
            self._finishing_2d = None

    def tool_hover(self, axis: int, voxel_zyx: tuple[int, int, int]) -> bool:
        """The mouse moved without a button over a view (live wire follows it)."""
        position = self.tools.gesture_position
        if position is None or position.axis != axis or voxel_zyx[axis] != position.index:
            return False
        changed = self.tools.hover(self._plane_point(axis, voxel_zyx))
        if changed:
            self._emit(Topic.TOOL_FEEDBACK)
        return changed

    def tool_double_click(self, axis: int, voxel_zyx: tuple[int, int, int]) -> bool:
        """A double click for the active tool; False when the tool does not use one
        (the view may then use it, e.g. to maximise)."""
        tool = self.tools.active
        if tool is None or not tool.uses_double_click or not self.has_document:
            return False
        position = SlicePosition(axis, int(voxel_zyx[axis]), self.time_step)
        self._finish_gesture(position, self.tools.double_click, self.document, position,
                             self._plane_point(axis, voxel_zyx))
        return True

    def tool_key(self, key: str) -> bool:
        """A key for the active tool ("delete": the selected anchor)."""
        if not self.has_document:
            return False
        return self._tool_call(self.tools.key, self.document, key)

    def confirm_tool(self) -> int:
        """Apply what the active tool holds (a contour waiting for Confirm)."""
        return self._finish_gesture(self.tools.gesture_position, self.tools.confirm,
                                    self.document)

    def cancel_tool(self) -> None:
        self._stop_tools()
        self._emit(Topic.TOOL_FEEDBACK)

    # --- interpolation ---------------------------------------------------------------------
    @property
    def interpolator(self) -> SliceInterpolator:
        return self._interpolation.interpolator

    @property
    def interpolation_pending(self) -> bool:
        """Suggestions are being recomputed in the background."""
        return self._interpolation.pending

    def _selected_document(self) -> SegmentationDocument | None:
        return self.document if self.has_document else None

    def _refresh_interpolation(self) -> None:
        self._interpolation.refresh(self._selected_document(), self.time_step)
        self._refresh_contour_interpolation()

    def set_interpolation(self, enabled: bool, axis: int | None = None) -> None:
        """Turn 2D interpolation on/off (the interpolation choice 2D or Disabled, see
        ``set_interpolation_mode``); ``axis`` is the orientation it suggests in."""
        if axis is not None:
            self._interpolation.set_axis(axis, self._selected_document(), self.time_step)
        self.set_interpolation_mode("2D" if enabled else "Disabled")

    def confirm_interpolation(self, slice_index: int | None = None) -> int:
        """Accept one suggested slice, or all of them (one undo step either way)."""
        document = self.document
        self._interpolation.ensure_current(document, self.time_step)
        indices = None if slice_index is None else [slice_index]
        return self.interpolator.confirm(document, self.time_step, indices)

    # --- presets ---------------------------------------------------------------------------
    def save_preset(self, path: str | Path) -> None:
        preset = LabelSetPreset.from_segmentation(self.segmentation, Path(path).stem)
        formats.write_preset(preset, path)

    def load_preset(self, path: str | Path) -> None:
        """Apply a preset file to the selected segmentation (one undo step, no voxel change)."""
        self.document.apply_preset(formats.read_preset(path))

    # --- preferences -------------------------------------------------------------------------
    def set_preferences(self, preferences: Preferences) -> Path:
        """Validate, persist and apply new preferences to open segmentations."""
        saved = save_preferences(preferences, self._preferences_file)
        self.preferences = preferences
        naming = self.naming()
        for entry in self.images:
            for document in entry.segmentations:
                document.naming = naming
                document.history.budget_bytes = preferences.undo_budget_bytes
                document.history.enforce_budget()
        self._apply_selection_mode()
        self._emit(Topic.PREFERENCES)
        return saved
