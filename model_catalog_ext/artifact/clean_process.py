"""A fresh interpreter kept ready for the next ``verify()`` (and the ONNX check of prepare).

Starting Python and importing numpy and onnxruntime takes most of a verification's time, so
standby processes are started ahead of need -- one when ``prepare()`` begins (it then warms
up on the other core while the model is converted), two after each verification (for the
next edit-and-verify rounds).  A standby is still a clean process: a fresh ``python -I``
that has imported only the standard library and the listed third-party modules, never the
artifact, and that serves exactly one verification, after which this process reads its log
and stops it.  A standby exits when idle for IDLE_TIMEOUT seconds or when this process goes
away (its stdin closes), and then removes its own temporary folder: a kernel that is
SIGKILLed leaves none behind.  With numpy and onnxruntime loaded it holds about 45 MB.

The ONNX Runtime check of ``prepare()`` runs in the standby too, so the kernel itself never
loads onnxruntime (a smaller kernel; the check and the verification share one start-up).
"""
from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

WORKER = Path(__file__).with_name("verify_worker.py")
# Runs verify_worker.py from its cached bytecode (__pycache__, which an installed wheel has)
# where running it as a script would compile it on every start: 5 ms of each start-up.
_LAUNCH = ("import sys, importlib.util as u; s = u.spec_from_file_location('model_catalog_worker', sys.argv[1]); "
           "m = sys.modules[s.name] = u.module_from_spec(s); s.loader.exec_module(m); sys.exit(m.main(sys.argv[2:]))")
IDLE_TIMEOUT = 300.0


class WorkerFailed(Exception):
    """The process died or did not answer in time; ``log`` holds what it printed and
    ``exit_code`` how it ended (negative: killed by that signal; None: it did not end)."""

    def __init__(self, message: str, log: str = "", timed_out: bool = False,
                 exit_code: int | None = None):
        super().__init__(message)
        self.log = log
        self.timed_out = timed_out
        self.exit_code = exit_code


def clean_env() -> dict:
    # -I already ignores PYTHON* variables; drop them anyway so nothing downstream sees them.
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


class CleanProcess:
    """``python -I -B verify_worker.py --serve`` (by _LAUNCH): JSON requests on stdin, replies on a pipe.

    score.py may print anything, so the replies travel on their own pipe and the process's
    stdout/stderr go to a log file (read back for the report)."""

    def __init__(self, python: str, preload: tuple[str, ...] = (), env: dict | None = None):
        self.python = python
        self.preload = tuple(preload)
        self.idle_timeout = IDLE_TIMEOUT
        self.started = time.monotonic()
        self.env = clean_env() if env is None else env
        self._dir = tempfile.mkdtemp(prefix="model-catalog-worker-")
        self.log_path = os.path.join(self._dir, "output.log")
        replies, reply_end = os.pipe()
        try:
            with open(self.log_path, "wb") as log:
                self._proc = subprocess.Popen(
                    [python, "-I", "-B", "-c", _LAUNCH, str(WORKER), "--serve", str(reply_end), ",".join(self.preload),
                     str(self.idle_timeout), self._dir],
                    stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                    pass_fds=(reply_end,), cwd=self._dir, env=self.env,
                    # Its own session: Jupyter interrupts a kernel (the stop button) with
                    # SIGINT and restarts or shuts it down with SIGKILL, both sent to the
                    # kernel's whole process group. In that group a standby died with the
                    # kernel's KeyboardInterrupt and left its folder behind; on its own it
                    # lives on, and leaves (folder removed) once its stdin closes.
                    start_new_session=True,
                )
        except BaseException:
            os.close(replies)
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        finally:
            os.close(reply_end)
        self._replies = replies
        self._pending = b""
        self._busy = threading.Lock()  # one request at a time on the pipes

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def scratch_path(self, name: str) -> str:
        """A path in this process's own folder (its cwd), removed with it by close()."""
        return os.path.join(self._dir, name)

    def log_size(self) -> int:
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_since(self, offset: int = 0, limit: int = 4000) -> str:
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(max(offset, self.log_size() - limit))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def request(self, payload: dict, timeout: float, meanwhile: Callable[[], None] | None = None) -> dict:
        """Send one request and wait for its reply; WorkerFailed when none comes.
        ``meanwhile()`` runs once the request is sent: work of the caller's that overlaps it."""
        with self._busy:
            try:
                return self._request(payload, timeout, meanwhile)
            except BaseException as exc:
                if not isinstance(exc, WorkerFailed):
                    # Interrupted (the kernel's stop button) while the process works: its
                    # answer would come to the next request instead. Nobody may use it again.
                    self._proc.kill()
                    self._proc.wait()
                raise

    def _request(self, payload: dict, timeout: float, meanwhile) -> dict:
        offset = self.log_size()
        stdin = self._proc.stdin
        assert stdin is not None  # started with stdin=PIPE
        try:
            stdin.write(json.dumps(payload).encode() + b"\n")
            stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerFailed(f"the worker process is gone ({exc})", self.log_since(offset)) from None
        if meanwhile is not None:
            meanwhile()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._proc.kill()  # the log stays until close()
                self._proc.wait()
                raise WorkerFailed(f"no answer within {timeout:.0f}s", self.log_since(offset), timed_out=True)
            ready, _, _ = select.select([self._replies], [], [], remaining)
            if not ready:
                continue
            data = os.read(self._replies, 65536)
            if not data:
                code = self._proc.wait()
                raise WorkerFailed(f"the process died (exit code {code})", self.log_since(offset),
                                   exit_code=code)
            self._pending += data
        line, _, self._pending = self._pending.partition(b"\n")
        return json.loads(line)

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self._proc.stdin,):
            if stream is None:  # never: started with stdin=PIPE
                continue
            try:
                stream.close()
            except OSError:
                pass
        if self._replies >= 0:
            os.close(self._replies)
            self._replies = -1
        shutil.rmtree(self._dir, ignore_errors=True)


