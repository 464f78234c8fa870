"""Endpoint definitions: `api_endpoint`, `api_endpoint_method` and `TwinAPIEndpoint`.

Names and arguments follow PySyft 0.9, so that an endpoint module written for
PySyft ports by changing its import line. Every definition is validated when
it is created and keeps the source of its functions for code views.
"""

import ast
import inspect
import keyword
import re
import textwrap
from typing import Any, Callable

from syftapi_cli.errors import DefinitionError

DEFAULT_TIMEOUT = 60
# Paths name record and blob files, so they stay well under file-name limits.
MAX_PATH_LENGTH = 150

# Parameter names that would clash with how endpoints are called: `context` is
# supplied by the runtime, and `mock` and `private` are attributes of an
# endpoint input inside user code.
RESERVED_PARAMETERS = frozenset({"context", "self", "mock", "private"})

_SEGMENT = re.compile(r"[a-z_][a-z0-9_]*\Z")


def validate_path(path: object) -> str:
    """Return PATH if it is an endpoint path, else raise DefinitionError."""
    if not isinstance(path, str) or not path:
        raise DefinitionError("endpoint path must be a non-empty string")
    if len(path) > MAX_PATH_LENGTH:
        raise DefinitionError(
            f"invalid endpoint path {path[:40]!r}...: longer than {MAX_PATH_LENGTH} characters"
        )
    if path.startswith(".") or path.endswith("."):
        raise DefinitionError(
            f"invalid endpoint path {path!r}: it must not start or end with a dot"
        )
    segments = path.split(".")
    if len(segments) < 2:
        raise DefinitionError(
            f"invalid endpoint path {path!r}: use 'api_name.subpath', "
            "for example 'my_org.sum_numbers'"
        )
    for segment in segments:
        if not _SEGMENT.match(segment):
            raise DefinitionError(
                f"invalid endpoint path {path!r}: segment {segment!r} is not a "
                "lowercase Python identifier"
            )
        if keyword.iskeyword(segment) or keyword.issoftkeyword(segment):
            raise DefinitionError(
                f"invalid endpoint path {path!r}: segment {segment!r} is a "
                "Python keyword"
            )
    return path


def validate_timeout(timeout: object) -> float:
    """Return TIMEOUT as seconds if it is a positive number, else raise."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise DefinitionError(f"endpoint_timeout must be a number, not {timeout!r}")
    if not 0 < timeout <= 86_400:
        raise DefinitionError(
            f"endpoint_timeout must be between 0 and 86400 seconds, not {timeout!r}"
        )
    return float(timeout)


def function_source(func: Callable) -> str | None:
    """Return FUNC's source without its decorator lines, or None if unknown.

    Decorators are stripped so that settings written inline in a decorator
    never show in a code view.
    """
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return None
    if getattr(func, "__name__", "") == "<lambda>":
        return _lambda_source(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return source
    lines = source.splitlines()
    return "\n".join(lines[node.lineno - 1 : node.end_lineno]) + "\n"


def _lambda_source(source: str) -> str | None:
    """Return the lambda expression alone, because its line may hold inline settings."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lambdas = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
    if len(lambdas) != 1:
        return None
    return ast.get_source_segment(source, lambdas[0]) + "\n"


def _annotation_text(annotation: Any) -> str | None:
    if annotation is inspect.Parameter.empty:
        return None
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, type):
        if annotation.__module__ == "builtins":
            return annotation.__qualname__
        return f"{annotation.__module__}.{annotation.__qualname__}"
    return repr(annotation).replace("typing.", "")


