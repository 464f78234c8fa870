"""Keyword arguments of `syftapi run`: --kw parsing, conversion by annotation, --kw-json."""

import importlib
import json
import math
import subprocess
import sys
import textwrap

import pytest

from syftapi_cli.errors import UsageError
from syftapi_cli.services.kwargs import (
    Deferred,
    _Invalid,
    bind_keywords,
    convert_value,
    parse_kw_json,
    parse_kw_options,
)
from tests.conftest import REPO, assert_one_line_error, tree_digest

SUM_SIGNATURE = "my_org.sum_numbers(number_1: int, number_2: int)"
SAMPLE_SIGNATURE = "my_org.get_data_sample(length: int)"

ECHO_SOURCE = """
import datetime
from typing import Optional

import syftapi_cli as sy


def describe(value):
    if isinstance(value, datetime.date):
        return [type(value).__name__, value.isoformat()]
    return [type(value).__name__, value]


@sy.api_endpoint(path="kw_tests.echo", description="Return each keyword with its type name.")
def echo(
    context,
    text: str = "",
    maybe: Optional[int] = 0,
    numbers: list[int] = None,
    flag: bool = False,
    ratio: float = 0.0,
    raw=None,
    day: datetime.date = None,
) -> dict:
    values = {
        "text": text,
        "maybe": maybe,
        "numbers": numbers,
        "flag": flag,
        "ratio": ratio,
        "raw": raw,
        "day": day,
    }
    return {name: describe(value) for name, value in values.items()}
"""


@pytest.fixture
def echo(cli, site, tmp_path):
    """The kw_tests.echo endpoint, which returns each argument with its type name."""
    path = tmp_path / "echo_endpoint.py"
    path.write_text(textwrap.dedent(ECHO_SOURCE))
    importlib.invalidate_caches()
    added = cli("endpoint", "add", path, role="admin")
    assert added.exit_code == 0, added.stderr
    return path


def run_echo(cli, *kw):
    options = [part for item in kw for part in ("--kw", item)]
    result = cli(
        "run", "kw_tests.echo", *options, "--format", "json", role="data_scientist"
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def run_sum(cli, *args, input=None):
    return cli(
        "run",
        "my_org.sum_numbers",
        *args,
        "--format",
        "json",
        input=input,
        role="guest",
    )


# Conversion through `syftapi run`


def test_kw_negative_int(cli, site):
    result = run_sum(cli, "--kw", "number_1=-5", "--kw", "number_2=3")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == -2


def test_kw_splits_first_equals(cli, echo):
    output = run_echo(cli, "text=SELECT * FROM t WHERE a=1")
    assert output["text"] == ["str", "SELECT * FROM t WHERE a=1"]


def test_kw_empty_value_string(cli, echo):
    output = run_echo(cli, "text=")
    assert output["text"] == ["str", ""]


def test_kw_converts_by_annotation(cli, echo, subtests):
    cases = [
        ("maybe=none", "maybe", ["NoneType", None]),
        ("maybe=null", "maybe", ["NoneType", None]),
        ("maybe=7", "maybe", ["int", 7]),
        ("numbers=[1, 2, 3]", "numbers", ["list", [1, 2, 3]]),
        ("numbers=[]", "numbers", ["list", []]),
        ("ratio=2.5", "ratio", ["float", 2.5]),
        ("ratio=3", "ratio", ["float", 3.0]),
        ("text=42", "text", ["str", "42"]),
        ("text=none", "text", ["str", "none"]),
    ]
    for option, name, expected in cases:
        with subtests.test(kw=option):
            assert run_echo(cli, option)[name] == expected


def test_kw_bool_spellings(cli, echo, subtests):
    cases = {
        "true": True,
        "False": False,
        "yes": True,
        "no": False,
        "1": True,
        "0": False,
        "on": True,
    }
    for spelling, expected in cases.items():
        with subtests.test(spelling=spelling):
            assert run_echo(cli, f"flag={spelling}")["flag"] == ["bool", expected]


def test_kw_unannotated_json_else_string(cli, echo, subtests):
    cases = [
        ('raw={"a": 1}', ["dict", {"a": 1}]),
        ("raw=[1, 2]", ["list", [1, 2]]),
        ("raw=42", ["int", 42]),
        ("raw=true", ["bool", True]),
        ("raw=null", ["NoneType", None]),
        ('raw="quoted"', ["str", "quoted"]),
        ("raw=hello world", ["str", "hello world"]),
        ("raw={not json", ["str", "{not json"]),
        ("raw=", ["str", ""]),
    ]
    for option, expected in cases:
        with subtests.test(kw=option):
            assert run_echo(cli, option)["raw"] == expected


def test_kw_pydantic_date_in_worker(cli, echo):
    output = run_echo(cli, "day=2024-05-01")
    assert output["day"] == ["date", "2024-05-01"]


def test_kw_several_at_once(cli, echo):
    output = run_echo(
        cli, "text=a=b", "maybe=none", "numbers=[4]", "flag=off", "day=2020-02-29"
    )
    assert output["text"] == ["str", "a=b"]
    assert output["maybe"] == ["NoneType", None]
    assert output["numbers"] == ["list", [4]]
    assert output["flag"] == ["bool", False]
    assert output["day"] == ["date", "2020-02-29"]


# --kw-json


def test_kw_json_file(cli, site, tmp_path):
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"number_1": 2, "number_2": 3}))
    result = run_sum(cli, "--kw-json", values)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == 5


