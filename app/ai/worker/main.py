"""The AI worker: runs a model adapter in the Python environment the user chose, apart
from the app, and talks to the app (``demarcate.ai.client``) in JSON lines.

Started as ``<python> main.py``; that Python has numpy and the AI package but not
Demarcate, so this file needs only the standard library and numpy. The app creates two
shared-memory blocks (the image, float32 (C, Z, Y, X), and the label map, uint16
(Z, Y, X)); the worker attaches to them by name and never unlinks them: the app always
does, whatever happened here.

stdin, one JSON object a line::

    {"cmd": "predict", "shm": IN, "shape": [C, Z, Y, X], "out_shm": OUT,
     "spacing": [z, y, x], "adapter": NAME_OR_PATH, "params": {...}}
    {"cmd": "cancel"}

stdout, JSON lines only::

    {"ready": true, "python": "3.11.7", "numpy": "1.26.4"}      once, at start
    {"progress": 0.4, "msg": "fold 2/5"}                         any number
    {"log": "text"}                                              any number
    {"done": true, "labels": {"1": "liver"}, "seconds": {...}}   or
    {"error": "message", "kind": "cancelled" | "failed" | "missing"}

``seconds`` in ``done`` holds the time spent attaching, in the model and writing the
label map, for the overhead benchmark. Everything else a process prints goes to stderr,
which the app reads as log lines. The worker serves predictions until stdin closes; an
adapter is a module beside this file (``nnunet_v2``, ``nnunet_v1``,
``totalsegmentator_adapter``) or an absolute path to a ``.py`` file, with
``run(image, spacing_zyx, params, progress) -> (labels, {value: name})``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import sys
import threading
import time
import traceback
from multiprocessing import resource_tracker, shared_memory

import numpy as np

WORKER_DIR = os.path.dirname(os.path.abspath(__file__))
LABEL_MAX = int(np.iinfo(np.uint16).max)


class Cancelled(Exception):
    """Raised by ``progress`` once the app asked to cancel; adapters let it propagate."""


class AdapterMissing(Exception):
    """The adapter named in a predict command does not exist or has no ``run``."""


class Channel:
    """The protocol stream: JSON lines only, written whole by one thread at a time (an
    adapter may report progress from threads of its own)."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, **message) -> None:
        line = json.dumps(message) + "\n"
        with self._lock:
            self._stream.write(line)
            self._stream.flush()


def take_stdout():
    """Keep file descriptor 1 for protocol lines only and point fd 1 at stderr.

    Python's ``print`` and C extensions (torch, nnU-Net's libraries) write to fd 1 and
    would break the JSON stream; after this they land on stderr, which the app logs.
    """
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "w", encoding="utf-8")


def take_stdin():
    """Keep the command pipe for the reading thread only and point fd 0 and sys.stdin at
    /dev/null.

    Every process that multiprocessing forks closes ``sys.stdin`` first; forked while the
    reading thread waits inside ``sys.stdin`` (it always is), the child would wait forever
    for that thread's lock. TotalSegmentator's nnU-Net forks a pool of such children.
    """
    commands = os.fdopen(os.dup(0), encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115  (lives as long as we do)
    return commands


def attach(name: str) -> shared_memory.SharedMemory:
    """Attach to the app's block without letting this process's resource tracker unlink
    it on exit (Python < 3.13 registers attached blocks too), so a worker that dies
    cannot pull the label map out from under the app."""
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, track=False)
    block = shared_memory.SharedMemory(name=name)
    resource_tracker.unregister(block._name, "shared_memory")
    return block


def load_adapter(name: str):
    """The adapter module: a file beside this one by module name, or a ``.py`` path."""
    if os.path.isabs(name):
        path, module_name = name, "adapter_" + os.path.splitext(os.path.basename(name))[0]
    elif name.isidentifier():
        path, module_name = os.path.join(WORKER_DIR, name + ".py"), name
    else:
        raise AdapterMissing(f"'{name}' is not an adapter name or a path to a .py file")
    if not os.path.isfile(path):
        raise AdapterMissing(f"no AI adapter '{name}' (looked for {path})")
    if module_name in sys.modules:
        module = sys.modules[module_name]
    else:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    if not callable(getattr(module, "run", None)):
        raise AdapterMissing(f"the AI adapter {path} has no run() function")
    return module


