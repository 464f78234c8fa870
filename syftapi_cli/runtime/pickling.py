"""Pickling functions by value and signing the blobs that hold them."""

import sys
import sysconfig
from pathlib import Path
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
    registered = []
    for by_value in local_modules(module):
        try:
            cloudpickle.register_pickle_by_value(by_value)
            registered.append(by_value)
        except ValueError:
            continue
    try:
        return cloudpickle.dumps(
            {"func": func, "helpers": {h.__name__: h for h in helpers}}
        )
    finally:
        for by_value in registered:
            cloudpickle.unregister_pickle_by_value(by_value)


def _installed_roots() -> list[Path]:
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    roots = {Path(sysconfig.get_paths()[name]).resolve() for name in names}
    roots.add(Path(__file__).resolve().parent.parent)
    return list(roots)


def local_modules(module: ModuleType | None) -> list[ModuleType]:
    """Return MODULE and the loaded modules from its folder that are not installed.

    A sibling such as `helpers.py`, imported at module level by an endpoint
    file, is not importable in the worker, so it travels by value too.
    """
    if module is None or module.__name__ in ("__main__", "builtins"):
        return []
    found = [module]
    module_file = getattr(module, "__file__", None)
    if not module_file:
        return found
    folder = Path(module_file).resolve().parent
    installed = _installed_roots()
    if any(folder.is_relative_to(root) for root in installed):
        return found
    for other in list(sys.modules.values()):
        other_file = getattr(other, "__file__", None)
        if other is module or not other_file:
            continue
        path = Path(other_file).resolve()
        if path.is_relative_to(folder) and not any(path.is_relative_to(r) for r in installed):
            found.append(other)
    return found


def dumps(value: object) -> bytes:
    return _cloudpickle().dumps(value)


def loads(payload: bytes) -> object:
    return _cloudpickle().loads(payload)


def sign(key: bytes, payload: bytes, kind: str) -> bytes:
    return blobs.sign(key, payload, kind, _cloudpickle().__version__)


def write_signed(path, key: bytes, value: object, kind: str) -> None:
    """Pickle VALUE into a signed blob at PATH without joining header and payload."""
    from syftapi_cli.store.files import write_atomic

    payload = dumps(value)
    header = blobs.signed_header(key, payload, kind, _cloudpickle().__version__)
    write_atomic(path, [header, payload])
