"""Start a worker process, feed it a request, enforce the timeout, read its answer.

The request travels through the worker's stdin as a pickle of plain values, so
settings never appear in argv or the environment. The answer comes back on a
separate pipe: one JSON header line, then the encoded result. The worker's
stdout and stderr share a third pipe, copied into the job's log up to a cap.
"""

import json
import os
import pickle
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import syftapi_cli
from syftapi_cli.runtime import processes

# -I isolates the worker from PYTHON* variables, the user's site-packages and
# the current folder; the package's own folder is put on sys.path explicitly.
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from syftapi_cli.runtime.worker import main; main()"
)
_PACKAGE_PARENT = str(Path(syftapi_cli.__file__).resolve().parent.parent)
LOG_CAP_BYTES = 1024 * 1024
_live_workers: set[int] = set()
_live_lock = threading.Lock()


@dataclass
class Outcome:
    """The outcome of one worker run: status, duration, error and encoded result."""

    status: str
    duration_s: float
    error: dict | None = None
    kind: str | None = None
    payload: bytes = b""
    header: dict = field(default_factory=dict)
    log_dropped: int = 0


def worker_environment() -> dict:
    """Return the parent's environment minus every SYFTAPI_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SYFTAPI_")}


def _read_answer(fd: int, sink: dict) -> None:
    with os.fdopen(fd, "rb") as answer:
        sink["data"] = answer.read()


def _copy_log(fd: int, log_path: Path | None, sink: dict) -> None:
    """Copy the worker's output into LOG_PATH up to the cap; count what is dropped."""
    written = dropped = 0
    log = open(log_path, "ab") if log_path else None
    try:
        with os.fdopen(fd, "rb") as output:
            while chunk := output.read(65536):
                room = LOG_CAP_BYTES - written
                if log and room > 0:
                    log.write(chunk[:room])
                    written += min(room, len(chunk))
                dropped += max(0, len(chunk) - max(room, 0))
    finally:
        if log:
            log.close()
    sink["dropped"] = dropped


def _end_worker(process: subprocess.Popen, own_children: set[int]) -> None:
    """Kill the worker's group and every descendant, including ones that left it.

    OWN_CHILDREN, this process's children from before the worker started,
    are spared because they are not the worker's.
    """
    tree = processes.descendants(process.pid)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    processes.kill_all(tree)
    process.wait()
    with _live_lock:
        _live_workers.discard(process.pid)
        keep = set(_live_workers)
    processes.reap_orphans(keep | own_children)


def run_worker(
    python: str, request: dict, timeout: float, log_path: Path | None = None
) -> Outcome:
    """Run REQUEST in a new worker; kill it and its descendants after TIMEOUT seconds."""
    processes.become_subreaper()
    # NOTE: a child that another thread of this process starts while the
    # worker runs is taken for an orphan of the worker and killed at its end.
    own_children = processes.children()
    answer_read, answer_write = os.pipe()
    log_read, log_write = os.pipe()
    request = {**request, "answer_fd": answer_write}
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            [python, "-I", "-c", _BOOT, _PACKAGE_PARENT],
            stdin=subprocess.PIPE,
            stdout=log_write,
            stderr=log_write,
            pass_fds=(answer_write,),
            env=worker_environment(),
            start_new_session=True,
        )
    except OSError as error:
        for fd in (answer_read, answer_write, log_read, log_write):
            os.close(fd)
        return Outcome(
            "errored",
            0.0,
            {"type": "WorkerError", "message": f"cannot start {python!r}: {error}", "exit_code": 4},
        )
    with _live_lock:
        _live_workers.add(process.pid)
    os.close(answer_write)
    os.close(log_write)
    answer: dict = {}
    logs: dict = {}
    readers = [
        threading.Thread(target=_read_answer, args=(answer_read, answer), daemon=True),
        threading.Thread(target=_copy_log, args=(log_read, log_path, logs), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        process.stdin.write(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
        process.stdin.close()
    except BrokenPipeError:
        pass
    try:
        process.wait(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    _end_worker(process, own_children)
    for reader in readers:
        reader.join(timeout=5)
    duration = time.monotonic() - started
    if timed_out:
        return Outcome(
            "timed_out",
            duration,
            {"type": "TimeoutError", "message": f"timed out after {timeout:g} s", "exit_code": 1},
            log_dropped=logs.get("dropped", 0),
        )
    outcome = _parse_answer(answer.get("data", b""), process.returncode, duration)
    outcome.log_dropped = logs.get("dropped", 0)
    return outcome


def _parse_answer(data: bytes, returncode: int, duration: float) -> Outcome:
    split = data.find(b"\n")
    header_line = data[:split] if split >= 0 else data
    # A memoryview slice spares a second copy of a large payload.
    payload = memoryview(data)[split + 1 :] if split >= 0 else b""
    try:
        header = json.loads(header_line)
    except ValueError:
        if returncode < 0:
            reason = f"killed by signal {signal.Signals(-returncode).name}"
        else:
            reason = f"exited with code {returncode}"
        return Outcome(
            "errored",
            duration,
            {
                "type": "WorkerDied",
                "message": f"the worker process died ({reason}) before it answered",
                "exit_code": 1,
            },
        )
    return Outcome(
        header["status"],
        duration,
        header.get("error"),
        header.get("kind"),
        payload,
        header,
    )
