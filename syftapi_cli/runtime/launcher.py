"""Start a worker process, feed it a request, enforce the timeout, read its answer.

The request travels through the worker's stdin as a pickle of plain values, so
settings never appear in argv or the environment. The answer comes back on a
separate pipe: one JSON header line, then the encoded result. The worker's
stdout and stderr go to the job's log file.
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

# -I isolates the worker from PYTHON* variables, the user's site-packages and
# the current folder; the package's own folder is put on sys.path explicitly.
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from syftapi_cli.runtime.worker import main; main()"
)
_PACKAGE_PARENT = str(Path(syftapi_cli.__file__).resolve().parent.parent)


@dataclass
class Outcome:
    """What one worker run produced."""

    status: str
    duration_s: float
    error: dict | None = None
    kind: str | None = None
    payload: bytes = b""
    header: dict = field(default_factory=dict)


def worker_environment() -> dict:
    """Return the parent's environment minus every SYFTAPI_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SYFTAPI_")}


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_answer(fd: int, sink: dict) -> None:
    with os.fdopen(fd, "rb") as answer:
        sink["data"] = answer.read()


def run_worker(
    python: str, request: dict, timeout: float, log_path: Path | None = None
) -> Outcome:
    """Run REQUEST in a new worker; kill its process group after TIMEOUT seconds."""
    read_fd, write_fd = os.pipe()
    request = {**request, "answer_fd": write_fd}
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            [python, "-I", "-c", _BOOT, _PACKAGE_PARENT],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            pass_fds=(write_fd,),
            env=worker_environment(),
            start_new_session=True,
        )
    except OSError as error:
        os.close(read_fd)
        os.close(write_fd)
        return Outcome(
            "errored",
            0.0,
            {"type": "WorkerError", "message": f"cannot start {python!r}: {error}"},
        )
    finally:
        if log_path:
            log.close()
    os.close(write_fd)
    sink: dict = {}
    reader = threading.Thread(target=_read_answer, args=(read_fd, sink), daemon=True)
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
    # Children the endpoint left behind die with the group either way.
    _kill_group(process.pid)
    process.wait()
    reader.join(timeout=5)
    duration = time.monotonic() - started
    if timed_out:
        return Outcome(
            "timed_out",
            duration,
            {"type": "TimeoutError", "message": f"timed out after {timeout:g} s"},
        )
    return _parse_answer(sink.get("data", b""), process.returncode, duration)


def _parse_answer(data: bytes, returncode: int, duration: float) -> Outcome:
    header_line, _, payload = data.partition(b"\n")
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
            {"type": "WorkerDied", "message": f"the worker process died ({reason})"},
        )
    return Outcome(
        header["status"],
        duration,
        header.get("error"),
        header.get("kind"),
        payload,
        header,
    )