_lock = threading.Lock()
_standbys: list[CleanProcess] = []  # oldest first


def _usable(proc: CleanProcess, python: str) -> bool:
    # Near its idle timeout a standby may be exiting just as a request arrives: retire it.
    fresh = time.monotonic() - proc.started < proc.idle_timeout - 10
    return fresh and proc.python == python and proc.env == clean_env() and proc.alive()


def prime(preload: tuple[str, ...] = (), python: str | None = None, count: int = 1) -> None:
    """Make sure ``count`` standby processes are starting or ready (returns at once).

    After a verification two are kept: back-to-back prepare+verify rounds then always find
    one that has finished starting up (each round uses one up)."""
    python = python or sys.executable
    with _lock:
        stale = [p for p in _standbys if not _usable(p, python)]
        _standbys[:] = [p for p in _standbys if p not in stale]
        while len(_standbys) < count:
            _standbys.append(CleanProcess(python, preload))
    for proc in stale:
        proc.close()


def borrow(preload: tuple[str, ...] = ()) -> CleanProcess:
    """A standby that stays a standby, for requests that do not spoil it (the ONNX check)."""
    prime(preload)
    with _lock:
        return _standbys[0]


def take(preload: tuple[str, ...] = (), python: str | None = None) -> CleanProcess:
    """A clean process for one verification; the caller closes it afterwards."""
    python = python or sys.executable
    if python != sys.executable:  # e.g. a verification venv: no standby for those
        return CleanProcess(python, preload)
    prime(preload, python)
    with _lock:
        return _standbys.pop(0)


_retiring: set[threading.Thread] = set()


def retire(proc: CleanProcess) -> None:
    """Close a used process on a side thread (returns at once): stopping it and removing its
    folder cost a verification a few ms that its caller need not wait for."""
    def close() -> None:
        try:
            proc.close()
        finally:
            with _lock:
                _retiring.discard(thread)

    thread = threading.Thread(target=close, name="model-catalog-retire", daemon=True)
    with _lock:
        _retiring.add(thread)
    thread.start()


@atexit.register
def _shutdown() -> None:
    with _lock:
        procs = list(_standbys)
        _standbys.clear()
        retiring = list(_retiring)
    for proc in procs:
        proc.close()
    for thread in retiring:  # nothing left behind at exit
        thread.join(15)
