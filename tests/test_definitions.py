"""Endpoint definitions: the PySyft 0.9 decorators, TwinAPIEndpoint and their checks."""

import datetime
from typing import Optional

import pytest

import syftapi_cli as sy
from syftapi_cli.definitions import Endpoint, EndpointMethod


def add_numbers(context, number_1: int, number_2: int) -> int:
    return number_1 + number_2


def mock_sample(context, length: int):
    return ["mock_example"] * length


def private_sample(context, length: int):
    return ["private_example"] * length


def first_helper(value):
    return value


@sy.api_endpoint_method(
    settings={"api_key": "decorator-secret-4321"},
    helper_functions=[first_helper],
)
def method_with_inline_settings(context, length: int):
    return length


@sy.api_endpoint(
    path="inline.settings",
    description="Settings written inside the decorator.",
    settings={"token": "endpoint-secret-8765"},
)
# A comment between the decorator and the function.
def endpoint_with_inline_settings(context, value: str) -> str:
    return value


# api_endpoint


def test_api_endpoint_returns_endpoint():
    endpoint = sy.api_endpoint(path="my_org.sum_numbers")(add_numbers)
    assert isinstance(endpoint, Endpoint)
    assert endpoint.path == "my_org.sum_numbers"
    assert endpoint.access == "public"
    assert endpoint.private is None


def test_api_endpoint_keeps_arguments():
    endpoint = sy.api_endpoint(
        path="my_org.sum_numbers",
        description="Add **two** numbers.",
        settings={"api_key": "abc"},
        helper_functions=[first_helper],
        worker_pool="analytics",
        endpoint_timeout=120,
    )(add_numbers)
    assert endpoint.description == "Add **two** numbers."
    assert endpoint.mock.settings == {"api_key": "abc"}
    assert endpoint.mock.helper_functions == [first_helper]
    assert endpoint.worker_pool == "analytics"
    assert endpoint.endpoint_timeout == 120.0


def test_api_endpoint_default_values():
    endpoint = sy.api_endpoint(path="my_org.sum_numbers")(add_numbers)
    assert endpoint.description == ""
    assert endpoint.mock.settings == {}
    assert endpoint.mock.helper_functions == []
    assert endpoint.worker_pool is None
    assert endpoint.endpoint_timeout == 60.0
    assert endpoint.hide_mock_definition is False


def test_api_endpoint_worker_pool_name_alias():
    endpoint = sy.api_endpoint(path="my_org.sum_numbers", worker_pool_name="analytics")(
        add_numbers
    )
    assert endpoint.worker_pool == "analytics"


def test_api_endpoint_signature_text():
    endpoint = sy.api_endpoint(path="my_org.sum_numbers")(add_numbers)
    assert endpoint.signature == "(number_1: int, number_2: int)"


def test_api_endpoint_still_callable():
    endpoint = sy.api_endpoint(path="my_org.sum_numbers")(add_numbers)
    assert endpoint.mock(None, number_1=2, number_2=3) == 5


def test_signature_shows_defaults_and_optional():
    def search(context, text: str, limit: Optional[int] = None, exact=False):
        return text

    endpoint = sy.api_endpoint(path="my_org.search")(search)
    assert endpoint.signature == "(text: str, limit: Optional[int] = None, exact=False)"


def test_signature_names_class_annotation():
    def by_day(context, day: datetime.date):
        return day

    endpoint = sy.api_endpoint(path="my_org.by_day")(by_day)
    assert endpoint.signature == "(day: datetime.date)"


# api_endpoint_method


def test_endpoint_method_keeps_settings():
    method = sy.api_endpoint_method(settings={"api_key": "abc"})(mock_sample)
    assert isinstance(method, EndpointMethod)
    assert method.settings == {"api_key": "abc"}
    assert method.name == "mock_sample"


def test_endpoint_method_keeps_helpers():
    method = sy.api_endpoint_method(helper_functions=[first_helper])(mock_sample)
    assert method.helper_functions == [first_helper]


