"""A child process whose stdout and stderr lines arrive on one queue, so the caller can
wait for output and still poll for cancel and deadlines (the AI worker, pip).

Each stream has a reader thread: a pipe nobody reads fills up and blocks the child, and
a blocking ``readline`` on the caller's thread could not notice a cancel. The child gets
a session of its own so that stopping it also stops the processes it started
(nnU-Net's data loaders), and ``close`` always ends with the process gone and reaped.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence

STDOUT = "stdout"
STDERR = "stderr"
#: How long a terminated process gets to exit before it is killed.
TERM_WAIT_S = 3.0
#: After the process ended, how long its output may still trickle in before the streams
#: count as closed although a leftover child of it still holds the pipes (a data loader
#: forked by nnU-Net outlives a worker killed by the OOM killer).
EXIT_DRAIN_S = 1.0


class LineProcess:
    """Start ``argv``; read its output line by line with ``next_line``."""

    def __init__(self, argv: Sequence[str], *, stdin: bool = False, tail_lines: int = 20,
                 env: Mapping[str, str] | None = None) -> None:
        self.argv = [str(arg) for arg in argv]
        self._tail: deque[str] = deque(maxlen=tail_lines)  # the last stderr lines
        self._tail_lock = threading.Lock()
        self._lines: queue.Queue[tuple[str, str | None]] = queue.Queue()
        self._open_streams = 2
        self._quiet_since_exit: float | None = None
        self.process = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            errors="replace", bufsize=1, start_new_session=True,
            env=None if env is None else dict(env))
        self._readers = [threading.Thread(target=self._read, args=(name, stream), daemon=True)
                         for name, stream in ((STDOUT, self.process.stdout),
                                              (STDERR, self.process.stderr))]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str, stream) -> None:
        try:
            for line in stream:
                line = line.rstrip("\r\n")
                if name == STDERR:
                    with self._tail_lock:
                        self._tail.append(line)
                self._lines.put((name, line))
        except (OSError, ValueError):
            pass  # the pipe was closed under us by close()
        finally:
            self._lines.put((name, None))

    def next_line(self, timeout_s: float) -> tuple[str, str] | None:
        """The next ``(stream, line)``; None if none came within ``timeout_s``. Raises
        EOFError once both streams are closed, or once the process has ended and nothing
        came for ``EXIT_DRAIN_S``."""
        while self._open_streams:
            try:
                name, line = self._lines.get(timeout=timeout_s)
            except queue.Empty:
                if self.process.poll() is None:
                    return None
                now = time.monotonic()
                self._quiet_since_exit = self._quiet_since_exit or now
                if now - self._quiet_since_exit < EXIT_DRAIN_S:
                    return None
                break
            self._quiet_since_exit = None
            if line is not None:
                return name, line
            self._open_streams -= 1
        raise EOFError

    def drain(self) -> list[tuple[str, str]]:
        """The lines read but not yet taken (after ``close``: everything left)."""
        lines = []
        while True:
            try:
                name, line = self._lines.get_nowait()
            except queue.Empty:
                return lines
            if line is not None:
                lines.append((name, line))

    def tail(self) -> list[str]:
        """The last stderr lines, for an error message."""
        with self._tail_lock:
            return list(self._tail)

    def send(self, line: str) -> bool:
        """Write one line to the process's stdin; False if it no longer reads."""
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def _signal(self, hard: bool) -> None:
        """Terminate (or kill) the process and everything it started (its session)."""
        if os.name == "posix":
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL if hard else signal.SIGTERM)
        elif self.process.poll() is not None:
            return
        elif hard:
            self.process.kill()
        else:
            self.process.terminate()

    def stop(self, grace_s: float) -> int:
        """Wait up to ``grace_s`` for the process to end by itself, then terminate it and,
        if it ignores that, kill it. Returns its exit code (negative: the signal)."""
        try:
            return self.process.wait(max(grace_s, 0.0))
        except subprocess.TimeoutExpired:
            self._signal(hard=False)
        try:
            return self.process.wait(TERM_WAIT_S)
        except subprocess.TimeoutExpired:
            self._signal(hard=True)
        return self.process.wait()

    def close(self, grace_s: float = 0.0) -> int:
        """Close stdin (the worker takes that as a cancel), stop the process after
        ``grace_s`` and release the pipes and reader threads; returns the exit code."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                self.process.stdin.close()
        code = self.stop(grace_s)
        self._signal(hard=True)  # children it left behind would hold the pipes open
        for reader, stream in zip(self._readers, (self.process.stdout, self.process.stderr),
                                  strict=True):
            # A grandchild that still holds the pipe must not hang us; its reader is left
            # to end with the grandchild (closing a stream under a reading thread can
            # deadlock on the stream's lock).
            reader.join(TERM_WAIT_S)
            if not reader.is_alive():
                stream.close()
        return code
