"""The worker process: runs one endpoint method, or renders one stored result.

It reads its request from stdin, writes its answer (a JSON header line and
the encoded result) to the pipe named in the request, and leaves stdout and
stderr to the endpoint's own output, which the parent keeps as the job's logs.
"""

import contextlib
import fcntl
import json
import os
import pickle
import sys
import time
import traceback
from pathlib import Path
from types import SimpleNamespace

from syftapi_cli.errors import DamagedState, SyftapiError, UsageError
from syftapi_cli.runtime import encode, pickling
from syftapi_cli.store import blobs
from syftapi_cli.store.files import write_atomic

NESTED_LOCK_WAIT_S = 10.0
# Frames under this folder are syftapi's own, left out of nested-call tracebacks.
_PACKAGE_FOLDER = os.path.dirname(os.path.dirname(__file__)) + os.sep


class _Failure(Exception):
    def __init__(self, error: dict):
        self.error = error


def _error(kind: str, message: str, exit_code: int, trace: str | None = None) -> dict:
    return {"type": kind, "message": message, "exit_code": exit_code, "traceback": trace}


def _load_blob(request: dict, kind: str, name: str, what: str, data: bytes | None = None) -> object:
    path = Path(request["home"]) / kind / f"{name}.pkl"
    if data is None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise _Failure(_error("DamagedState", f"{what} is missing ({path})", 6)) from None
    try:
        _, payload = blobs.verify(request["key"], data, f"{what} ({path})")
    except blobs.BlobVersionMismatch as error:
        raise _Failure(
            _error(
                "DamagedState",
                f"{what} cannot be loaded: {error}; re-register it with 'syftapi "
                f"endpoint update {request.get('path', 'PATH')} --{request.get('side_slot', 'mock')} "
                "TARGET' under this Python",
                6,
            )
        ) from None
    except DamagedState as error:
        raise _Failure(_error("DamagedState", str(error), 6)) from None
    try:
        return pickling.loads(payload)
    except Exception as error:  # unpickling runs arbitrary imports
        raise _Failure(
            _error(
                type(error).__name__,
                f"{what} cannot be loaded in the worker: {type(error).__name__}: {error}",
                1,
            )
        ) from None


def _convert_deferred(kwargs: dict, func) -> dict:
    from syftapi_cli.services.kwargs import Deferred

    if not any(isinstance(v, Deferred) for v in kwargs.values()):
        return kwargs
    import inspect

    from pydantic import TypeAdapter, ValidationError

    annotations = {p.name: p.annotation for p in inspect.signature(func).parameters.values()}
    converted = {}
    for name, value in kwargs.items():
        if not isinstance(value, Deferred):
            converted[name] = value
            continue
        try:
            converted[name] = TypeAdapter(annotations[name]).validate_python(value.raw)
        except ValidationError as error:
            first = error.errors()[0]["msg"] if error.errors() else str(error)
            raise _Failure(
                _error(
                    "UsageError",
                    f"invalid value for {name!r}: expected {value.annotation}, "
                    f"got {value.raw!r} ({first})",
                    2,
                )
            ) from None
    return converted


@contextlib.contextmanager
def _state_lock(request: dict):
    if not request["lock_state"]:
        yield
        return
    lock_path = Path(request["home"]) / "locks" / f"{request['state_name']}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if request["depth"] == 0:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            # A nested call may form a cycle with another process's calls, so
            # it waits a bounded time instead of deadlocking.
            deadline = time.monotonic() + NESTED_LOCK_WAIT_S
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise _Failure(
                            _error(
                                "StateLockBusy",
                                f"the state of {request['path']} stayed locked for "
                                f"{NESTED_LOCK_WAIT_S:g} s during a nested call",
                                1,
                            )
                        ) from None
                    time.sleep(0.01)
        yield
    finally:
        os.close(fd)


def _load_state(request: dict) -> tuple[dict, bytes | None]:
    path = Path(request["home"]) / "state" / f"{request['state_name']}.pkl"
    if not path.exists():
        return {}, None
    state = _load_blob(request, "state", request["state_name"], f"state of {request['path']}")
    return state, pickling.dumps(state)