def test_endpoint_method_defaults_empty():
    method = sy.api_endpoint_method()(mock_sample)
    assert method.settings == {}
    assert method.helper_functions == []


def test_endpoint_method_copies_settings():
    settings = {"api_key": "abc"}
    method = sy.api_endpoint_method(settings=settings)(mock_sample)
    settings["api_key"] = "changed"
    assert method.settings == {"api_key": "abc"}


def test_endpoint_method_rejects_list_settings():
    with pytest.raises(sy.DefinitionError, match="settings must be a dict"):
        sy.api_endpoint_method(settings=["api_key"])(mock_sample)


def test_endpoint_method_rejects_non_function_helper():
    with pytest.raises(sy.DefinitionError, match="helper_functions"):
        sy.api_endpoint_method(helper_functions=["first_helper"])(mock_sample)


# TwinAPIEndpoint


def test_twin_from_endpoint_methods():
    twin = sy.TwinAPIEndpoint(
        path="my_org.get_data_sample",
        mock_function=sy.api_endpoint_method(settings={"api_key": "m"})(mock_sample),
        private_function=sy.api_endpoint_method(settings={"api_key": "p"})(
            private_sample
        ),
        description="A sample.",
    )
    assert twin.access == "twin"
    assert twin.mock.settings == {"api_key": "m"}
    assert twin.private.settings == {"api_key": "p"}
    assert twin.signature == "(length: int)"
    assert twin.description == "A sample."


def test_twin_from_plain_functions():
    twin = sy.TwinAPIEndpoint(
        path="my_org.get_data_sample",
        mock_function=mock_sample,
        private_function=private_sample,
    )
    assert twin.mock.func is mock_sample
    assert twin.private.func is private_sample


def test_twin_keeps_pool_timeout_hiding():
    twin = sy.TwinAPIEndpoint(
        path="my_org.get_data_sample",
        mock_function=mock_sample,
        private_function=private_sample,
        worker_pool="analytics",
        endpoint_timeout=5,
        hide_mock_definition=True,
    )
    assert twin.worker_pool == "analytics"
    assert twin.endpoint_timeout == 5.0
    assert twin.hide_mock_definition is True


def test_twin_worker_pool_name_alias():
    twin = sy.TwinAPIEndpoint(
        path="my_org.get_data_sample",
        mock_function=mock_sample,
        private_function=private_sample,
        worker_pool_name="analytics",
    )
    assert twin.worker_pool == "analytics"


def test_twin_rejects_mismatched_names():
    def private_other(context, size: int):
        return size

    with pytest.raises(sy.DefinitionError, match="signatures differ") as raised:
        sy.TwinAPIEndpoint(
            path="my_org.get_data_sample",
            mock_function=mock_sample,
            private_function=private_other,
        )
    assert "(length: int)" in str(raised.value)
    assert "(size: int)" in str(raised.value)


def test_twin_rejects_mismatched_annotation():
    def private_text(context, length: str):
        return length

    with pytest.raises(sy.DefinitionError, match="signatures differ"):
        sy.TwinAPIEndpoint(
            path="my_org.get_data_sample",
            mock_function=mock_sample,
            private_function=private_text,
        )


def test_twin_rejects_mismatched_default():
    def private_default(context, length: int = 2):
        return length

    with pytest.raises(sy.DefinitionError, match="signatures differ"):
        sy.TwinAPIEndpoint(
            path="my_org.get_data_sample",
            mock_function=mock_sample,
            private_function=private_default,
        )


def test_twin_rejects_extra_parameter():
    def private_extra(context, length: int, sort: bool = False):
        return length

    with pytest.raises(sy.DefinitionError, match="signatures differ"):
        sy.TwinAPIEndpoint(
            path="my_org.get_data_sample",
            mock_function=mock_sample,
            private_function=private_extra,
        )


