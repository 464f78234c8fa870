"""User code definitions: syft_function, syft_function_single_use, policies and submission checks."""

import json
import textwrap

import pytest

import syftapi_cli as sy
from sample_endpoints.walkthrough import get_data_sample
from tests.conftest import assert_one_line_error, tree_digest

SAMPLE_PATH = "my_org.get_data_sample"


def write_code(tmp_path, text: str, filename: str = "analysis.py"):
    """Write a user-code module into tmp_path and return its path."""
    path = tmp_path / filename
    path.write_text(textwrap.dedent(text))
    return path


def shown_code(cli, name: str, role: str = "data_scientist") -> dict:
    result = cli("code", "show", name, "--format", "json", role=role)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# syft_function_single_use


def test_single_use_binds_path_and_reference():
    @sy.syft_function_single_use(
        worker_pool_name="analysis",
        by_path=SAMPLE_PATH,
        by_reference=get_data_sample,
    )
    def combine(by_path, by_reference):
        return by_path, by_reference

    assert combine.inputs == {
        "by_path": {"endpoint": SAMPLE_PATH},
        "by_reference": {"endpoint": SAMPLE_PATH},
    }


def test_single_use_pool_not_an_input():
    @sy.syft_function_single_use(worker_pool_name="analysis", data=SAMPLE_PATH)
    def pooled(data):
        return data

    assert pooled.worker_pool_name == "analysis"
    assert "worker_pool_name" not in pooled.inputs
    assert pooled.inputs == {"data": {"endpoint": SAMPLE_PATH}}


def test_single_use_runs_once():
    @sy.syft_function_single_use(data=SAMPLE_PATH)
    def once(data):
        return data

    assert once.run_limit == 1


def test_single_use_name_is_function_name():
    @sy.syft_function_single_use(data=SAMPLE_PATH)
    def named_by_function(data):
        return data

    assert named_by_function.name == "named_by_function"
    assert named_by_function.function_name == "named_by_function"


def test_single_use_stays_callable():
    @sy.syft_function_single_use(data=SAMPLE_PATH)
    def doubled(data):
        return data * 2

    assert doubled(data=21) == 42


# syft_function with MixedInputPolicy


def test_mixed_policy_endpoints_and_constants():
    @sy.syft_function(
        name="mixed_inputs",
        input_policy=sy.MixedInputPolicy(
            data=SAMPLE_PATH,
            twin=get_data_sample,
            factor=sy.Constant(val=3),
        ),
        output_policy=None,
    )
    def combine(data, twin, factor, offset: int = 0):
        return factor + offset

    assert combine.name == "mixed_inputs"
    assert combine.function_name == "combine"
    assert combine.inputs == {
        "data": {"endpoint": SAMPLE_PATH},
        "twin": {"endpoint": SAMPLE_PATH},
        "factor": {"constant": 3},
    }


def test_mixed_policy_leaves_extra_parameters():
    @sy.syft_function(input_policy=sy.MixedInputPolicy(data=SAMPLE_PATH))
    def with_extras(data, offset: int, scale: float = 1.0):
        return offset * scale

    assert with_extras.parameters == ["offset", "scale"]


def test_syft_function_without_inputs():
    @sy.syft_function()
    def no_inputs():
        return 1

    assert no_inputs.inputs == {}
    assert no_inputs.run_limit is None


@pytest.mark.parametrize(
    ("output_policy", "expected_limit"),
    [
        (None, None),
        (sy.OutputPolicyExecuteCount(limit=2), 2),
        (sy.SingleExecutionExactOutput(), 1),
    ],
    ids=["none-unlimited", "execute-count-2", "single-execution"],
)
def test_output_policy_sets_run_limit(output_policy, expected_limit):
    @sy.syft_function(
        input_policy=sy.MixedInputPolicy(data=SAMPLE_PATH),
        output_policy=output_policy,
    )
    def limited(data):
        return data

    assert limited.run_limit == expected_limit


