"""Parse `--kw NAME=VALUE` options and convert values to the annotated types.

Built-in annotations (str, int, float, bool, list, dict, Optional and unions
with None) are converted here without pydantic, which keeps it off the common
start-up path. Any other annotation is left for the worker, which converts the
value with pydantic against the function's real annotation before the
endpoint code runs.
"""

import json
import re

from syftapi_cli.errors import UsageError

_TRUE = {"true", "1", "yes", "y", "on", "t"}
_FALSE = {"false", "0", "no", "n", "off", "f"}
_NONE = {"", "none", "null"}
_OPTIONAL = re.compile(r"Optional\[(.+)\]\Z")
_LIST = re.compile(r"(?:list|List)\[(.+)\]\Z")
_DICT = re.compile(r"(?:dict|Dict)\[(.+)\]\Z")
_SIMPLE = {"str", "int", "float", "bool", "list", "dict", "Any", "object", "None"}


class Deferred:
    """A raw value that the worker converts with pydantic."""

    def __init__(self, raw: object, annotation: str):
        self.raw = raw
        self.annotation = annotation


def parse_kw_options(options: list[str]) -> dict[str, str]:
    """Split each `NAME=VALUE` on its first `=`; reject anything else."""
    values: dict[str, str] = {}
    for option in options:
        name, equals, value = option.partition("=")
        if not equals:
            raise UsageError(
                f"invalid --kw {option!r}: use NAME=VALUE, for example --kw length=2"
            )
        if not name.isidentifier():
            raise UsageError(
                f"invalid --kw {option!r}: {name!r} is not a parameter name"
            )
        if name in values:
            raise UsageError(f"--kw {name!r} given twice")
        values[name] = value
    return values


def parse_kw_json(text: str, source: str) -> dict:
    try:
        values = json.loads(text)
    except ValueError as error:
        raise UsageError(f"invalid JSON in --kw-json {source}: {error}") from None
    except RecursionError:
        raise UsageError(f"invalid JSON in --kw-json {source}: nested too deeply") from None
    if not isinstance(values, dict):
        raise UsageError(f"--kw-json {source} must hold a JSON object of keywords")
    # JSON escapes such as \ud800 decode to lone surrogates, which no output can encode.
    try:
        json.dumps(values, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            f"invalid --kw-json {source}: a string contains a lone surrogate escape"
        ) from None
    return values


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split TEXT on SEPARATOR where it is not inside square brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "["
        depth -= char == "]"
        if char == separator and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


class _Invalid(Exception):
    pass


def _convert_str(annotation: str, value: object) -> object:
    if annotation in ("Any", "object"):
        return value
    if annotation == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise _Invalid
    if annotation == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if value in (0, 1):
            return bool(value)
        raise _Invalid
    if annotation == "int":
        if isinstance(value, bool):
            raise _Invalid
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise _Invalid from None
        raise _Invalid
    if annotation == "float":
        if isinstance(value, bool):
            raise _Invalid
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise _Invalid from None
        raise _Invalid
    raise _Invalid


def _json_container(value: object, kind: type) -> object:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _Invalid from None
    if not isinstance(value, kind):
        raise _Invalid
    return value


def convert_value(annotation: str | None, value: object) -> object:
    """Return VALUE converted to ANNOTATION, a Deferred, or raise _Invalid."""
    if annotation is None:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value
    annotation = annotation.strip().strip("'\"")
    optional = _OPTIONAL.match(annotation)
    parts = [optional.group(1), "None"] if optional else _split_top_level(annotation, "|")
    if len(parts) > 1:
        if "None" in parts and (value is None or (isinstance(value, str) and value.strip().lower() in _NONE)):
            return None
        for part in (p for p in parts if p != "None"):
            try:
                return convert_value(part, value)
            except _Invalid:
                continue
        raise _Invalid
    if annotation == "None":
        if value is None or (isinstance(value, str) and value.strip().lower() in _NONE):
            return None
        raise _Invalid
    if annotation in ("list", "List", "tuple"):
        return _json_container(value, list)
    if annotation in ("dict", "Dict"):
        return _json_container(value, dict)
    inner_list = _LIST.match(annotation)
    if inner_list:
        items = _json_container(value, list)
        return [convert_value(inner_list.group(1), item) for item in items]
    inner_dict = _DICT.match(annotation)
    if inner_dict:
        parts = _split_top_level(inner_dict.group(1), ",")
        mapping = _json_container(value, dict)
        if len(parts) != 2:
            return mapping
        key_type, value_type = parts
        return {
            convert_value(key_type, key): convert_value(value_type, item)
            for key, item in mapping.items()
        }
    if annotation in _SIMPLE:
        return _convert_str(annotation, value)
    return Deferred(value, annotation)


def describe(path: str, signature: str) -> str:
    return f"signature: {path}{signature}"


def bind_keywords(
    parameters: list[dict], values: dict, path: str, signature: str
) -> dict:
    """Check VALUES against PARAMETERS and convert each; raise UsageError if they do not fit."""
    known = {p["name"]: p for p in parameters}
    for name in values:
        if name not in known:
            raise UsageError(
                f"unknown keyword {name!r} for {path}; {describe(path, signature)}"
            )
    for param in parameters:
        if param["required"] and param["name"] not in values:
            raise UsageError(
                f"missing keyword {param['name']!r} for {path}; "
                f"{describe(path, signature)}"
            )
    converted = {}
    for name, value in values.items():
        annotation = known[name]["annotation"]
        try:
            converted[name] = convert_value(annotation, value)
        except _Invalid:
            shown = value if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise UsageError(
                f"invalid value for {name!r}: expected {annotation}, got {shown!r}; "
                f"{describe(path, signature)}"
            ) from None
    return converted


_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def _resolve_annotation(text: str) -> object | None:
    """Return the type an annotation text names, or None if it cannot be rebuilt here."""
    import importlib
    import typing

    namespace: dict = {name: getattr(typing, name) for name in typing.__all__}
    for dotted in _DOTTED.findall(text):
        top = dotted.split(".")[0]
        if top in namespace:
            continue
        try:
            namespace[top] = importlib.import_module(top)
            for depth in range(2, dotted.count(".") + 1):
                importlib.import_module(".".join(dotted.split(".")[:depth]))
        except ImportError:
            continue
    try:
        return eval(text, {"__builtins__": __builtins__}, namespace)  # noqa: S307
    except Exception:
        return None


def resolve_deferred(values: dict, path: str, signature: str) -> dict:
    """Convert values whose annotation needs pydantic, before any job exists.

    Values whose annotation cannot be rebuilt outside the endpoint's module
    stay deferred; the worker converts them with the real annotation.
    """
    if not any(isinstance(v, Deferred) for v in values.values()):
        return values
    from pydantic import TypeAdapter, ValidationError

    resolved = {}
    for name, value in values.items():
        annotation = _resolve_annotation(value.annotation) if isinstance(value, Deferred) else None
        if annotation is None:
            resolved[name] = value
            continue
        try:
            resolved[name] = TypeAdapter(annotation).validate_python(value.raw)
        except ValidationError as error:
            first = error.errors()[0]["msg"] if error.errors() else "invalid"
            raise UsageError(
                f"invalid value for {name!r}: expected {value.annotation}, got "
                f"{value.raw!r} ({first}); {describe(path, signature)}"
            ) from None
        except Exception:
            resolved[name] = value
    return resolved
