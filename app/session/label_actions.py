"""Label, group, voxel and history actions of the selected segmentation.

Each is a user action of the label panel, a tool or the Edit menu, written out so that
readers and type checkers can follow it; each passes the call to the selected document,
which records one undo step and announces the change (segmentation-semantics.md).
"""

from __future__ import annotations

from ..model.document import SegmentationDocument
from ..model.labels import Color, Label
from ..model.write import MaskRegion, WriteMode


class LabelActions:
    """Mixed into ``Session``, which provides ``document`` (the selected segmentation)."""

    @property
    def document(self) -> SegmentationDocument:
        raise NotImplementedError

    # --- labels ------------------------------------------------------------------------
    def add_label(self, name: str | None = None, color: Color | None = None,
                  group_index: int | None = None) -> Label:
        """A new empty label (value max+1) in the active label's group, made active."""
        return self.document.add_label(name, color, group_index)

    def create_instance(self, value: int) -> Label:
        """A new label with the name and colour of label ``value`` (another instance)."""
        return self.document.create_instance(value)

    def remove_label(self, value: int) -> None:
        """Delete a label and clear its voxels."""
        self.document.remove_label(value)

    def rename_label(self, value: int, name: str) -> None:
        self.document.rename_label(value, name)

    def set_label_color(self, value: int, color: Color) -> None:
        self.document.set_label_color(value, color)

    def set_label_opacity(self, value: int, opacity: float) -> None:
        self.document.set_label_opacity(value, opacity)

    def set_label_visible(self, value: int, visible: bool) -> None:
        self.document.set_label_visible(value, visible)

    def set_label_locked(self, value: int, locked: bool) -> None:
        self.document.set_label_locked(value, locked)

    def set_active_label(self, value: int | None) -> None:
        """The label the tools write (selection: no undo step)."""
        self.document.set_active_label(value)

    def clear_label(self, value: int) -> None:
        """Clear a label's voxels in every time step; the label stays."""
        self.document.clear_label(value)

    def merge_labels(self, target_value: int, source_values: list[int]) -> None:
        """Move the voxels of the sources into the target and delete the sources."""
        self.document.merge_labels(target_value, source_values)

    # --- groups --------------------------------------------------------------------------
    def add_group(self, name: str | None = None) -> int:
        return self.document.add_group(name)

    def remove_group(self, index: int) -> None:
        """Delete a group with its labels and voxels (never the last group)."""
        self.document.remove_group(index)

    def rename_group(self, index: int, name: str) -> None:
        self.document.rename_group(index, name)

    def set_group_locked(self, index: int, locked: bool) -> None:
        self.document.set_group_locked(index, locked)

    def set_all_locked(self, locked: bool) -> None:
        self.document.set_all_locked(locked)

    def set_all_visible(self, visible: bool) -> None:
        self.document.set_all_visible(visible)

    def set_unlabeled_locked(self, locked: bool) -> None:
        """Protect unlabeled voxels from every tool (MITK's "lock unlabeled")."""
        self.document.set_unlabeled_locked(locked)

    def set_dynamic(self, dynamic: bool, source_time_step: int = 0) -> None:
        """3D+t: one mask per time step (dynamic) or one for all (static)."""
        self.document.set_dynamic(dynamic, source_time_step)

    # --- voxels and history ----------------------------------------------------------------
    def write(self, region: MaskRegion, time_step: int = 0, label_value: int | None = None,
              *, mode: WriteMode = WriteMode.MERGE, regard_locks: bool = True,
              description: str = "Draw") -> int:
        """Write a mask into a label (the active one) through the one write path."""
        return self.document.write(region, time_step, label_value, mode=mode,
                                   regard_locks=regard_locks, description=description)

    def erase(self, region: MaskRegion, time_step: int = 0, label_value: int | None = None,
              *, description: str = "Erase") -> int:
        """Clear voxels of a label (the active one) inside a mask."""
        return self.document.erase(region, time_step, label_value, description=description)

    def begin_stroke(self, description: str) -> None:
        """Start one undo step that spans several writes (a scripted stroke)."""
        self.document.begin_stroke(description)

    def end_stroke(self) -> None:
        self.document.end_stroke()

    def undo(self) -> str | None:
        """Revert the newest step; returns what was undone (None: nothing)."""
        return self.document.undo()

    def redo(self) -> str | None:
        return self.document.redo()