@pytest.mark.parametrize("limit", [0, -1, True, 1.5, "2"])
def test_execute_count_invalid_limit(limit):
    with pytest.raises(sy.DefinitionError, match="positive integer"):
        sy.OutputPolicyExecuteCount(limit=limit)


def test_input_policy_wrong_type():
    with pytest.raises(sy.DefinitionError, match="MixedInputPolicy"):
        sy.syft_function(input_policy={"data": SAMPLE_PATH})


def test_output_policy_wrong_type():
    with pytest.raises(sy.DefinitionError, match="output_policy"):
        sy.syft_function(output_policy=2)


# Definition errors


@pytest.mark.parametrize("name", ["bad-name", "two words", "1st_query", "class", ""])
def test_name_not_identifier(name):
    decorate = sy.syft_function(name=name, input_policy=sy.MixedInputPolicy(data=SAMPLE_PATH))

    def query(data):
        return data

    with pytest.raises(sy.DefinitionError) as raised:
        decorate(query)
    assert "not a Python identifier" in str(raised.value)
    assert repr(name) in str(raised.value)


def test_input_not_a_parameter():
    decorate = sy.syft_function_single_use(data=SAMPLE_PATH, extra="my_org.sum_numbers")

    def query(data):
        return data

    with pytest.raises(sy.DefinitionError) as raised:
        decorate(query)
    message = str(raised.value)
    assert "'extra'" in message
    assert "not a parameter" in message
    assert "data" in message


def test_input_wrong_value_type():
    decorate = sy.syft_function_single_use(data=42)

    def query(data):
        return data

    with pytest.raises(sy.DefinitionError) as raised:
        decorate(query)
    message = str(raised.value)
    assert "'data'" in message
    assert "int" in message


def test_definition_error_is_value_error():
    assert issubclass(sy.DefinitionError, ValueError)


# Kept source


def test_source_drops_decorator_lines():
    @sy.syft_function(
        name="documented",
        input_policy=sy.MixedInputPolicy(
            data=SAMPLE_PATH,
            label=sy.Constant(val="inline-constant-value"),
        ),
        output_policy=sy.OutputPolicyExecuteCount(limit=2),
    )
    # A comment between the decorator and the function.
    def documented(data, label):
        return label

    lines = documented.source.splitlines()
    assert lines[0] == "def documented(data, label):"
    assert lines[-1] == "    return label"
    assert not any(line.lstrip().startswith("@") for line in lines)
    assert "inline-constant-value" not in documented.source


def test_source_of_single_use_code():
    @sy.syft_function_single_use(data=SAMPLE_PATH)
    def first_row(data):
        return data(length=2).iloc[0]

    assert first_row.source == (
        "def first_row(data):\n"
        "    return data(length=2).iloc[0]\n"
    )


# Submission through the CLI


def test_submit_missing_endpoint_input(site, cli, tmp_path):
    path = write_code(
        tmp_path,
        """
        import syftapi_cli as sy


        @sy.syft_function_single_use(data="my_org.no_such_endpoint")
        def orphan(data):
            return data(length=1)
        """,
    )
    before = tree_digest(site)
    result = cli("code", "submit", f"{path}:orphan", role="data_scientist")
    assert_one_line_error(result, 4)
    assert "my_org.no_such_endpoint" in result.stderr
    assert "'data'" in result.stderr
    assert tree_digest(site) == before


def test_submit_invalid_endpoint_path(site, cli, tmp_path):
    path = write_code(
        tmp_path,
        """
        import syftapi_cli as sy


        @sy.syft_function_single_use(data="Not A Path")
        def malformed(data):
            return data(length=1)
        """,
    )
    before = tree_digest(site)
    result = cli("code", "submit", f"{path}:malformed", role="data_scientist")
    assert_one_line_error(result, 2)
    assert "Not A Path" in result.stderr
    assert tree_digest(site) == before


def test_submit_bad_name_definition_error(site, cli, tmp_path):
    path = write_code(
        tmp_path,
        """
        import syftapi_cli as sy


        @sy.syft_function(name="bad-name", input_policy=sy.MixedInputPolicy(data="my_org.get_data_sample"))
        def query(data):
            return data(length=1)
        """,
    )
    before = tree_digest(site)
    result = cli("code", "submit", f"{path}:query", role="data_scientist")
    assert_one_line_error(result, 2)
    assert "not a Python identifier" in result.stderr
    assert tree_digest(site) == before