def describe_parameters(func: Callable, where: str) -> list[dict]:
    """Return the caller-facing parameters of an endpoint function.

    The first parameter must be `context`; the rest are keyword arguments the
    caller passes. Each entry holds `name`, `annotation` (text or None),
    `required` and `default` (the repr of the default, or None).
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as error:
        raise DefinitionError(f"{where}: cannot read its signature: {error}") from None
    params = list(signature.parameters.values())
    if (
        not params
        or params[0].name != "context"
        or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD)
    ):
        raise DefinitionError(
            f"{where}: the first parameter must be 'context', "
            f"for example 'def {func.__name__}(context, ...)'"
        )
    described = []
    for param in params[1:]:
        if param.kind in (param.POSITIONAL_ONLY, param.VAR_POSITIONAL):
            raise DefinitionError(
                f"{where}: parameter {param.name!r} cannot be passed by keyword; "
                "endpoints are called with keyword arguments only"
            )
        if param.kind is param.VAR_KEYWORD:
            raise DefinitionError(
                f"{where}: '**{param.name}' is not supported; name each parameter"
            )
        if param.name in RESERVED_PARAMETERS:
            raise DefinitionError(
                f"{where}: parameter name {param.name!r} is reserved; rename it"
            )
        has_default = param.default is not inspect.Parameter.empty
        described.append(
            {
                "name": param.name,
                "annotation": _annotation_text(param.annotation),
                "required": not has_default,
                "default": repr(param.default) if has_default else None,
            }
        )
    return described


def format_signature(parameters: list[dict]) -> str:
    """Return a signature like `(length: int, sort: bool = False)`."""
    parts = []
    for param in parameters:
        text = param["name"]
        if param["annotation"]:
            text += f": {param['annotation']}"
        if not param["required"]:
            text += f" = {param['default']}" if param["annotation"] else f"={param['default']}"
        parts.append(text)
    return "(" + ", ".join(parts) + ")"


class EndpointMethod:
    """One endpoint function with its settings and helper functions."""

    def __init__(
        self,
        func: Callable,
        settings: dict | None = None,
        helper_functions: list[Callable] | None = None,
    ):
        if not callable(func):
            raise DefinitionError(f"{func!r} is not a function")
        name = getattr(func, "__name__", repr(func))
        if settings is not None and not isinstance(settings, dict):
            raise DefinitionError(f"{name}: settings must be a dict, not {settings!r}")
        helpers = list(helper_functions or [])
        for helper in helpers:
            if not callable(helper) or not hasattr(helper, "__name__"):
                raise DefinitionError(
                    f"{name}: helper_functions must hold functions, not {helper!r}"
                )
        self.func = func
        self.name = name
        self.settings = dict(settings or {})
        self.helper_functions = helpers
        self.parameters = describe_parameters(func, f"endpoint function {name!r}")
        self.source = function_source(func)

    @property
    def signature(self) -> str:
        return format_signature(self.parameters)

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<endpoint method {self.name}{self.signature}>"


def _as_method(value: object, role: str) -> EndpointMethod:
    if isinstance(value, EndpointMethod):
        return value
    if isinstance(value, Endpoint):
        return value.mock
    if callable(value):
        return EndpointMethod(value)
    raise DefinitionError(f"{role} must be a function or an api_endpoint_method")


class Endpoint:
    """A registered-to-be endpoint: a public function or a mock + private pair."""

    def __init__(
        self,
        path: str,
        mock: EndpointMethod,
        private: EndpointMethod | None,
        description: str | None,
        worker_pool: str | None,
        endpoint_timeout: float,
        hide_mock_definition: bool,
    ):
        self.path = validate_path(path)
        self.mock = mock
        self.private = private
        self.description = description or ""
        self.worker_pool = worker_pool
        self.endpoint_timeout = validate_timeout(endpoint_timeout)
        self.hide_mock_definition = bool(hide_mock_definition)
        if description is not None and not isinstance(description, str):
            raise DefinitionError(f"{path}: description must be a string")
        if worker_pool is not None and not isinstance(worker_pool, str):
            raise DefinitionError(f"{path}: worker_pool must be a pool name")

    @property
    def access(self) -> str:
        return "public" if self.private is None else "twin"

    @property
    def signature(self) -> str:
        return self.mock.signature

    def __repr__(self) -> str:
        return f"<{self.access} endpoint {self.path}{self.signature}>"


class TwinAPIEndpoint(Endpoint):
    """An endpoint with a mock function on fake data and a private one on real data."""

    def __init__(
        self,
        path: str,
        mock_function: Callable | EndpointMethod,
        private_function: Callable | EndpointMethod,
        description: str | None = None,
        worker_pool: str | None = None,
        endpoint_timeout: float = DEFAULT_TIMEOUT,
        hide_mock_definition: bool = False,
        worker_pool_name: str | None = None,
    ):
        validate_path(path)
        mock = _as_method(mock_function, f"{path}: mock_function")
        private = _as_method(private_function, f"{path}: private_function")
        if mock.parameters != private.parameters:
            raise DefinitionError(
                f"{path}: mock and private signatures differ: "
                f"mock {mock.signature}, private {private.signature}"
            )
        super().__init__(
            path,
            mock,
            private,
            description,
            worker_pool if worker_pool is not None else worker_pool_name,
            endpoint_timeout,
            hide_mock_definition,
        )


def api_endpoint_method(
    settings: dict | None = None, helper_functions: list[Callable] | None = None
) -> Callable[[Callable], EndpointMethod]:
    """Turn a function into an endpoint method, for use in a TwinAPIEndpoint."""

    def decorate(func: Callable) -> EndpointMethod:
        return EndpointMethod(func, settings, helper_functions)

    return decorate


def api_endpoint(
    path: str,
    description: str | None = None,
    settings: dict | None = None,
    helper_functions: list[Callable] | None = None,
    worker_pool: str | None = None,
    endpoint_timeout: float = DEFAULT_TIMEOUT,
    worker_pool_name: str | None = None,
) -> Callable[[Callable], Endpoint]:
    """Turn a function into a public endpoint that anyone may run."""
    validate_path(path)

    def decorate(func: Callable) -> Endpoint:
        method = EndpointMethod(func, settings, helper_functions)
        return Endpoint(
            path,
            method,
            None,
            description,
            worker_pool if worker_pool is not None else worker_pool_name,
            endpoint_timeout,
            hide_mock_definition=False,
        )

    return decorate
