"""Bad input to every command: the documented exit code, one error line, no change.

Every case runs against a copy of one datasite that is built once for the
module, and compares a digest of the whole working folder (datasite, session
folder and input files) before and after the command. Commands are written as
shell words. Placeholders in angle brackets stand for values that are too long
to write out or known only at run time.
"""

import json
import os
import shlex
import shutil
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import (
    Invoker,
    assert_one_line_error,
    isolate,
    populate,
    run_syftapi,
    tree_digest,
)

MEGABYTE = 2**20
# Python decodes argv bytes that are not UTF-8 to lone surrogates, and
# subprocess encodes them back to the same bytes.
UNDECODABLE = os.fsdecode(b"\xff\xfe")
NEW_PASSWORD = "a-new-password\n"

TYPED_SOURCE = """
import datetime
from typing import Optional

import syftapi_cli as sy


@sy.api_endpoint(path="typed.mixed")
def mixed(context, flag: bool, values: list[int], ratio: float,
          count: Optional[int] = None) -> str:
    return "ok"


@sy.api_endpoint(path="typed.dated")
def dated(context, day: datetime.date) -> str:
    return day.isoformat()
"""

INPUT_FILES = {
    "typed.py": TYPED_SOURCE.encode(),
    "plain.py": b"x = 1\n",
    "notes.txt": b"hello world\n",
    "badutf8.py": b'x = "\xff\xfe"\n',
    "badsettings.json": b'{"api_key": "\xff"}\n',
    "badreq.txt": b"\xff\xfe\n",
}


@dataclass
class Seeded:
    root: Path
    tokens: dict
    request_id: str
    job_id: str