def write_labels(labels, out: np.ndarray) -> None:
    """Check the adapter's label map against the image grid and copy it into the block."""
    labels = np.asarray(labels)
    if labels.shape != out.shape:
        raise RuntimeError(f"the model returned a label map of shape {labels.shape} "
                           f"for an image of shape {out.shape}")
    if labels.dtype.kind not in "biu":
        raise RuntimeError(f"the model returned {labels.dtype} labels instead of integers")
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) > LABEL_MAX):
        raise RuntimeError(f"the model returned label values outside 0..{LABEL_MAX}")
    np.copyto(out, labels, casting="unsafe")


def predict(command: dict, channel: Channel, cancel: threading.Event) -> None:
    """Run one predict command and send ``done``; exceptions go to ``serve``."""
    started = time.perf_counter()
    blocks = []
    try:
        for name in (command["shm"], command["out_shm"]):
            blocks.append(attach(name))
        shape = tuple(int(n) for n in command["shape"])
        image = np.ndarray(shape, np.float32, buffer=blocks[0].buf)
        out = np.ndarray(shape[1:], np.uint16, buffer=blocks[1].buf)
        attached = time.perf_counter()

        def progress(fraction: float | None, message: str = "") -> None:
            if cancel.is_set():
                raise Cancelled()
            channel.send(progress=None if fraction is None else float(fraction),
                         msg=str(message))

        adapter = load_adapter(command["adapter"])
        channel.send(log=f"adapter {command['adapter']} from {adapter.__file__}")
        spacing = tuple(float(s) for s in command["spacing"])
        labels, names = adapter.run(image, spacing, command.get("params") or {}, progress)
        modelled = time.perf_counter()
        write_labels(labels, out)
        del image, out, labels  # the views must go before the blocks can close
        written = time.perf_counter()
        channel.send(done=True, labels={str(int(k)): str(v) for k, v in names.items()},
                     seconds={"attach": attached - started, "model": modelled - attached,
                              "write": written - modelled})
    finally:
        for block in blocks:
            try:
                block.close()
            except BufferError:
                pass  # an adapter kept a view of the image; the OS frees it at exit


def failure(error: BaseException) -> dict:
    """The protocol's error message for an exception out of ``predict``."""
    if isinstance(error, Cancelled):
        return {"error": "cancelled", "kind": "cancelled"}
    traceback.print_exception(type(error), error, error.__traceback__)
    if isinstance(error, AdapterMissing):
        return {"error": str(error), "kind": "missing"}
    if isinstance(error, ModuleNotFoundError) and error.name:
        return {"error": f"the Python package '{error.name}' is not installed in "
                         f"{sys.executable}", "kind": "missing"}
    if isinstance(error, MemoryError):
        return {"error": "the AI model ran out of memory", "kind": "failed"}
    text = str(error).strip() or type(error).__name__
    if not isinstance(error, RuntimeError):
        text = f"{type(error).__name__}: {text}"
    return {"error": text, "kind": "failed"}


def read_commands(stdin, commands: queue.Queue, cancel: threading.Event) -> None:
    """Hand predict commands to the main thread and set ``cancel`` as soon as a cancel
    arrives, even while a prediction runs. A closed stdin (the app finished or died)
    cancels too, so an orphaned worker stops at the adapter's next progress call."""
    for line in stdin:
        try:
            command = json.loads(line)
        except ValueError:
            print(f"demarcate worker: ignored a line that is not JSON: {line!r}",
                  file=sys.stderr)
            continue
        if command.get("cmd") == "cancel":
            cancel.set()
        elif command.get("cmd") == "predict":
            commands.put(command)
    cancel.set()
    commands.put(None)


def serve(channel: Channel, stdin) -> None:
    channel.send(ready=True, python=".".join(map(str, sys.version_info[:3])),
                 numpy=np.__version__)
    commands: queue.Queue = queue.Queue()
    cancel = threading.Event()
    threading.Thread(target=read_commands, args=(stdin, commands, cancel),
                     daemon=True).start()
    while (command := commands.get()) is not None:
        try:
            predict(command, channel, cancel)
        except Exception as error:  # every failure becomes a message for the app
            channel.send(**failure(error))
        cancel.clear()


if __name__ == "__main__":
    serve(Channel(take_stdout()), take_stdin())