def test_kw_json_stdin(cli, site):
    result = run_sum(
        cli, "--kw-json", "-", input=json.dumps({"number_1": "40", "number_2": 2})
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == 42


@pytest.mark.parametrize(
    "text, words",
    [
        ("[" * 100_000, "nested too deeply"),
        ('{"number_1": "\\ud800", "number_2": 1}', "lone surrogate"),
    ],
    ids=["deep_nesting", "lone_surrogate"],
)
def test_kw_json_unusable_rejected(cli, site, text, words):
    before = tree_digest(site)
    result = run_sum(cli, "--kw-json", "-", input=text)
    assert_one_line_error(result, 2)
    assert words in result.stderr
    assert tree_digest(site) == before


def test_kw_overrides_kw_json(cli, site, tmp_path):
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"number_1": 100, "number_2": 1}))
    result = run_sum(cli, "--kw-json", values, "--kw", "number_1=1")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == 2


def test_kw_json_large_text(cli, echo, tmp_path):
    text = "line with = and 'quotes'\n" * 2000
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"text": text}))
    result = cli(
        "run", "kw_tests.echo", "--kw-json", values, "--format", "json", role="guest"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["text"] == ["str", text]


# Rejected keywords: exit 2, the signature in the message, no job written


def test_kw_rejected_before_running(cli, site, echo, subtests):
    echo_run = ("run", "kw_tests.echo")
    sum_run = ("run", "my_org.sum_numbers")
    cases = {
        "missing keyword": (
            (*sum_run, "--kw", "number_1=1"),
            "missing keyword 'number_2'",
            SUM_SIGNATURE,
        ),
        "no keywords": (sum_run, "missing keyword 'number_1'", SUM_SIGNATURE),
        "unknown keyword": (
            (
                *sum_run,
                "--kw",
                "number_1=1",
                "--kw",
                "number_2=2",
                "--kw",
                "number_3=3",
            ),
            "unknown keyword 'number_3'",
            SUM_SIGNATURE,
        ),
        "ill-typed int": (
            ("run", "my_org.get_data_sample", "--kw", "length=abc"),
            "invalid value for 'length'",
            SAMPLE_SIGNATURE,
        ),
        "fraction for int": (
            ("run", "my_org.get_data_sample", "--kw", "length=2.5"),
            "invalid value for 'length'",
            SAMPLE_SIGNATURE,
        ),
        "empty int": (
            ("run", "my_org.get_data_sample", "--kw", "length="),
            "invalid value for 'length'",
            SAMPLE_SIGNATURE,
        ),
        "empty name": ((*sum_run, "--kw", "=5"), "=5", SUM_SIGNATURE),
        "no equals sign": ((*sum_run, "--kw", "-5"), "-5", SUM_SIGNATURE),
        "option as value": ((*sum_run, "--kw", "--format"), "--format", SUM_SIGNATURE),
        "repeated keyword": (
            (
                *sum_run,
                "--kw",
                "number_1=1",
                "--kw",
                "number_1=2",
                "--kw",
                "number_2=2",
            ),
            "'number_1' given twice",
            None,
        ),
        "list item": (
            (*echo_run, "--kw", 'numbers=[1, "x"]'),
            "invalid value for 'numbers'",
            "kw_tests.echo(",
        ),
        "list not json": (
            (*echo_run, "--kw", "numbers=1,2"),
            "invalid value for 'numbers'",
            "kw_tests.echo(",
        ),
        "bool word": (
            (*echo_run, "--kw", "flag=maybe"),
            "invalid value for 'flag'",
            "kw_tests.echo(",
        ),
        "optional int": (
            (*echo_run, "--kw", "maybe=abc"),
            "invalid value for 'maybe'",
            "kw_tests.echo(",
        ),
        "float word": (
            (*echo_run, "--kw", "ratio=abc"),
            "invalid value for 'ratio'",
            "kw_tests.echo(",
        ),
    }
    before = tree_digest(site)
    for name, (command, message, signature) in cases.items():
        with subtests.test(case=name):
            result = cli(*command, role="data_scientist")
            assert_one_line_error(result, 2)
            assert message in result.stderr
            if signature is not None:
                assert signature in result.stderr
            assert tree_digest(site) == before


def test_kw_rejected_for_admin_private(cli, site):
    before = tree_digest(site)
    result = cli(
        "run", "my_org.get_data_sample", "--private", "--kw", "length=abc", role="admin"
    )
    assert_one_line_error(result, 2)
    assert SAMPLE_SIGNATURE in result.stderr
    assert tree_digest(site) == before


def test_kw_pydantic_invalid_rejected(cli, echo):
    result = cli(
        "run", "kw_tests.echo", "--kw", "day=not-a-date", role="data_scientist"
    )
    assert_one_line_error(result, 2)
    assert "invalid value for 'day'" in result.stderr
    assert "kw_tests.echo(" in result.stderr


def test_kw_pydantic_invalid_writes_nothing(cli, site, echo):
    before = tree_digest(site)
    result = cli(
        "run", "kw_tests.echo", "--kw", "day=not-a-date", role="data_scientist"
    )
    assert result.exit_code == 2, result.stderr
    assert tree_digest(site) == before


def test_kw_json_rejected(cli, site, tmp_path, subtests):
    files = {
        "list.json": "[1, 2]",
        "invalid.json": "{number_1: 1}",
        "wrong_type.json": json.dumps({"number_1": "abc", "number_2": 1}),
        "unknown.json": json.dumps({"number_1": 1, "number_2": 2, "extra": 3}),
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    cases = {
        "list": (("--kw-json", tmp_path / "list.json"), None, "JSON object"),
        "invalid json": (
            ("--kw-json", tmp_path / "invalid.json"),
            None,
            "invalid JSON",
        ),
        "missing file": (("--kw-json", tmp_path / "absent.json"), None, "absent.json"),
        "wrong type": (
            ("--kw-json", tmp_path / "wrong_type.json"),
            None,
            SUM_SIGNATURE,
        ),
        "unknown keyword": (
            ("--kw-json", tmp_path / "unknown.json"),
            None,
            SUM_SIGNATURE,
        ),
        "stdin list": (("--kw-json", "-"), "[1]", "JSON object"),
        "stdin empty": (("--kw-json", "-"), "", "invalid JSON"),
    }
    before = tree_digest(site)
    for name, (args, stdin, message) in cases.items():
        with subtests.test(case=name):
            result = run_sum(cli, *args, input=stdin)
            assert_one_line_error(result, 2)
            assert message in result.stderr
            assert tree_digest(site) == before


# parse_kw_options and parse_kw_json


def test_parse_kw_first_equals_only():
    assert parse_kw_options(["q=a=b=c"]) == {"q": "a=b=c"}


def test_parse_kw_empty_value():
    assert parse_kw_options(["x="]) == {"x": ""}


def test_parse_kw_keeps_spaces():
    assert parse_kw_options(["text=  padded  "]) == {"text": "  padded  "}


@pytest.mark.parametrize(
    "option, message",
    [
        ("=5", "not a parameter name"),
        ("1x=2", "not a parameter name"),
        ("a b=1", "not a parameter name"),
        ("-5", "use NAME=VALUE"),
        ("--format", "use NAME=VALUE"),
        ("noequals", "use NAME=VALUE"),
        ("", "use NAME=VALUE"),
    ],
)
def test_parse_kw_rejects_malformed(option, message):
    with pytest.raises(UsageError) as raised:
        parse_kw_options([option])
    assert message in str(raised.value)
    assert repr(option) in str(raised.value)


def test_parse_kw_rejects_repeated():
    with pytest.raises(UsageError, match="given twice"):
        parse_kw_options(["a=1", "a=2"])


def test_parse_kw_json_object():
    assert parse_kw_json('{"a": [1, 2]}', "'values.json'") == {"a": [1, 2]}


@pytest.mark.parametrize("text", ["[1]", '"text"', "3", "null"])
def test_parse_kw_json_rejects_non_object(text):
    with pytest.raises(UsageError, match="JSON object"):
        parse_kw_json(text, "'values.json'")


# convert_value


@pytest.mark.parametrize(
    "annotation, raw, expected",
    [
        ("int", "2", 2),
        ("int", "-5", -5),
        ("int", " 7 ", 7),
        ("int", 3, 3),
        ("int", 4.0, 4),
        ("float", "2.5", 2.5),
        ("float", "1e3", 1000.0),
        ("float", 2, 2.0),
        ("str", "", ""),
        ("str", "a=b", "a=b"),
        ("str", 5, "5"),
        ("Optional[int]", "none", None),
        ("Optional[int]", "None", None),
        ("Optional[int]", "null", None),
        ("Optional[int]", "", None),
        ("Optional[int]", "8", 8),
        ("Optional[int]", None, None),
        ("int | None", "NONE", None),
        ("int | None", "9", 9),
        ("int | str", "10", 10),
        ("int | str", "ten", "ten"),
        ("list[int]", "[1, 2, 3]", [1, 2, 3]),
        ("list[int]", '["4", 5]', [4, 5]),
        ("List[int]", "[]", []),
        ("list[str]", '["a", "b"]', ["a", "b"]),
        ("Optional[list[int]]", "[1]", [1]),
        ("Optional[list[int]]", "none", None),
        ("list", '[1, "a"]', [1, "a"]),
        ("dict", '{"a": 1}', {"a": 1}),
        ("dict[str, int]", '{"a": 1}', {"a": 1}),
        ("dict[str, int]", '{"a": "2"}', {"a": 2}),
        ("Any", "42", "42"),
        ("'int'", "6", 6),
        (None, "42", 42),
        (None, "4.5", 4.5),
        (None, '{"a": [1]}', {"a": [1]}),
        (None, "true", True),
        (None, "null", None),
        (None, "plain text", "plain text"),
        (None, "", ""),
        (None, 7, 7),
    ],
)
def test_convert_value_accepts(annotation, raw, expected):
    converted = convert_value(annotation, raw)
    assert converted == expected
    assert type(converted) is type(expected)


@pytest.mark.parametrize(
    "spelling", ["true", "True", "TRUE", "1", "yes", "y", "on", "t", " yes "]
)
def test_convert_bool_true_spellings(spelling):
    assert convert_value("bool", spelling) is True


@pytest.mark.parametrize("spelling", ["false", "False", "0", "no", "n", "off", "f"])
def test_convert_bool_false_spellings(spelling):
    assert convert_value("bool", spelling) is False


@pytest.mark.parametrize(
    "annotation, raw",
    [
        ("int", "abc"),
        ("int", "2.5"),
        ("int", ""),
        ("int", True),
        ("int", 2.5),
        ("int", [1]),
        ("float", "abc"),
        ("float", False),
        ("bool", "maybe"),
        ("bool", ""),
        ("bool", 2),
        ("str", [1]),
        ("str", None),
        ("Optional[int]", "abc"),
        ("int | None", "1.5"),
        ("list[int]", "1,2"),
        ("list[int]", '[1, "x"]'),
        ("list[int]", '{"a": 1}'),
        ("list", "not json"),
        ("dict", "[1]"),
        ("dict[str, int]", '{"a": "x"}'),
        ("None", "0"),
    ],
)
def test_convert_value_rejects(annotation, raw):
    with pytest.raises(_Invalid):
        convert_value(annotation, raw)


def test_convert_float_nan_text():
    assert math.isnan(convert_value("float", "nan"))


@pytest.mark.parametrize(
    "annotation", ["datetime.date", "Literal['a', 'b']", "decimal.Decimal"]
)
def test_convert_defers_other_annotations(annotation):
    deferred = convert_value(annotation, "2024-05-01")
    assert isinstance(deferred, Deferred)
    assert deferred.raw == "2024-05-01"
    assert deferred.annotation == annotation


def test_convert_without_pydantic():
    code = (
        "import sys\n"
        "from syftapi_cli.services.kwargs import convert_value\n"
        "values = [convert_value(a, v) for a, v in "
        "[('int', '2'), ('Optional[int]', 'none'), ('list[int]', '[1]'), ('bool', 'yes'), "
        "('datetime.date', '2024-01-01')]]\n"
        "print('pydantic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# bind_keywords


PARAMETERS = [
    {"name": "length", "annotation": "int", "required": True, "default": None},
    {"name": "sort", "annotation": "bool", "required": False, "default": "False"},
]


def test_bind_converts_values():
    bound = bind_keywords(
        PARAMETERS,
        {"length": "2", "sort": "yes"},
        "my_org.sample",
        "(length: int, sort: bool = False)",
    )
    assert bound == {"length": 2, "sort": True}


def test_bind_leaves_defaults_out():
    bound = bind_keywords(
        PARAMETERS,
        {"length": "2"},
        "my_org.sample",
        "(length: int, sort: bool = False)",
    )
    assert bound == {"length": 2}


@pytest.mark.parametrize(
    "values, message",
    [
        ({}, "missing keyword 'length'"),
        ({"length": "2", "other": "1"}, "unknown keyword 'other'"),
        ({"length": "two"}, "invalid value for 'length': expected int, got 'two'"),
    ],
)
def test_bind_rejects_with_signature(values, message):
    with pytest.raises(UsageError) as raised:
        bind_keywords(
            PARAMETERS, values, "my_org.sample", "(length: int, sort: bool = False)"
        )
    assert message in str(raised.value)
    assert "my_org.sample(length: int, sort: bool = False)" in str(raised.value)


def test_bind_shortens_long_value():
    with pytest.raises(UsageError) as raised:
        bind_keywords(
            PARAMETERS,
            {"length": "x" * 500},
            "my_org.sample",
            "(length: int, sort: bool = False)",
        )
    assert len(str(raised.value)) < 250
