"""Pickling functions by value and signing the blobs that hold them."""

from types import ModuleType
from typing import Callable

from syftapi_cli.definitions import function_source
from syftapi_cli.store import blobs


def _cloudpickle():
    import cloudpickle

    return cloudpickle


def source_of(func: Callable) -> str | None:
    return function_source(func)


def dumps_function(
    func: Callable, helpers: list[Callable], module: ModuleType | None
) -> bytes:
    """Pickle FUNC and its HELPERS, taking MODULE's code along by value.

    Pickling by value means the worker never imports the endpoint's module,
    so the endpoint keeps working after its file moves, and edits to the file
    change nothing until the endpoint is updated.
    """
    cloudpickle = _cloudpickle()
    registered = False
    if module is not None and module.__name__ not in ("__main__", "builtins"):
        try:
            cloudpickle.register_pickle_by_value(module)
            registered = True
        except ValueError:
            registered = False
    try:
        return cloudpickle.dumps(
            {"func": func, "helpers": {h.__name__: h for h in helpers}}
        )
    finally:
        if registered:
            cloudpickle.unregister_pickle_by_value(module)


def dumps(value: object) -> bytes:
    return _cloudpickle().dumps(value)


def loads(payload: bytes) -> object:
    return _cloudpickle().loads(payload)


def sign(key: bytes, payload: bytes, kind: str) -> bytes:
    return blobs.sign(key, payload, kind, _cloudpickle().__version__)