def _save_state(request: dict, state: dict, before: bytes | None) -> None:
    payload = pickling.dumps(state)
    if payload == before:
        return
    path = Path(request["home"]) / "state" / f"{request['state_name']}.pkl"
    write_atomic(path, pickling.sign(request["key"], payload, "state"))


def _user_traceback(error: BaseException) -> str:
    """Return the traceback without the worker's own frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def _nested_failure(error: SyftapiError) -> dict:
    """Describe a failed nested call, whose message already names its endpoint and job.

    The traceback keeps only the caller's own frames, not syftapi's.
    """
    tb = error.__traceback__
    frames = [
        frame for frame in traceback.extract_tb(tb)
        if not frame.filename.startswith(_PACKAGE_FOLDER)
    ]
    trace = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
    trace += f"{error}\n"
    failure = _error(type(error).__name__, str(error), 1, trace)
    failure["nested"] = True
    return failure


def _missing_module(error: ImportError, what: str) -> dict:
    module = getattr(error, "name", None) or str(error)
    failure = _error(
        type(error).__name__,
        f"{what} needs module {module!r}, which the worker's Python cannot import; "
        "install it there or run the endpoint in a worker pool that has it",
        1,
        _user_traceback(error),
    )
    failure["missing_module"] = module
    return failure


def _build_context(request: dict, bundle: dict, state: dict):
    from syftapi_cli.runtime.context import Client, Context, UserView
    from syftapi_cli.services.roles import Identity

    root = Path(request["home"])
    held = (*request["held"], request["state_name"])
    caller = Identity(**request["user"])
    admin = Identity(**request["admin"])
    return Context(
        settings=dict(request["settings"]),
        state=state,
        user=UserView(**request["user"]),
        code=SimpleNamespace(**bundle["helpers"]),
        user_client=Client(root, caller, request["depth"], held, request.get("approved", ())),
        admin_client=Client(root, admin, request["depth"], held),
    )


def _call(request: dict) -> tuple[dict, bytes]:
    what = f"endpoint {request['path']} ({request['side']})"
    request["side_slot"] = "mock" if request["side"] in ("mock", "public") else "private"
    bundle = _load_blob(
        request, "blobs", request["blob"], f"the code of {what}", request.get("blob_bytes")
    )
    from syftapi_cli import usercode

    usercode.enclosing_source = request.get("source")
    kwargs = _convert_deferred(request["kwargs"], bundle["func"])
    with _state_lock(request):
        state, before = _load_state(request)
        context = _build_context(request, bundle, state)
        try:
            result = bundle["func"](context, **kwargs)
        except SyftapiError as error:
            raise _Failure(_nested_failure(error)) from None
        except ImportError as error:
            raise _Failure(_missing_module(error, what)) from None
        except MemoryError:
            raise _Failure(
                _error(
                    "MemoryError",
                    f"{what} ran out of memory: the worker is limited to "
                    f"{request.get('memory_limit_mb')} MB; raise it with 'syftapi endpoint "
                    f"update {request['path']} --memory-limit MB'",
                    1,
                )
            ) from None
        except Exception as error:
            raise _Failure(
                _error(type(error).__name__, str(error), 1, _user_traceback(error))
            ) from None
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        if not isinstance(context.state, dict):
            raise _Failure(_error("TypeError", "context.state must stay a dict", 1))
        _save_state(request, context.state, before)
    if request["format"] == "pickle":
        return {"status": "completed", "result_stored": False}, pickling.dumps(result)
    return _store_and_encode(request, result)


class EndpointInput:
    """An endpoint bound as an input of approved user code.

    Calling it runs the private side, as do `.private(...)`; `.mock(...)`
    runs the mock side.
    """

    def __init__(self, client, path: str):
        self._client = client
        self.path = path

    def __call__(self, **kwargs):
        return self._client.call(self.path, "private", kwargs)

    def private(self, **kwargs):
        return self._client.call(self.path, "private", kwargs)

    def mock(self, **kwargs):
        return self._client.call(self.path, "mock", kwargs)

    def __repr__(self) -> str:
        return f"<endpoint input {self.path}>"


def _load_user_function(request: dict):
    import linecache

    filename = f"<user code {request['code']}>"
    source = request["source"]
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__syftapi_user_code__"}
    try:
        exec(compile(source, filename, "exec"), namespace)
        return namespace[request["function_name"]]
    except Exception as error:
        raise _Failure(
            _error(type(error).__name__, f"the code cannot be loaded: {error}", 1, _user_traceback(error))
        ) from None


def _run_user_code(request: dict) -> tuple[dict, bytes]:
    from syftapi_cli.runtime.context import Client
    from syftapi_cli.services.roles import Identity

    func = _load_user_function(request)
    approved = tuple(spec["endpoint"] for spec in request["inputs"].values() if "endpoint" in spec)
    client = Client(Path(request["home"]), Identity(**request["user"]), 0, (), approved)
    arguments = {}
    for name, spec in request["inputs"].items():
        arguments[name] = spec["constant"] if "constant" in spec else EndpointInput(client, spec["endpoint"])
    try:
        result = func(**arguments, **request["kwargs"])
    except SyftapiError as error:
        raise _Failure(_nested_failure(error)) from None
    except Exception as error:
        raise _Failure(_error(type(error).__name__, str(error), 1, _user_traceback(error))) from None
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return _store_and_encode(request, result)


def _store_and_encode(request: dict, result: object) -> tuple[dict, bytes]:
    header = {"status": "completed", "result_stored": False}
    if request.get("job_id"):
        with contextlib.suppress(Exception):
            path = Path(request["home"]) / "results" / f"{request['job_id']}.pkl"
            pickling.write_signed(path, request["key"], result, "result")
            header["result_stored"] = True
    if request["format"] == "csv":
        streamer = encode.csv_streamer(result)
        if streamer is not None:
            return header, streamer
    return header, encode.encode(result, request["format"])


def _trial(request: dict) -> tuple[dict, bytes]:
    """Load each stored function the way a run would, without calling it."""
    for blob, what in request["blobs"]:
        _load_blob(request, "blobs", blob, what)
    return {"status": "completed"}, b""


def _render(request: dict) -> tuple[dict, bytes]:
    value = _load_blob(request, request["kind"], request["name"], request["what"])
    return {"status": "completed"}, encode.encode(value, request["format"])


def _limit_memory(megabytes: int | None) -> None:
    """Cap the worker's address space, so a runaway allocation raises MemoryError."""
    if not megabytes:
        return
    import resource

    limit = int(megabytes) * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main() -> None:
    request = pickle.load(sys.stdin.buffer)
    _limit_memory(request.get("memory_limit_mb"))
    if request.get("default_python"):
        from syftapi_cli.services import pools

        # Nested calls to default-pool endpoints use syftapi's own Python,
        # not the pool interpreter this worker may be running in.
        pools.default_python = request["default_python"]
    answer = os.fdopen(request["answer_fd"], "wb")
    try:
        handlers = {
            "call": _call,
            "usercode": _run_user_code,
            "render": _render,
            "trial": _trial,
        }
        handler = handlers[request["mode"]]
        header, payload = handler(request)
    except _Failure as failure:
        header, payload = {"status": "errored", "error": failure.error}, b""
    except UsageError as error:
        header, payload = {"status": "errored", "error": _error("UsageError", str(error), 2)}, b""
    except Exception as error:
        header = {
            "status": "errored",
            "error": _error(
                type(error).__name__,
                f"cannot encode the result: {type(error).__name__}: {error}",
                1,
                traceback.format_exc(),
            ),
        }
        payload = b""
    header["kind"] = request["format"]
    answer.write(json.dumps(header).encode() + b"\n")
    if callable(payload):
        payload(answer)
    else:
        answer.write(payload)
    answer.flush()
    answer.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
