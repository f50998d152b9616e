"""TotalSegmentator: one of its tasks on the shown image, run in the user's environment.

The task list is TotalSegmentator's own (``totalsegmentator --help``); the worker's
adapter names the labels from its class map and says where the weights must be placed
when they are missing (they cannot be downloaded offline).
"""

from __future__ import annotations

from .ai_tool import DEVICE, AiTool, class_names
from .base import Option, OptionValue, ToolInfo
from .volume import TARGET

TASKS = ("total", "total_mr", "body", "body_mr", "lung_vessels", "cerebral_bleed",
         "hip_implant", "pleural_pericard_effusion", "head_glands_cavities", "head_muscles",
         "headneck_bones_vessels", "headneck_muscles", "liver_vessels", "liver_segments",
         "liver_segments_mr", "oculomotor_muscles", "lung_nodules", "kidney_cysts",
         "breasts", "vertebrae_mr")


class TotalSegmentatorTool(AiTool):
    info = ToolInfo("totalsegmentator", "Y", "TotalSegmentator: segment the organs of a CT "
                    "or MR image with a TotalSegmentator task (press Run; takes minutes)",
                    tab="3D", display_name="TotalSegmentator")
    option_specs = (Option("task", "Task", "total", choices=TASKS),
                    Option("fast", "Fast (3 mm, for the CPU)", True), DEVICE,
                    Option("classes", "Only these classes (empty: all)", ""), TARGET)
    adapter = "totalsegmentator_adapter"
    package = "TotalSegmentator"
    sends_placement = True

    def request(self, options: dict[str, OptionValue]) -> tuple[str, dict]:
        subset = class_names(str(options["classes"]))
        return self.adapter, {"task": options["task"], "fast": bool(options["fast"]),
                              "device": options["device"], "roi_subset": subset or None}

    def model_title(self, options: dict[str, OptionValue]) -> str:
        return f"TotalSegmentator {options['task']}"
