"""User code definitions: `syft_function`, `syft_function_single_use` and policies.

Names and arguments follow PySyft 0.9. A data scientist decorates a function
whose inputs name endpoints; the decorated object keeps the function's source
without its decorators, because approved code runs from the source that the
reviewers read, never from a pickle.
"""

import ast
import inspect
import keyword
import textwrap
from typing import Any, Callable

from syftapi_cli.definitions import Endpoint, function_source
from syftapi_cli.errors import DefinitionError

# Code names become part of record file names.
MAX_NAME_LENGTH = 120


class Constant:
    """A fixed input value bound into user code at submission."""

    def __init__(self, val: Any):
        self.val = val

    def __repr__(self) -> str:
        return f"Constant(val={self.val!r})"


class MixedInputPolicy:
    """Inputs of user code: endpoints (by path or reference) and constants."""

    def __init__(self, **inputs: Any):
        self.inputs = inputs


class OutputPolicyExecuteCount:
    """Allow the code to run LIMIT times."""

    def __init__(self, limit: int):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise DefinitionError(f"limit must be a positive integer, not {limit!r}")
        self.limit = limit


class SingleExecutionExactOutput(OutputPolicyExecuteCount):
    """Allow the code to run once; later runs return the stored result."""

    def __init__(self):
        super().__init__(1)


# Source of the endpoint method running in this worker, so that code defined
# inside an endpoint can still show its source to reviewers.
enclosing_source: str | None = None


def _nested_source(func: Callable) -> str | None:
    if not enclosing_source:
        return None
    try:
        tree = ast.parse(textwrap.dedent(enclosing_source))
    except SyntaxError:
        return None
    lines = textwrap.dedent(enclosing_source).splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == func.__name__:
            return textwrap.dedent("\n".join(lines[node.lineno - 1 : node.end_lineno])) + "\n"
    return None


def _describe_input(name: str, value: Any, func_name: str) -> dict:
    if isinstance(value, Constant):
        return {"constant": value.val}
    if isinstance(value, Endpoint):
        return {"endpoint": value.path}
    if isinstance(value, str):
        return {"endpoint": value}
    path = getattr(value, "path", None)
    if isinstance(path, str):
        return {"endpoint": path}
    raise DefinitionError(
        f"{func_name}: input {name!r} must be an endpoint path, an endpoint or "
        f"sy.Constant(val=...), not {type(value).__name__}"
    )


class UserCode:
    """A function submitted for approval, with its inputs and run limit."""

    def __init__(
        self,
        func: Callable,
        name: str | None,
        inputs: dict[str, Any],
        run_limit: int | None,
        worker_pool_name: str | None,
    ):
        if not callable(func) or not hasattr(func, "__code__"):
            raise DefinitionError(f"{func!r} is not a function")
        self.func = func
        self.name = name if name is not None else func.__name__
        if not isinstance(self.name, str) or not self.name.isidentifier() or keyword.iskeyword(self.name):
            raise DefinitionError(f"user code name {self.name!r} is not a Python identifier")
        if len(self.name) > MAX_NAME_LENGTH:
            raise DefinitionError(
                f"user code name {self.name[:40]!r}... is longer than {MAX_NAME_LENGTH} characters"
            )
        parameters = inspect.signature(func).parameters
        for input_name in inputs:
            if input_name not in parameters:
                raise DefinitionError(
                    f"{func.__name__}: input {input_name!r} is not a parameter of the "
                    f"function; its parameters are {', '.join(parameters) or 'none'}"
                )
        self.inputs = {k: _describe_input(k, v, func.__name__) for k, v in inputs.items()}
        self.run_limit = run_limit
        self.worker_pool_name = worker_pool_name
        self.function_name = func.__name__
        self.source = function_source(func) or _nested_source(func)
        if self.source is None:
            raise DefinitionError(
                f"{func.__name__}: its source cannot be read; define it in a file"
            )
        self.parameters = [
            name for name in parameters if name not in self.inputs
        ]

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<user code {self.name}>"


def syft_function_single_use(worker_pool_name: str | None = None, **inputs: Any):
    """Declare user code that runs once; each keyword binds an input to an endpoint."""

    def decorate(func: Callable) -> UserCode:
        return UserCode(func, None, inputs, 1, worker_pool_name)

    return decorate


def syft_function(
    name: str | None = None,
    input_policy: MixedInputPolicy | None = None,
    output_policy: OutputPolicyExecuteCount | None = None,
    worker_pool_name: str | None = None,
):
    """Declare user code; OUTPUT_POLICY sets how often it may run (None: no limit)."""
    if input_policy is not None and not isinstance(input_policy, MixedInputPolicy):
        raise DefinitionError("input_policy must be sy.MixedInputPolicy(...)")
    if output_policy is not None and not isinstance(output_policy, OutputPolicyExecuteCount):
        raise DefinitionError(
            "output_policy must be sy.OutputPolicyExecuteCount(limit=N), "
            "sy.SingleExecutionExactOutput() or None"
        )
    inputs = input_policy.inputs if input_policy else {}
    limit = output_policy.limit if output_policy else None

    def decorate(func: Callable) -> UserCode:
        return UserCode(func, name, inputs, limit, worker_pool_name)

    return decorate
