"""Load endpoint definitions from a TARGET: `module:attr`, `file.py:attr`, or bare."""

import hashlib
import importlib
import sys
import types
from pathlib import Path
from types import ModuleType

from syftapi_cli.definitions import Endpoint, EndpointMethod
from syftapi_cli.errors import UsageError


def _is_file_target(module_part: str) -> bool:
    return module_part.endswith(".py") or "/" in module_part or "\\" in module_part


def _load_file(path_text: str) -> ModuleType:
    path = Path(path_text).expanduser().resolve()
    if not path.is_file():
        raise UsageError("no such file")
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    name = f"_syftapi_target_{path.stem}_{digest}"
    # Compile from the source itself: a cached .pyc with the same size and
    # mtime second would hide an edit made just before `endpoint update`.
    try:
        code = compile(path.read_bytes(), str(path), "exec")
    except (SyntaxError, ValueError) as error:
        raise UsageError(f"{type(error).__name__}: {error}") from None
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    # Sibling modules of the file import the way they would from its folder.
    sys.path.insert(0, str(path.parent))
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        sys.path.remove(str(path.parent))
    return module


def load_module(module_part: str) -> ModuleType:
    """Import MODULE_PART, a dotted module name or a file path."""
    try:
        if _is_file_target(module_part):
            return _load_file(module_part)
        if not all(part.isidentifier() for part in module_part.split(".")):
            raise UsageError(
                "invalid target: use 'package.module:attr' or 'path/to/file.py:attr'"
            )
        if "" not in sys.path:
            sys.path.insert(0, "")
        return importlib.import_module(module_part)
    except UsageError as error:
        raise UsageError(f"cannot load {module_part!r}: {error}") from None
    except ModuleNotFoundError as error:
        raise UsageError(f"cannot load {module_part!r}: {error}") from None
    except SystemExit:
        raise UsageError(f"cannot load {module_part!r}: it called sys.exit()") from None
    except Exception as error:  # the module's own code failed while importing
        raise UsageError(
            f"cannot load {module_part!r}: {type(error).__name__}: {error}"
        ) from None


def _split(target: str) -> tuple[str, str | None]:
    target = target.strip()
    if not target:
        raise UsageError("empty target; use 'package.module:attr' or 'file.py:attr'")
    module_part, colon, attr = target.rpartition(":")
    if not colon:
        return target, None
    if not module_part or not attr.isidentifier():
        raise UsageError(
            f"invalid target {target!r}; use 'package.module:attr' or 'file.py:attr'"
        )
    return module_part, attr


def _attribute(module: ModuleType, module_part: str, attr: str) -> object:
    try:
        return getattr(module, attr)
    except AttributeError:
        raise UsageError(f"{module_part!r} has no attribute {attr!r}") from None


def load_endpoints(target: str) -> tuple[list[Endpoint], ModuleType]:
    """Return the endpoints TARGET names: one attribute, or all in a module."""
    module_part, attr = _split(target)
    module = load_module(module_part)
    if attr is not None:
        value = _attribute(module, module_part, attr)
        if not isinstance(value, Endpoint):
            raise UsageError(
                f"{target!r} is not an endpoint ({type(value).__name__}); define it "
                "with @sy.api_endpoint or sy.TwinAPIEndpoint"
            )
        return [value], module
    found = [value for value in vars(module).values() if isinstance(value, Endpoint)]
    unique = list({id(e): e for e in found}.values())
    if not unique:
        raise UsageError(f"{target!r} defines no endpoints")
    return unique, module


def load_method(target: str, side: str) -> tuple[EndpointMethod, ModuleType]:
    """Return the endpoint method TARGET names, for `endpoint update --mock/--private`."""
    module_part, attr = _split(target)
    if attr is None:
        raise UsageError(f"target {target!r} needs ':attr' naming the function")
    module = load_module(module_part)
    value = _attribute(module, module_part, attr)
    if isinstance(value, EndpointMethod):
        return value, module
    if isinstance(value, Endpoint):
        if side == "private" and value.private is not None:
            return value.private, module
        return value.mock, module
    raise UsageError(
        f"{target!r} is not an endpoint method ({type(value).__name__}); define it "
        "with @sy.api_endpoint_method or @sy.api_endpoint"
    )


def load_user_code(target: str):
    """Return the user code TARGET names (`module:attr` or `file.py:attr`)."""
    from syftapi_cli.usercode import UserCode

    module_part, attr = _split(target)
    if attr is None:
        raise UsageError(f"target {target!r} needs ':attr' naming the user code")
    value = _attribute(load_module(module_part), module_part, attr)
    if not isinstance(value, UserCode):
        raise UsageError(
            f"{target!r} is not user code ({type(value).__name__}); decorate it with "
            "@sy.syft_function_single_use(...) or @sy.syft_function(...)"
        )
    return value