def test_twin_rejects_invalid_path():
    with pytest.raises(sy.DefinitionError, match="invalid endpoint path"):
        sy.TwinAPIEndpoint(
            path="MyOrg.sample",
            mock_function=mock_sample,
            private_function=private_sample,
        )


def test_twin_rejects_non_function():
    with pytest.raises(sy.DefinitionError, match="mock_function"):
        sy.TwinAPIEndpoint(
            path="my_org.get_data_sample",
            mock_function="mock_sample",
            private_function=private_sample,
        )


# Paths


@pytest.mark.parametrize(
    "path",
    [
        "my_org.sum_numbers",
        "a.b",
        "org2.v1_data",
        "_internal.helper",
        "my_org.reports.monthly_total",
        "my_org.none",
    ],
)
def test_path_accepts_valid(path):
    endpoint = sy.api_endpoint(path=path)(add_numbers)
    assert endpoint.path == path


@pytest.mark.parametrize(
    "path, reason",
    [
        ("sum_numbers", "api_name.subpath"),
        (".my_org.sum", "start or end with a dot"),
        ("my_org.sum.", "start or end with a dot"),
        ("my_org..sum", "not a lowercase Python identifier"),
        ("My_org.sum", "not a lowercase Python identifier"),
        ("my_org.Sum", "not a lowercase Python identifier"),
        ("MY_ORG.SUM", "not a lowercase Python identifier"),
        ("my-org.sum", "not a lowercase Python identifier"),
        ("my org.sum", "not a lowercase Python identifier"),
        ("2org.sum", "not a lowercase Python identifier"),
        ("my_org.café", "not a lowercase Python identifier"),
        ("my_org.class", "Python keyword"),
        ("import.data", "Python keyword"),
        ("my_org.match", "Python keyword"),
        ("my_org.case", "Python keyword"),
        ("my_org._", "Python keyword"),
    ],
)
def test_path_rejects_invalid(path, reason):
    with pytest.raises(sy.DefinitionError) as raised:
        sy.api_endpoint(path=path)
    assert reason in str(raised.value)
    assert repr(path) in str(raised.value)


@pytest.mark.parametrize("path", [None, "", 3, b"my_org.sum"])
def test_path_rejects_empty_or_non_string(path):
    with pytest.raises(sy.DefinitionError, match="non-empty string"):
        sy.api_endpoint(path=path)


def test_path_checked_before_function():
    # The decorator factory raises before it receives any function.
    with pytest.raises(sy.DefinitionError):
        sy.api_endpoint(path="nodot")


# Function signatures


def test_context_missing_rejected():
    def no_context(length: int):
        return length

    with pytest.raises(sy.DefinitionError) as raised:
        sy.api_endpoint(path="my_org.no_context")(no_context)
    assert "first parameter must be 'context'" in str(raised.value)
    assert "no_context" in str(raised.value)


def test_context_not_first_rejected():
    def context_second(length, context):
        return length

    with pytest.raises(sy.DefinitionError, match="first parameter must be 'context'"):
        sy.api_endpoint_method()(context_second)


def test_context_no_parameters_rejected():
    def nothing():
        return 1

    with pytest.raises(sy.DefinitionError, match="first parameter must be 'context'"):
        sy.api_endpoint(path="my_org.nothing")(nothing)


def test_context_keyword_only_rejected():
    # The worker passes context positionally, so a keyword-only context
    # would fail on every run.
    def keyword_context(*, context, length: int):
        return length

    with pytest.raises(sy.DefinitionError, match="context"):
        sy.api_endpoint(path="my_org.keyword_context")(keyword_context)


def test_context_missing_in_twin_rejected():
    def private_no_context(length: int):
        return length

    with pytest.raises(sy.DefinitionError, match="first parameter must be 'context'"):
        sy.TwinAPIEndpoint(
            path="my_org.get_data_sample",
            mock_function=mock_sample,
            private_function=private_no_context,
        )


def uses_self(context, self):
    return self


def uses_mock(context, mock):
    return mock


def uses_private(context, private):
    return private