def test_submit_unknown_input_definition_error(site, cli, tmp_path):
    path = write_code(
        tmp_path,
        """
        import syftapi_cli as sy


        @sy.syft_function_single_use(data="my_org.get_data_sample", other="my_org.sum_numbers")
        def query(data):
            return data(length=1)
        """,
    )
    before = tree_digest(site)
    result = cli("code", "submit", f"{path}:query", role="data_scientist")
    assert_one_line_error(result, 2)
    assert "'other'" in result.stderr
    assert tree_digest(site) == before


def test_submit_non_json_constant(site, cli, tmp_path):
    path = write_code(
        tmp_path,
        """
        import syftapi_cli as sy


        @sy.syft_function(input_policy=sy.MixedInputPolicy(
            data="my_org.get_data_sample", labels=sy.Constant(val={"a", "b"}),
        ))
        def query(data, labels):
            return labels
        """,
    )
    before = tree_digest(site)
    result = cli("code", "submit", f"{path}:query", role="data_scientist")
    assert_one_line_error(result, 2)
    assert "'labels'" in result.stderr
    assert tree_digest(site) == before


def test_submit_records_mixed_inputs(site, cli, tmp_path):
    path = write_code(
        tmp_path,
        """
        import syftapi_cli as sy
        from sample_endpoints.walkthrough import get_data_sample


        @sy.syft_function(
            input_policy=sy.MixedInputPolicy(
                data=get_data_sample,
                total="my_org.sum_numbers",
                factor=sy.Constant(val=3),
            ),
            output_policy=sy.OutputPolicyExecuteCount(limit=2),
        )
        def mixed(data, total, factor):
            return factor
        """,
    )
    submitted = cli("code", "submit", f"{path}:mixed", role="data_scientist")
    assert submitted.exit_code == 0, submitted.stderr

    view = shown_code(cli, "mixed")
    assert view["status"] == "pending"
    assert view["run_limit"] == 2
    assert "data=my_org.get_data_sample" in view["inputs"]
    assert "total=my_org.sum_numbers" in view["inputs"]
    assert "factor=3" in view["inputs"]


@pytest.mark.parametrize(
    ("policy_text", "expected_limit"),
    [
        ("None", None),
        ("sy.OutputPolicyExecuteCount(limit=2)", 2),
        ("sy.SingleExecutionExactOutput()", 1),
    ],
    ids=["none-unlimited", "execute-count-2", "single-execution"],
)
def test_submit_records_run_limit(site, cli, tmp_path, policy_text, expected_limit):
    path = write_code(
        tmp_path,
        f"""
        import syftapi_cli as sy


        @sy.syft_function(
            input_policy=sy.MixedInputPolicy(data="my_org.get_data_sample"),
            output_policy={policy_text},
        )
        def limited(data):
            return data(length=1)
        """,
    )
    submitted = cli("code", "submit", f"{path}:limited", role="data_scientist")
    assert submitted.exit_code == 0, submitted.stderr

    assert shown_code(cli, "limited")["run_limit"] == expected_limit


def test_submit_keeps_source_without_decorators(site, cli, tmp_path):
    path = write_code(
        tmp_path,
        """
        import syftapi_cli as sy


        @sy.syft_function(
            input_policy=sy.MixedInputPolicy(
                data="my_org.get_data_sample",
                note=sy.Constant(val="constant-in-decorator"),
            ),
        )
        def annotated(data, note):
            rows = data(length=2)
            return rows.iloc[0]
        """,
    )
    submitted = cli("code", "submit", f"{path}:annotated", role="data_scientist")
    assert submitted.exit_code == 0, submitted.stderr

    source = shown_code(cli, "annotated")["source"]
    assert source == (
        "def annotated(data, note):\n"
        "    rows = data(length=2)\n"
        "    return rows.iloc[0]\n"
    )
