"""The 3D tools' actions: arm a tool, keep its preview current, tick regions, Confirm.

Mixed into ``Session``. The preview follows everything it depends on: the tool's
options, the shown time step, and (GrowCut) the seeds in the first group, whose finished
edits re-run it. Confirm runs on the job runner, because "all time steps" computes the
tool once per time step; it writes through the document as one undo step when it lands.
"""

from __future__ import annotations

from ..model.changes import Change
from ..model.document import SegmentationDocument
from ..model.image import ReferenceImage
from ..tools.base import VolumePreview
from ..tools.controller import ToolController
from ..tools.volume import ALL_STEPS, VolumeResult, VolumeSource, VolumeTool
from .ai_actions import error_message
from .events import Topic
from .jobs import Job, JobRunner
from .volume_preview import VolumePreviewUpdater


class VolumeToolActions:
    """Needs from ``Session``: ``tools``, ``jobs``, ``image_entry``, ``document``,
    ``has_document``, ``time_step``, ``cursor_zyx``, ``_emit`` and ``_report_error``."""

    tools: ToolController
    jobs: JobRunner
    time_step: int
    cursor_zyx: tuple[int, int, int]
    _volume: VolumePreviewUpdater

    def _start_volume_previews(self) -> None:
        self._volume = VolumePreviewUpdater(
            self.jobs, lambda: self._emit(Topic.TOOL_FEEDBACK), self._volume_failed)

    def _volume_failed(self, error: BaseException) -> None:
        """A preview run failed: its message goes to the armed tool's status line too
        (an AI run's crash), and nothing else changes."""
        message = error_message(error)
        if self.tools.armed is not None:
            self.tools.armed.status = message
            self._emit(Topic.TOOL)
        self._emit(Topic.ERROR, message=message)

    @property
    def armed_tool(self) -> VolumeTool | None:
        """The 3D tool whose preview is shown (None: none)."""
        return self.tools.armed

    @property
    def volume_preview_pending(self) -> bool:
        """The armed tool's exact preview is still being computed."""
        return self._volume.pending

    def volume_source(self, time_step: int | None = None) -> VolumeSource:
        """What a 3D tool computes from: the image at ``time_step`` (the shown one by
        default), its spacing, the crosshair, and the first group as seeds."""
        time_step = self.time_step if time_step is None else time_step
        image: ReferenceImage = self.image_entry.image
        seeds, seed_labels = None, ()
        if self.has_document:
            seg = self.document.segmentation
            if seg.groups:
                first = seg.groups[0]
                seeds = first.array[seg.stored_time_index(time_step)]
                seed_labels = tuple((label.value, label.name, label.color)
                                    for label in first.labels)
        return VolumeSource(image.array[time_step], image.geometry.spacing_zyx, time_step,
                            tuple(self.cursor_zyx), seeds, seed_labels, id(image),
                            geometry=image.geometry)

    def _refresh_volume_preview(self) -> None:
        tool = self.tools.armed
        if tool is None or self.image_index is None:
            self._volume.stop()
            return
        if not tool.computes or tool.runs_on_request:
            return  # the preview is made by clicks (Picking), or by Run (AI)
        self._volume.refresh(tool, self.volume_source())

    def _stop_tools(self, keep_armed: bool = False) -> None:
        """End any gesture and drop unconfirmed work; the armed 3D tool's preview too,
        unless ``keep_armed`` (it is then recomputed for the new state)."""
        self.tools.cancel(keep_armed=keep_armed)
        armed = self.tools.armed
        if keep_armed and armed is not None and armed.runs_on_request:
            self._volume.stop()  # a run and its preview belong to the time step it ran on
            armed.cancel()
        elif keep_armed and armed is not None and not armed.computes:
            armed.cancel()  # clicks belong to the time step they were made on
        elif keep_armed and armed is not None:
            self._refresh_volume_preview()
        else:
            self._volume.stop()

    def _volume_tool_sees(self, document: SegmentationDocument, change: Change) -> None:
        """A finished edit of the first group re-runs a tool that follows its seeds."""
        tool = self.tools.armed
        if tool is None or not tool.follows_seeds or not change.final:
            return
        if not self.has_document or document is not self.document:
            return
        t_index = document.segmentation.stored_time_index(self.time_step)
        if change.touches_group_at(0, t_index) or change.structure or change.metadata:
            self._refresh_volume_preview()

    def set_region_ticked(self, number: int, ticked: bool) -> None:
        """Tick a region of the armed tool's preview in or out (what Confirm writes)."""
        tool = self.tools.armed
        if tool is None:
            raise ValueError("no 3D tool is armed")
        tool.set_ticked(number, ticked)
        self._emit(Topic.TOOL_FEEDBACK)

    def cancel_volume_tool(self) -> None:
        """Drop the armed 3D tool's preview; nothing was written."""
        self.tools.disarm()
        self._volume.stop()
        self._emit(Topic.TOOL)

    def confirm_volume_tool(self) -> Job:
        """Write the armed tool's preview (ticked regions) as one undo step: for the shown
        time step, or computed for every time step when the tool's option says so."""
        tool = self.tools.armed
        if tool is None:
            raise ValueError("no 3D tool is armed: pick Threshold, Otsu, GrowCut or Picking")
        document = self.document
        seg = document.segmentation
        every_step = (tool.spans_time_steps and tool.options.get("time_steps") == ALL_STEPS
                      and seg.time_steps > 1)
        if every_step and not seg.is_dynamic:
            raise ValueError("the segmentation is static (one volume for all time steps): "
                             "convert it to dynamic to confirm every time step")
        steps = list(range(seg.time_steps)) if every_step else [self.time_step]
        ready: dict[int, VolumeResult] = {}
        held = tool.result
        if (held is not None and isinstance(held.preview, VolumePreview)
                and (self._volume.current or tool.runs_on_request)):
            ready[self.time_step] = held  # what the user sees, not computed again
        elif tool.runs_on_request:
            raise ValueError(f"press Run and wait for the {tool.info.title} preview first")
        sources = ({t: self.volume_source(t) for t in steps if t not in ready}
                   if tool.computes else {})
        options = dict(tool.options)

        def work(job: Job) -> dict[int, VolumeResult]:
            results = dict(ready)
            for done, (time_step, source) in enumerate(sorted(sources.items())):
                job.report(done / max(len(sources), 1), f"time step {time_step + 1}")
                results[time_step] = tool.compute(source, options, job.report)
            return results

        def land(results: dict[int, VolumeResult]) -> int:
            self._volume.stop()
            changed = tool.write(document, results)
            if self.tools.armed is tool:
                self.tools.disarm()
            self._volume.stop()  # the write's own change may have asked GrowCut to re-run
            self._emit(Topic.TOOL)
            return changed

        return self.jobs.submit(f"Confirm {tool.info.title}", work, on_done=land,
                                on_error=self._report_error)
