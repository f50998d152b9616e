"""Names and colours for new labels: sequential names or a list of suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .labels import Color, palette_color

# Common structures offered for auto-completion when no suggestions file is set.
BUILTIN_SUGGESTIONS: tuple[tuple[str, Color | None], ...] = (
    ("Liver", (0.87, 0.51, 0.36)),
    ("Spleen", (0.62, 0.2, 0.2)),
    ("Kidney left", (0.72, 0.36, 0.4)),
    ("Kidney right", (0.72, 0.36, 0.4)),
    ("Pancreas", (0.98, 0.84, 0.55)),
    ("Stomach", (0.82, 0.6, 0.45)),
    ("Gallbladder", (0.54, 0.78, 0.36)),
    ("Aorta", (0.86, 0.16, 0.16)),
    ("Heart", (0.81, 0.29, 0.35)),
    ("Lung left", (0.77, 0.86, 0.94)),
    ("Lung right", (0.77, 0.86, 0.94)),
    ("Brain", (0.98, 0.82, 0.74)),
    ("Tumor", (0.57, 0.24, 0.69)),
    ("Lesion", (1.0, 0.85, 0.0)),
    ("Bone", (0.95, 0.92, 0.82)),
    ("Muscle", (0.75, 0.33, 0.29)),
    ("Fat", (0.95, 0.85, 0.5)),
    ("Vessel", (0.75, 0.11, 0.11)),
)


class NamingMode(Enum):
    SEQUENTIAL = "sequential"  # "Label N"
    SUGGESTIONS = "suggestions"  # next unused suggestion, then "Label N"
    ASK = "ask"  # the window asks for name and colour (MITK); "Label N" for scripts


@dataclass(frozen=True)
class Suggestion:
    name: str
    color: Color | None = None


@dataclass
class LabelNaming:
    """How new labels are named and coloured, and which names are allowed.

    ``only_suggestions`` mirrors MITK's preference that forces names from the list:
    renaming or creating a label with any other name is refused.
    """

    mode: NamingMode = NamingMode.SEQUENTIAL
    suggestions: list[Suggestion] = field(default_factory=list)
    replace_builtin: bool = False
    only_suggestions: bool = False

    def all_suggestions(self) -> list[Suggestion]:
        if self.replace_builtin:
            return list(self.suggestions)
        own = {s.name for s in self.suggestions}
        builtin = [Suggestion(n, c) for n, c in BUILTIN_SUGGESTIONS if n not in own]
        return list(self.suggestions) + builtin

    def color_for(self, name: str, label_index: int) -> Color:
        for suggestion in self.all_suggestions():
            if suggestion.name == name and suggestion.color is not None:
                return suggestion.color
        return palette_color(label_index)

    def new_label(
        self, value: int, existing_names: set[str], label_index: int
    ) -> tuple[str, Color]:
        """Name and colour for a new label with ``value``.

        A suggestion counts as used whatever its case: "Liver" is not offered again
        when a "liver" exists.
        """
        if self.mode is NamingMode.SUGGESTIONS or self.only_suggestions:
            used = {name.casefold() for name in existing_names}
            for suggestion in self.all_suggestions():
                if suggestion.name.casefold() not in used:
                    return suggestion.name, self.color_for(suggestion.name, label_index)
            if self.only_suggestions:
                raise ValueError("every suggested name is already used")
        return f"Label {value}", palette_color(label_index)

    def check_name(self, name: str) -> None:
        """Refuse names that break the naming preference, with a message for the user."""
        if not name.strip():
            raise ValueError("a label name cannot be empty")
        if self.only_suggestions and name not in {s.name for s in self.all_suggestions()}:
            raise ValueError(f"'{name}' is not in the list of suggested names")

    def complete(self, prefix: str) -> list[str]:
        """Suggested names starting with ``prefix`` (case-insensitive), for auto-completion."""
        lowered = prefix.lower()
        return [s.name for s in self.all_suggestions() if s.name.lower().startswith(lowered)]
