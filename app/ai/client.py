"""The app's side of the AI worker: run one prediction in a fresh worker process.

``run_prediction`` copies the image into a shared-memory block, starts
``worker/main.py`` with the chosen Python, sends the predict line when the worker says
it is ready, forwards progress, and copies the label map out of a second block. Every
way a run can end (done, error, cancel, crash, out-of-memory kill, hang, a Python that
is not one) becomes a Prediction, AiCancelled or one AiError with a message for the
user; the worker process is always gone and both blocks are always unlinked when it
returns, so the session and the segmentation never depend on what the worker did.
The app never imports torch: the worker does, in its own environment.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing import shared_memory
from pathlib import Path

import numpy as np

from .cache import PredictionCache, params_json, prediction_key
from .environments import not_a_python, probe_python
from .errors import AiCancelled, AiError
from .process import STDERR, LineProcess

WORKER_SCRIPT = Path(__file__).resolve().parent / "worker" / "main.py"
#: Shared-memory blocks are named ``dm-ai-<pid>-<random>-in|out`` so a leak can be traced
#: to its process (and tests can check that none is left).
BLOCK_PREFIX = "dm-ai-"
SHM_FOLDER = "/dev/shm"
#: A Python that has not started the worker by then hangs (numpy imports in ~1 s).
READY_TIMEOUT_S = 120.0
#: How often the client looks at ``cancelled`` and the clock while the worker is quiet.
POLL_S = 0.05
#: stderr lines quoted in a crash message.
QUOTED_LINES = 6

log = logging.getLogger(__name__)

Progress = Callable[[float | None, str | None], None]


@dataclass(frozen=True)
class Prediction:
    """A finished prediction: the label map on the image grid and the label names."""

    labels: np.ndarray  # (Z, Y, X) uint16
    names: dict[int, str]
    from_cache: bool
    seconds: float  # wall time of the whole call


def as_channels(image: np.ndarray) -> np.ndarray:
    """The image as (C, Z, Y, X): a (Z, Y, X) volume is one channel."""
    image = np.asarray(image)
    if image.ndim == 3:
        return image[np.newaxis]
    if image.ndim != 4:
        raise ValueError(f"an AI input is (Z, Y, X) or (C, Z, Y, X), not shape {image.shape}")
    return image


def check_shared_memory_room(needed: int) -> None:
    """Refuse a handoff that does not fit in the shared-memory file system: a block is
    created sparse, and writing past the free space kills the app with SIGBUS instead
    of raising (containers often mount a 64 MB /dev/shm)."""
    folder = SHM_FOLDER
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):
        return  # no such folder (macOS, Windows): shared memory is not a file system
    free = stats.f_bavail * stats.f_frsize
    if needed > free:
        raise AiError(f"The image needs {needed / 2**20:.0f} MB of shared memory but "
                      f"{folder} has {free / 2**20:.0f} MB free (in a container, give it "
                      "more with --shm-size)")


@contextlib.contextmanager
def shared_blocks(*sizes: int) -> Iterator[list[shared_memory.SharedMemory]]:
    """New shared-memory blocks of ``sizes`` bytes, closed and unlinked on the way out
    whatever happened (the worker never unlinks them)."""
    check_shared_memory_room(sum(sizes))
    token = f"{BLOCK_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    blocks: list[shared_memory.SharedMemory] = []
    try:
        for index, size in enumerate(sizes):
            blocks.append(shared_memory.SharedMemory(name=f"{token}-{index}", create=True,
                                                     size=max(int(size), 1)))
        yield blocks
    finally:
        for block in blocks:
            with contextlib.suppress(BufferError):
                block.close()
            with contextlib.suppress(FileNotFoundError):
                block.unlink()


def _death_message(code: int, tail: list[str]) -> str:
    """Why a worker ended without a result, from its exit status and last stderr lines."""
    if code == -getattr(signal, "SIGKILL", 9):
        text = ("The AI worker was killed, likely out of memory (the system stops the "
                "biggest process when memory runs out): try a smaller image, fewer folds "
                "or the other device, or close other programs")
    elif code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        text = f"The AI worker crashed ({name})"
    elif code > 0:
        text = f"The AI worker stopped with exit code {code}"
    else:
        text = "The AI worker ended without a result"
    quoted = [line for line in tail if line.strip()][-QUOTED_LINES:]
    return text + (":\n" + "\n".join(quoted) if quoted else "")


class PredictionRun:
    """One prediction in a fresh worker. ``phases_s`` says where the time went (copy_in,
    start, attach, model, write, copy_out), for the overhead benchmark and the log."""

    def __init__(self, python: str, adapter: str, image: np.ndarray,
                 spacing_zyx: tuple[float, float, float], params: Mapping, *,
                 progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                 grace_s: float = 5.0, timeout_s: float | None = None) -> None:
        self.python = str(python)
        self.adapter = str(adapter)
        self.image = as_channels(image)
        self.spacing_zyx = tuple(float(s) for s in spacing_zyx)
        self.params = dict(params)
        self.progress = progress or (lambda fraction, message: None)
        self.cancelled = cancelled or (lambda: False)
        self.grace_s = grace_s
        self.timeout_s = timeout_s
        self.phases_s: dict[str, float] = {}

    def run(self) -> tuple[np.ndarray, dict[int, str]]:
        """The label map (Z, Y, X) uint16 and its names; AiError or AiCancelled."""
        grid = self.image.shape[1:]
        with shared_blocks(self.image.size * 4, int(np.prod(grid)) * 2) as (image_block,
                                                                        labels_block):
            started = time.perf_counter()
            np.copyto(np.ndarray(self.image.shape, np.float32, buffer=image_block.buf),
                      self.image, casting="same_kind")
            self.phases_s["copy_in"] = time.perf_counter() - started
            command = json.dumps({
                "cmd": "predict", "shm": image_block.name, "shape": self.image.shape,
                "out_shm": labels_block.name, "spacing": self.spacing_zyx,
                "adapter": self.adapter, "params": self.params}, default=params_json)
            names = self._drive(command)
            started = time.perf_counter()
            labels = np.array(np.ndarray(grid, np.uint16, buffer=labels_block.buf))
            self.phases_s["copy_out"] = time.perf_counter() - started
        log.debug("AI prediction phases (s): %s", self.phases_s)
        return labels, names

    def _start(self) -> LineProcess:
        try:
            return LineProcess([self.python, str(WORKER_SCRIPT)], stdin=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1",
                                    "PYTHONIOENCODING": "utf-8"})
        except OSError as error:
            raise AiError(not_a_python(self.python, error.strerror or str(error))) from error

    def _drive(self, command: str) -> dict[int, str]:
        """Talk to a fresh worker until it answers, dies, or is stopped."""
        started = time.perf_counter()
        worker = self._start()
        ready = False
        stopping: str | None = None  # "cancelled", "timeout" or "not ready" once decided
        stop_by = 0.0
        answer: dict | None = None
        try:
            while answer is None:
                try:
                    item = worker.next_line(POLL_S)
                except EOFError:
                    break
                message = None if item is None else self._read(item)
                if message is not None and message.get("ready") and not ready:
                    ready = True
                    self.phases_s["start"] = time.perf_counter() - started
                    worker.send(command)
                elif message is not None and not message.get("ready"):
                    answer = message
                now = time.perf_counter()
                if stopping is None:
                    stopping = self._stop_reason(now - started, ready)
                    if stopping is not None and not ready:
                        break  # nothing was asked of it yet: no grace to give
                    if stopping is not None:
                        worker.send(json.dumps({"cmd": "cancel"}))
                        stop_by = now + self.grace_s
                elif now > stop_by:
                    break
        finally:
            code = worker.close(grace_s=self.grace_s if answer is not None else 0.0)
            for stream, line in worker.drain():  # stderr that came with or after the end
                if stream == STDERR:
                    log.info("AI worker: %s", line)
        return self._outcome(answer, stopping, ready, code, worker.tail())

    def _stop_reason(self, elapsed_s: float, ready: bool) -> str | None:
        if self.cancelled():
            return "cancelled"
        if self.timeout_s is not None and elapsed_s > self.timeout_s:
            return "timeout"
        if not ready and elapsed_s > READY_TIMEOUT_S:
            return "not ready"
        return None

    def _read(self, item: tuple[str, str]) -> dict | None:
        """Log or forward one output line; returns a ready, done or error message."""
        stream, line = item
        if stream == STDERR:
            log.info("AI worker: %s", line)
            return None
        try:
            message = json.loads(line)
        except ValueError:
            log.info("AI worker (not a protocol line): %s", line)
            return None
        if not isinstance(message, dict):
            return None
        if "progress" in message:
            self.progress(message["progress"], message.get("msg"))
        elif "log" in message:
            log.info("AI worker: %s", message["log"])
        elif message.get("ready"):
            log.info("AI worker ready: Python %s, numpy %s", message.get("python"),
                     message.get("numpy"))
            return message
        elif message.get("done") or "error" in message:
            return message
        return None

    def _outcome(self, answer: dict | None, stopping: str | None, ready: bool, code: int,
                 tail: list[str]) -> dict[int, str]:
        """The names of a finished run, or the exception that says why there are none."""
        if stopping == "cancelled":
            raise AiCancelled("the AI prediction was cancelled")
        if stopping == "timeout":
            raise AiError(f"The AI worker did not finish within {self.timeout_s:g} s and "
                          "was stopped; it seems to hang")
        if stopping == "not ready":
            raise AiError(f"{self.python} did not start the AI worker within "
                          f"{READY_TIMEOUT_S:g} s")
        if answer is not None and answer.get("done"):
            self.phases_s.update(answer.get("seconds") or {})
            return {int(value): str(name) for value, name in answer["labels"].items()}
        if answer is not None:
            if answer.get("kind") == "cancelled":
                raise AiCancelled("the AI prediction was cancelled")
            raise AiError(str(answer["error"]))
        if not ready:
            problem = probe_python(self.python).problem  # raises "is not a Python"
            if problem:
                raise AiError(problem)
        raise AiError(_death_message(code, tail))


def run_prediction(python: str, adapter: str, image: np.ndarray,
                   spacing_zyx: tuple[float, float, float], params: dict, *,
                   progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None,
                   cache: PredictionCache | None = None, grace_s: float = 5.0,
                   timeout_s: float | None = None) -> Prediction:
    """Predict labels for ``image`` ((Z, Y, X) or (C, Z, Y, X)) with ``adapter`` run by
    ``python``; see the module docstring.

    ``progress(fraction, message)`` gets the worker's progress (fraction None: unknown).
    ``cancelled`` is polled every ``POLL_S``; once it says yes the worker is asked to
    stop, terminated after ``grace_s``, and AiCancelled is raised. Past ``timeout_s`` of
    wall time the worker is stopped the same way and AiError says it hung. With a
    ``cache``, a run with the same image, spacing, adapter and parameters returns the
    stored result without starting a worker, and a new result is stored.
    """
    started = time.perf_counter()
    key = None
    if cache is not None:
        key = prediction_key(as_channels(image), spacing_zyx, adapter, params)
        hit = cache.get(key)
        if hit is not None:
            return Prediction(hit[0], hit[1], True, time.perf_counter() - started)
    labels, names = PredictionRun(python, adapter, image, spacing_zyx, params,
                                  progress=progress, cancelled=cancelled, grace_s=grace_s,
                                  timeout_s=timeout_s).run()
    if cache is not None:
        cache.put(key, labels, names)
    return Prediction(labels, names, False, time.perf_counter() - started)
