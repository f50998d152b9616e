"""The application layer: the session controller (every user action as an explicit
method), the events it announces, and the job runner for long work."""

from .events import SessionEvent, Topic
from .jobs import Cancelled, Job, JobRunner, JobState
from .recovery import RecoveredDocument
from .session import ImageEntry, Session, UnsavedChanges

__all__ = [
    "Cancelled",
    "ImageEntry",
    "Job",
    "JobRunner",
    "JobState",
    "RecoveredDocument",
    "Session",
    "SessionEvent",
    "Topic",
    "UnsavedChanges",
]