def _succeed(cli: Invoker, command: str, **options):
    result = cli(*shlex.split(command), **options)
    assert result.exit_code == 0, (command, result.stderr)
    return result


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A datasite with users, endpoints, one pending request and one finished job."""
    root = tmp_path_factory.mktemp("seeded")
    files = root / "files"
    (files / "adir").mkdir(parents=True)
    for name, content in INPUT_FILES.items():
        (files / name).write_bytes(content)
    script = files / "not_python.sh"
    script.write_text("#!/bin/sh\necho hello\n")
    script.chmod(0o755)

    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root)
        cli = Invoker()
        populate(cli, "sample_endpoints.walkthrough", "files/typed.py")
        submitted = _succeed(
            cli,
            "code submit sample_endpoints.user_code:get_sample_fixed_length",
            role="data_scientist",
        )
        _succeed(
            cli, "run my_org.sum_numbers --kw number_1=2 --kw number_2=3", role="admin"
        )
        jobs = _succeed(cli, "jobs list --format json", role="admin")

    job_id = json.loads(jobs.stdout)[0]["id"]
    return Seeded(root, dict(cli.tokens), submitted.stdout.strip(), job_id)


@pytest.fixture
def workdir(seeded, tmp_path, isolated_home):
    """Copy the seeded datasite, session folder and input files into tmp_path."""
    for name in ("home", "config", "files"):
        shutil.copytree(seeded.root / name, tmp_path / name, symlinks=True)
    assert isolated_home == tmp_path / "home"
    return tmp_path


def _fill(text: str, seeded: Seeded, workdir: Path) -> str:
    replacements = {
        "<request>": seeded.request_id,
        "<job>": seeded.job_id,
        "<workdir>": str(workdir),
        "<1mb-digits>": "9" * MEGABYTE,
        "<1mb>": "a" * MEGABYTE,
        "<undecodable>": UNDECODABLE,
    }
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text


def _words(command: str, seeded: Seeded, workdir: Path) -> list[str]:
    return [_fill(word, seeded, workdir) for word in shlex.split(command)]


def case(case_id, command, exit_code, role="admin", stdin=None, env=None):
    """Describe one case. ROLE None sends no token, so the `init` login applies."""
    return pytest.param(command, exit_code, role, stdin, env, id=case_id)


def run_mixed(flag="true", values="[1]", ratio="1"):
    keywords = [f"flag={flag}", f"values={values}", f"ratio={ratio}"]
    return shlex.join(["run", "typed.mixed", *(f"--kw={k}" for k in keywords)])


SCIENTIST = "data_scientist"
OWNER = "data_owner"
RUN_SUM = "run my_org.sum_numbers"
UPDATE_SUM = "endpoint update my_org.sum_numbers"
UPDATE_SAMPLE = "endpoint update my_org.get_data_sample"
REGISTER = "users register --name New --password-stdin"
REGISTER_NEW = "users register --email new@example.org --name New"
INIT_FRESH = "--state-dir <workdir>/fresh init --password-stdin"

PATH_CASES = [
    case("run-path-uppercase", "run My_Org.Sum_Numbers", 2),
    case("run-path-keyword", "run my_org.class", 2),
    case("run-path-leading-dot", "run .my_org.sum_numbers", 2),
    case("run-path-trailing-dot", "run my_org.sum_numbers.", 2),
    case("run-path-double-dot", "run my_org..sum_numbers", 2),
    case("run-path-one-segment", "run sum_numbers", 2),
    case("run-path-empty", "run ''", 2),
    case("run-path-unknown", "run my_org.nope", 4),
    case("run-path-1mb", "run my_org.<1mb>", 2),
    case("run-path-missing", "run", 2),
    case("show-path-keyword", "endpoint show my_org.import", 2),
    case("show-path-unknown", "endpoint show my_org.nope", 4),
    case("delete-path-uppercase", "endpoint delete My_Org.x --yes", 2),
    case("delete-path-unknown", "endpoint delete my_org.nope --yes", 4),
    case("update-path-unknown", "endpoint update my_org.nope --timeout 5", 4),
    case("state-show-path-unknown", "state show my_org.nope", 4),
    case("state-reset-path-uppercase", "state reset Bad.Path", 2),
    case("state-public-private", "state reset my_org.sum_numbers --private", 2),
    case("state-two-sides", "state show my_org.get_data_sample --mock --private", 2),
    case("jobs-filter-path-uppercase", "jobs list --endpoint My_Org.X", 2),
]

KW_CASES = [
    case("kw-empty-name", f"{RUN_SUM} --kw =5", 2),
    case("kw-negative-number", f"{RUN_SUM} --kw -5", 2),
    case("kw-option-like", f"{RUN_SUM} --kw --format", 2),
    case("kw-no-value", f"{RUN_SUM} --kw", 2),
    case(
        "kw-unknown-name", f"{RUN_SUM} --kw number_1=2 --kw number_2=3 --kw bogus=1", 2
    ),
    case("kw-1mb-name", f"{RUN_SUM} --kw <1mb>=1", 2),
    case("kw-int-text", f"{RUN_SUM} --kw number_1=two --kw number_2=3", 2),
    case("kw-int-float", f"{RUN_SUM} --kw number_1=2.5 --kw number_2=3", 2),
    case("kw-int-1mb", "run my_org.get_data_sample --kw length=<1mb-digits>", 2),
    case("kw-missing", f"{RUN_SUM} --kw number_1=2", 2),
    case("kw-given-twice", f"{RUN_SUM} --kw number_1=2 --kw number_1=3", 2),
    case("kw-bool-invalid", run_mixed(flag="maybe"), 2),
    case("kw-list-item-type", run_mixed(values='[1, "x"]'), 2),
    case("kw-list-not-json", run_mixed(values="1,2"), 2),
    case("kw-float-text", run_mixed(ratio="abc"), 2),
    case("kw-optional-int-float", run_mixed() + " --kw count=1.5", 2),
    case("kw-date-invalid", "run typed.dated --kw day=2024-02-30", 2),
    case("kw-json-not-object", f"{RUN_SUM} --kw-json -", 2, stdin="[1, 2]"),
    case("kw-json-invalid", f"{RUN_SUM} --kw-json -", 2, stdin="{bad"),
    case("kw-json-undecodable", f"{RUN_SUM} --kw-json -", 2, stdin=b"\xff\xfe{}"),
    case("kw-json-missing-file", f"{RUN_SUM} --kw-json files/missing.json", 2),
    case(
        "kw-json-bool-as-float",
        "run typed.mixed --kw-json -",
        2,
        stdin='{"flag": true, "values": [1], "ratio": true}',
    ),
    case(
        "kw-json-1mb-int",
        "run my_org.get_data_sample --kw-json -",
        2,
        stdin=json.dumps({"length": "a" * MEGABYTE}),
    ),
    case("run-mock-and-private", f"{RUN_SUM} --mock --private", 2),
    case("run-format-unknown", f"{RUN_SUM} --format xml", 2),
    case("run-format-empty", f"{RUN_SUM} --format ''", 2),
    case(
        "code-run-kw-empty-name",
        "code run get_sample_fixed_length --kw =1",
        2,
        SCIENTIST,
    ),
    case(
        "code-run-kw-json-list",
        "code run get_sample_fixed_length --kw-json -",
        2,
        SCIENTIST,
        stdin="[]",
    ),
]

TARGET_CASES = [
    case("add-missing-file", "endpoint add files/missing.py:thing", 2),
    case("add-missing-attr", "endpoint add sample_endpoints.walkthrough:nothing", 2),
    case("add-text-file", "endpoint add files/notes.txt", 2),
    case("add-directory", "endpoint add files/adir", 2),
    case("add-empty-attr", "endpoint add sample_endpoints.walkthrough:", 2),
    case("add-empty-module", "endpoint add :sum_numbers", 2),
    case("add-empty", "endpoint add ''", 2),
    case("add-blank", "endpoint add '   '", 2),
    case("add-undecodable-file", "endpoint add files/badutf8.py", 2),
    case("add-no-endpoints", "endpoint add files/plain.py", 2),
    case("add-not-endpoint", "endpoint add files/plain.py:x", 2),
    case("add-existing", "endpoint add sample_endpoints.walkthrough", 2),
    case("add-unknown-module", "endpoint add no_such_module_here", 2),
    case("add-dashed-module", "endpoint add bad-module:name", 2),
    case("add-1mb-module", "endpoint add <1mb>", 2),
    case("add-no-target", "endpoint add", 2),
    case("mock-bare-module", f"{UPDATE_SUM} --mock sample_endpoints.walkthrough", 2),
    case(
        "mock-missing-attr", f"{UPDATE_SUM} --mock sample_endpoints.walkthrough:no", 2
    ),
    case("mock-not-method", f"{UPDATE_SUM} --mock files/plain.py:x", 2),
    case(
        "private-of-public",
        f"{UPDATE_SUM} --private sample_endpoints.walkthrough:updated_mock",
        2,
    ),
    case("submit-missing-file", "code submit files/missing.py:f", 2, SCIENTIST),
    case("submit-bare-module", "code submit sample_endpoints.user_code", 2, SCIENTIST),
    case("submit-empty-attr", "code submit sample_endpoints.user_code:", 2, SCIENTIST),
    case("submit-empty-module", "code submit :get_sample_fixed_length", 2, SCIENTIST),
    case(
        "submit-missing-attr",
        "code submit sample_endpoints.user_code:nope",
        2,
        SCIENTIST,
    ),
    case("submit-text-file", "code submit files/notes.txt:f", 2, SCIENTIST),
    case("submit-directory", "code submit files/adir:f", 2, SCIENTIST),
    case("submit-undecodable-file", "code submit files/badutf8.py:f", 2, SCIENTIST),
    case(
        "submit-endpoint",
        "code submit sample_endpoints.walkthrough:sum_numbers",
        2,
        SCIENTIST,
    ),
    case("submit-empty", "code submit ''", 2, SCIENTIST),
]

UPDATE_CASES = [
    case("update-nothing", UPDATE_SUM, 2),
    case("timeout-zero", f"{UPDATE_SUM} --timeout 0", 2),
    case("timeout-negative", f"{UPDATE_SUM} --timeout -1", 2),
    case("timeout-text", f"{UPDATE_SUM} --timeout abc", 2),
    case("timeout-empty", f"{UPDATE_SUM} --timeout ''", 2),
    case("timeout-option-like", f"{UPDATE_SUM} --timeout --mock", 2),
    case("timeout-above-max", f"{UPDATE_SUM} --timeout 86401", 2),
    case("timeout-1e30", f"{UPDATE_SUM} --timeout {10**30}", 2),
    case("timeout-nan", f"{UPDATE_SUM} --timeout nan", 2),
    case("timeout-inf", f"{UPDATE_SUM} --timeout inf", 2),
    case("timeout-minus-inf", f"{UPDATE_SUM} --timeout -inf", 2),
    case("memory-zero", f"{UPDATE_SUM} --memory-limit 0", 2),
    case("memory-negative", f"{UPDATE_SUM} --memory-limit -5", 2),
    case("memory-1e30", f"{UPDATE_SUM} --memory-limit {10**30}", 2),
    case("pool-unknown", f"{UPDATE_SUM} --worker-pool nopool", 4),
    case("pool-empty", f"{UPDATE_SUM} --worker-pool ''", 2),
    case("settings-not-object", f"{UPDATE_SAMPLE} --mock-settings -", 2, stdin="[1]"),
    case("settings-not-json", f"{UPDATE_SAMPLE} --mock-settings -", 2, stdin="no"),
    case("settings-empty-stdin", f"{UPDATE_SAMPLE} --mock-settings -", 2, stdin=""),
    case(
        "settings-1mb-text",
        f"{UPDATE_SAMPLE} --private-settings -",
        2,
        stdin="a" * MEGABYTE,
    ),
    case(
        "settings-undecodable-stdin",
        f"{UPDATE_SAMPLE} --mock-settings -",
        2,
        stdin=b"\xff\xfe{}",
    ),
    case(
        "settings-undecodable-file",
        f"{UPDATE_SAMPLE} --mock-settings files/badsettings.json",
        2,
    ),
    case(
        "settings-both-stdin",
        f"{UPDATE_SAMPLE} --mock-settings - --private-settings -",
        2,
        stdin="{}",
    ),
    case(
        "settings-missing-file", f"{UPDATE_SAMPLE} --mock-settings files/none.json", 2
    ),
    case("settings-directory", f"{UPDATE_SAMPLE} --private-settings files/adir", 2),
    case("delete-without-yes", "endpoint delete my_org.sum_numbers", 2),
]

ID_CASES = [
    case("request-unknown", "requests show ffffffffffffff0", 4),
    case("request-empty", "requests show ''", 4),
    case("request-negative", "requests show -1", 2),
    case("request-negative-argument", "requests show -- -1", 4),
    case("request-traversal", "requests show ../datasite", 4),
    case("request-1mb", "requests show <1mb>", 4),
    case("approve-unknown", "requests approve ffffffffffffff0 --yes", 4),
    case("approve-empty-id", "requests approve '' --yes", 4),
    case("approve-without-yes", "requests approve <request>", 2),
    case("deny-no-reason", "requests deny <request>", 2),
    case("deny-empty-reason", "requests deny <request> --reason ''", 2),
    case("deny-blank-reason", "requests deny <request> --reason '   '", 2),
    case("deny-unknown", "requests deny ffffffffffffff0 --reason no", 4),
    case("deny-no-id", "requests deny --reason no", 2),
    case("job-unknown", "jobs show ffffffffffffff0", 4),
    case("job-empty", "jobs show ''", 4),
    case("job-negative", "jobs show -1", 2),
    case("job-traversal", "jobs show ../datasite", 4),
    case("job-1mb", "jobs show <1mb>", 4),
    case("job-of-other-user", "jobs show <job>", 4, SCIENTIST),
    case("code-run-unknown", "code run nope", 4, SCIENTIST),
    case("code-run-empty", "code run ''", 4, SCIENTIST),
    case("code-run-1mb", "code run <1mb>", 4, SCIENTIST),
    case("code-run-pending", "code run get_sample_fixed_length", 5, SCIENTIST),
    case("code-show-unknown", "code show nope", 4, SCIENTIST),
    case("code-show-300-chars", "code show " + "a" * 300, 4, SCIENTIST),
    case("code-withdraw-other-user", "code withdraw get_sample_fixed_length", 4),
]

LIST_CASES = [
    case("jobs-limit-zero", "jobs list --limit 0", 2),
    case("jobs-limit-negative", "jobs list --limit -1", 2),
    case("jobs-limit-text", "jobs list --limit abc", 2),
    case("jobs-limit-option-like", "jobs list --limit --offset", 2),
    case("jobs-offset-negative", "jobs list --offset -3", 2),
    case("jobs-offset-text", "jobs list --offset x", 2),
    case("jobs-status-unknown", "jobs list --status done", 2),
    case("jobs-status-empty", "jobs list --status ''", 2),
    case("jobs-status-uppercase", "jobs list --status COMPLETED", 2),
    case("requests-status-unknown", "requests list --status maybe", 2),
    case("requests-status-empty", "requests list --status ''", 2),
    case("requests-status-uppercase", "requests list --status PENDING", 2),
    case("requests-status-1mb", "requests list --status <1mb>", 2),
    case("prune-no-age", "jobs prune --yes", 2),
    case("prune-negative", "jobs prune --older-than -1 --yes", 2),
    case("prune-nan", "jobs prune --older-than nan --yes", 2),
    case("prune-text", "jobs prune --older-than abc --yes", 2),
    case("prune-without-yes", "jobs prune --older-than 1", 2),
    case("audit-limit-negative", "audit --limit -1", 2),
    case("audit-limit-text", "audit --limit x", 2),
    case("list-format-unknown", "endpoint list --format yaml", 2),
    case("list-extra-argument", "endpoint list extra", 2),
    case("doctor-format-unknown", "doctor --format xml", 2),
    case("format-no-value", "whoami --format", 2),
    case("unknown-subcommand", "endpoint frobnicate", 2),
    case("unknown-command", "frobnicate", 2),
    case("unknown-option", "--bogus-option", 2),
]

USER_CASES = [
    case("email-no-at", f"{REGISTER} --email noat", 2, stdin=NEW_PASSWORD),
    case("email-empty", f"{REGISTER} --email ''", 2, stdin=NEW_PASSWORD),
    case("email-1mb", f"{REGISTER} --email <1mb>@example.org", 2, stdin=NEW_PASSWORD),
    case(
        "email-option-like", f"{REGISTER} --email --role admin", 2, stdin=NEW_PASSWORD
    ),
    case("email-taken", f"{REGISTER} --email ds@example.org", 2, stdin=NEW_PASSWORD),
    case("register-no-email", REGISTER, 2, stdin=NEW_PASSWORD),
    case(
        "register-no-name",
        "users register --email new@example.org --password-stdin",
        2,
        stdin=NEW_PASSWORD,
    ),
    case(
        "name-empty",
        f"{REGISTER} --email new@example.org --name ''",
        2,
        stdin=NEW_PASSWORD,
    ),
    case(
        "name-1mb",
        f"{REGISTER} --email new@example.org --name <1mb>",
        2,
        stdin=NEW_PASSWORD,
    ),
    case(
        "role-unknown",
        f"{REGISTER_NEW} --role wizard --password-stdin",
        2,
        stdin=NEW_PASSWORD,
    ),
    case(
        "role-empty",
        f"{REGISTER_NEW} --role '' --password-stdin",
        2,
        stdin=NEW_PASSWORD,
    ),
    case(
        "role-uppercase",
        f"{REGISTER_NEW} --role ADMIN --password-stdin",
        2,
        stdin=NEW_PASSWORD,
    ),
    case(
        "role-1mb",
        f"{REGISTER_NEW} --role <1mb> --password-stdin",
        2,
        stdin=NEW_PASSWORD,
    ),
    case("password-no-stdin", f"{REGISTER_NEW} --password-stdin", 2, stdin=""),
    case("password-blank-line", f"{REGISTER_NEW} --password-stdin", 2, stdin="\n"),
    case("password-short", f"{REGISTER_NEW} --password-stdin", 2, stdin="short\n"),
    case(
        "password-undecodable",
        f"{REGISTER_NEW} --password-stdin",
        2,
        stdin=b"\xff\xfe-password\n",
    ),
    case("password-no-terminal", REGISTER_NEW, 2),
    case("set-role-unknown-user", "users set-role nobody@example.org guest", 4),
    case("set-role-unknown-role", "users set-role ds@example.org wizard", 2),
    case("set-role-empty-role", "users set-role ds@example.org ''", 2),
    case("set-role-capitalised", "users set-role ds@example.org Guest", 2),
    case("set-role-no-role", "users set-role ds@example.org", 2),
    case("set-role-option-like", "users set-role ds@example.org --role guest", 2),
    case("set-role-last-admin", "users set-role admin@example.org guest", 2),
    case("delete-user-unknown", "users delete nobody@example.org --yes", 4),
    case("delete-user-without-yes", "users delete ds@example.org", 2),
    case("delete-last-admin", "users delete admin@example.org --yes", 2),
    case(
        "reset-password-unknown-user",
        "users set-password nobody@example.org --password-stdin",
        4,
        stdin=NEW_PASSWORD,
    ),
    case(
        "reset-password-undecodable",
        "users set-password ds@example.org --password-stdin",
        2,
        stdin=b"\xff\n",
    ),
    case(
        "own-password-short",
        "account set-password --password-stdin",
        2,
        "guest",
        stdin="x\n",
    ),
    case(
        "own-password-undecodable",
        "account set-password --password-stdin",
        2,
        "guest",
        stdin=b"\xc3\x28-password\n",
    ),
]

LOGIN_ADMIN = "login admin@example.org --password-stdin"

IDENTITY_CASES = [
    case("login-wrong-password", LOGIN_ADMIN, 3, None, stdin="wrong-password\n"),
    case("login-1mb-password", LOGIN_ADMIN, 3, None, stdin="a" * MEGABYTE + "\n"),
    case("login-no-password", LOGIN_ADMIN, 2, None, stdin=""),
    case("login-undecodable-password", LOGIN_ADMIN, 2, None, stdin=b"\xff\xfe\n"),
    case(
        "login-email-no-at", "login noat --password-stdin", 2, None, stdin=NEW_PASSWORD
    ),
    case("login-email-empty", "login '' --password-stdin", 2, None, stdin=NEW_PASSWORD),
    case(
        "login-unknown-user",
        "login nobody@example.org --password-stdin",
        3,
        None,
        stdin=NEW_PASSWORD,
    ),
    case("login-no-email", "login --password-stdin", 2, None, stdin=NEW_PASSWORD),
    case(
        "init-existing",
        "init --admin-email new@example.org --password-stdin",
        2,
        None,
        stdin=NEW_PASSWORD,
    ),
    case("init-no-email", "init --password-stdin", 2, None, stdin=NEW_PASSWORD),
    case(
        "init-email-no-at",
        f"{INIT_FRESH} --admin-email noat",
        2,
        None,
        stdin=NEW_PASSWORD,
    ),
    case(
        "init-name-empty",
        f"{INIT_FRESH} --admin-email new@example.org --name ''",
        2,
        None,
        stdin=NEW_PASSWORD,
    ),
    case(
        "init-password-short",
        f"{INIT_FRESH} --admin-email new@example.org",
        2,
        None,
        stdin="short\n",
    ),
    case(
        "init-password-undecodable",
        f"{INIT_FRESH} --admin-email new@example.org",
        2,
        None,
        stdin=b"\xff\xfe\n",
    ),
    case("state-dir-missing", "--state-dir <workdir>/fresh whoami", 4),
    case("token-bogus", "whoami", 3, None, env={"SYFTAPI_TOKEN": "sya_bogus"}),
    case("token-1mb", "whoami", 3, None, env={"SYFTAPI_TOKEN": "<1mb>"}),
    case(
        "env-password-wrong",
        "whoami",
        3,
        None,
        env={"SYFTAPI_USER": "admin@example.org", "SYFTAPI_PASSWORD": "wrong-password"},
    ),
    case(
        "not-logged-in",
        "endpoint list",
        3,
        None,
        env={"SYFTAPI_CONFIG_DIR": "<workdir>/empty"},
    ),
    case("token-name-empty", "token create --name ''", 2),
    case("token-name-1mb", "token create --name <1mb>", 2),
    case("token-name-newline", "token create --name 'bad\nname'", 2),
    case("token-name-taken", "token create --name tests", 2),
    case("expires-zero", "token create --expires-in 0", 2),
    case("expires-negative", "token create --expires-in -1", 2),
    case("expires-nan", "token create --expires-in nan", 2),
    case("expires-inf", "token create --expires-in inf", 2),
    case("expires-1e30", f"token create --expires-in {10**30}", 2),
    case("expires-text", "token create --expires-in soon", 2),
    case("revoke-unknown", "token revoke nope --yes", 4),
    case("revoke-without-yes", "token revoke tests", 2),
    case("revoke-no-name", "token revoke", 2),
]

POOL_CASES = [
    case("pool-add-no-python", "pool add p1", 2),
    case("python-missing-file", "pool add p1 --python files/missing-python", 2),
    case("python-empty", "pool add p1 --python ''", 2),
    case("python-text-file", "pool add p1 --python files/notes.txt", 2),
    case("python-directory", "pool add p1 --python files/adir", 2),
    case("python-not-python", "pool add p1 --python files/not_python.sh", 2),
    case("python-option-like", "pool add p1 --python --yes", 2),
    case("pool-name-space", "pool add 'Bad Name' --python python3", 2),
    case("pool-name-empty", "pool add '' --python python3", 2),
    case("pool-name-65-chars", f"pool add {'a' * 65} --python python3", 2),
    case("pool-name-option-like", "pool add -x --python python3", 2),
    case("pool-name-default", "pool add default --python python3", 2),
    case("pool-name-uppercase", "pool show BAD", 2),
    case("pool-show-unknown", "pool show nopool", 4),
    case("pool-delete-unknown", "pool delete nopool --yes", 4),
    case("pool-delete-default", "pool delete default --yes", 2),
    case("pool-delete-without-yes", "pool delete default", 2),
    case("requirements-missing", "pool create p2 --requirements files/none.txt", 2),
    case("requirements-directory", "pool create p2 --requirements files/adir", 2),
    case("requirements-undecodable", "pool create p2 -r files/badreq.txt", 2),
    case("pool-create-bad-name", "pool create 'Bad Name'", 2),
    case("pool-create-python-missing", "pool create p2 --python files/none", 2),
]

ROLE_CASES = [
    case(
        "scientist-add",
        "endpoint add sample_endpoints.walkthrough:sum_numbers",
        3,
        SCIENTIST,
    ),
    case("scientist-update", f"{UPDATE_SUM} --timeout 5", 3, SCIENTIST),
    case(
        "scientist-run-private",
        "run my_org.get_data_sample --private --kw length=1",
        3,
        SCIENTIST,
    ),
    case("scientist-state-show", "state show my_org.sum_numbers", 3, SCIENTIST),
    case("scientist-approve", "requests approve <request> --yes", 3, SCIENTIST),
    case("scientist-deny", "requests deny <request> --reason no", 3, SCIENTIST),
    case("scientist-prune", "jobs prune --older-than 0 --yes", 3, SCIENTIST),
    case(
        "scientist-register",
        f"{REGISTER_NEW} --password-stdin",
        3,
        SCIENTIST,
        stdin=NEW_PASSWORD,
    ),
    case("scientist-pool-add", "pool add p1 --python python3", 3, SCIENTIST),
    case(
        "scientist-secrets",
        "endpoint show my_org.get_data_sample --show-secrets",
        3,
        SCIENTIST,
    ),
    case(
        "scientist-other-code",
        "code show get_sample_fixed_length --user admin@example.org",
        3,
        SCIENTIST,
    ),
    case("guest-delete", "endpoint delete my_org.sum_numbers --yes", 3, "guest"),
    case("guest-state-reset", "state reset my_org.sum_numbers", 3, "guest"),
    case(
        "guest-submit",
        "code submit sample_endpoints.user_code:get_sample_fixed_length",
        3,
        "guest",
    ),
    case("guest-code-list", "code list", 3, "guest"),
    case("guest-requests-list", "requests list", 3, "guest"),
    case("guest-jobs-list", "jobs list", 3, "guest"),
    case("guest-jobs-show", "jobs show <job>", 3, "guest"),
    case("guest-pool-list", "pool list", 3, "guest"),
    case("guest-users-list", "users list", 3, "guest"),
    case(
        "guest-run-private",
        "run my_org.get_data_sample --private --kw length=1",
        3,
        "guest",
    ),
    case("guest-doctor", "doctor", 3, "guest"),
    case("owner-grant-admin", "users set-role ds@example.org admin", 3, OWNER),
    case("owner-demote-admin", "users set-role admin@example.org guest", 3, OWNER),
    case(
        "owner-register-owner",
        f"{REGISTER_NEW} --role data_owner --password-stdin",
        3,
        OWNER,
        stdin=NEW_PASSWORD,
    ),
    case("owner-delete-user", "users delete ds@example.org --yes", 3, OWNER),
    case(
        "owner-reset-password",
        "users set-password ds@example.org --password-stdin",
        3,
        OWNER,
        stdin=NEW_PASSWORD,
    ),
    case("owner-audit", "audit", 3, OWNER),
]

ALL_CASES = (
    PATH_CASES
    + KW_CASES
    + TARGET_CASES
    + UPDATE_CASES
    + ID_CASES
    + LIST_CASES
    + USER_CASES
    + IDENTITY_CASES
    + POOL_CASES
    + ROLE_CASES
)


@pytest.mark.parametrize("command, exit_code, role, stdin, env", ALL_CASES)
def test_bad_input_rejected(cli, seeded, workdir, command, exit_code, role, stdin, env):
    environment = {
        name: _fill(value, seeded, workdir) for name, value in (env or {}).items()
    }
    if role is not None:
        environment["SYFTAPI_TOKEN"] = seeded.tokens[role]
    before = tree_digest(workdir)

    result = cli(*_words(command, seeded, workdir), input=stdin, env=environment)

    assert_one_line_error(result, exit_code)
    assert tree_digest(workdir) == before


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("run my_org.<undecodable>", id="path"),
        pytest.param(f"{RUN_SUM} --kw number_1=<undecodable> --kw number_2=1", id="kw"),
        pytest.param(f"{RUN_SUM} --kw <undecodable>=1", id="kw-name"),
        pytest.param("endpoint add files/<undecodable>.py", id="target"),
        pytest.param("users set-role ds@example.org <undecodable>", id="role"),
        pytest.param("token create --name <undecodable>", id="token-name"),
        pytest.param(
            "users register --email <undecodable>@example.org --name X "
            "--password-stdin",
            id="email",
        ),
        pytest.param(f"{UPDATE_SUM} --description <undecodable>", id="description"),
        pytest.param("requests deny <request> --reason <undecodable>", id="reason"),
    ],
)
def test_undecodable_argv_rejected(seeded, workdir, command):
    before = tree_digest(workdir)

    completed = run_syftapi(
        *_words(command, seeded, workdir),
        input=NEW_PASSWORD,
        env={"SYFTAPI_TOKEN": seeded.tokens["admin"]},
        cwd=workdir,
    )

    result = types.SimpleNamespace(
        exit_code=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
    )
    assert_one_line_error(result, 2)
    assert tree_digest(workdir) == before