@pytest.mark.parametrize(
    "func, name",
    [(uses_self, "self"), (uses_mock, "mock"), (uses_private, "private")],
)
def test_reserved_parameter_rejected(func, name):
    with pytest.raises(sy.DefinitionError) as raised:
        sy.api_endpoint(path="my_org.reserved")(func)
    assert "reserved" in str(raised.value)
    assert repr(name) in str(raised.value)


def test_var_positional_rejected():
    def with_args(context, *args):
        return args

    with pytest.raises(sy.DefinitionError) as raised:
        sy.api_endpoint(path="my_org.with_args")(with_args)
    assert "'args'" in str(raised.value)
    assert "keyword arguments only" in str(raised.value)


def test_var_keyword_rejected():
    def with_kwargs(context, **options):
        return options

    with pytest.raises(sy.DefinitionError, match=r"\*\*options"):
        sy.api_endpoint(path="my_org.with_kwargs")(with_kwargs)


def test_positional_only_rejected():
    def positional(context, length, /):
        return length

    with pytest.raises(sy.DefinitionError, match="keyword arguments only"):
        sy.api_endpoint(path="my_org.positional")(positional)


def test_keyword_only_parameters_accepted():
    def keyword_only(context, *, length: int):
        return length

    endpoint = sy.api_endpoint(path="my_org.keyword_only")(keyword_only)
    assert endpoint.signature == "(length: int)"


# Other arguments


@pytest.mark.parametrize("timeout", [0, -1, 86_401, "60", True, float("nan")])
def test_timeout_rejects_invalid(timeout):
    with pytest.raises(sy.DefinitionError, match="endpoint_timeout"):
        sy.api_endpoint(path="my_org.sum_numbers", endpoint_timeout=timeout)(
            add_numbers
        )


def test_timeout_accepts_fraction():
    endpoint = sy.api_endpoint(path="my_org.sum_numbers", endpoint_timeout=0.5)(
        add_numbers
    )
    assert endpoint.endpoint_timeout == 0.5


def test_description_rejects_non_string():
    with pytest.raises(sy.DefinitionError, match="description"):
        sy.api_endpoint(path="my_org.sum_numbers", description=["text"])(add_numbers)


def test_worker_pool_rejects_non_string():
    with pytest.raises(sy.DefinitionError, match="worker_pool"):
        sy.api_endpoint(path="my_org.sum_numbers", worker_pool=3)(add_numbers)


def test_definition_error_is_value_error():
    assert issubclass(sy.DefinitionError, ValueError)


def test_definition_error_exit_code():
    assert sy.DefinitionError.exit_code == 2


# Kept source


def test_source_drops_method_decorator():
    source = method_with_inline_settings.source
    assert source.startswith("def method_with_inline_settings(context, length: int):")
    assert "@sy" not in source
    assert "decorator-secret-4321" not in source


def test_source_drops_endpoint_decorator():
    source = endpoint_with_inline_settings.mock.source
    assert source.startswith("def endpoint_with_inline_settings(context, value: str)")
    assert "endpoint-secret-8765" not in source
    assert "settings=" not in source


def test_source_keeps_function_body():
    source = endpoint_with_inline_settings.mock.source
    assert source.rstrip().endswith("return value")


def test_source_of_nested_function_dedented():
    @sy.api_endpoint_method(settings={"api_key": "nested-secret-1111"})
    def nested(context, length: int):
        return length

    assert nested.source == "def nested(context, length: int):\n    return length\n"


def test_source_of_lambda_hides_settings():
    # The settings must share the lambda's line, because a lambda's source is
    # the whole line it starts on.
    method = sy.api_endpoint_method(settings={"k": "lambda-2222"})(lambda context: 1)
    assert method.source is not None
    assert "lambda-2222" not in method.source


def test_source_unknown_for_exec_function():
    namespace = {}
    exec("def generated(context, n: int):\n    return n\n", namespace)
    method = sy.api_endpoint_method()(namespace["generated"])
    assert method.source is None
