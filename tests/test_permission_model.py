"""A stateful model of roles, endpoints and approvals, driven through the real CLI.

Hypothesis runs random sequences of commands by random roles against one
datasite per example. The endpoints plant unique markers in their private
code, settings, state and private results. After every command the output
is checked: data scientists and guests never see private code, settings,
state, hidden mock code, or a private result that no approval covered, and
no output shows a traceback. Exit codes are checked against the model.

SYFTAPI_HYPOTHESIS_EXAMPLES sets the number of examples (20 by default) for
a longer run, which draws new sequences and shrinks a failing one.
"""

import itertools
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from typer.testing import CliRunner

from syftapi_cli.cli import core
from syftapi_cli.cli.app import app

ROLES = ("admin", "data_owner", "data_scientist", "guest")
# Weighted toward the roles for which the command usually succeeds, so that
# sequences reach approved code more often than permission errors.
SUBMITTERS = ("data_scientist", "data_scientist", "data_owner", "guest")
REVIEWERS = ("data_owner", "admin", "data_owner", "data_scientist")
VIEWERS = ("data_scientist", "guest", "data_scientist", "data_owner", "admin")
VIEWS = (
    "endpoint show",
    "state show",
    "code show",
    "requests show",
    "jobs show",
    "endpoint list",
    "code list",
    "requests list",
    "jobs list",
)
OWNER_ROLES = ("admin", "data_owner")
SLOTS = (0, 1)
CODE_NAMES = ("probe_a", "probe_b")
UPDATES = ("mock", "private", "mock_settings", "private_settings", "hide", "show")
UNKNOWN_ID = "0123456789abcdef"
LONG_RUN = "SYFTAPI_HYPOTHESIS_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("SYFTAPI_HYPOTHESIS_EXAMPLES", "20"))
# Each example creates a datasite and starts several worker processes, and
# shrinking a failure runs hundreds of examples. So the default run reports a
# failing sequence as it was generated, and only the longer run shrinks it.
PHASES = tuple(Phase) if LONG_RUN else (Phase.explicit, Phase.reuse, Phase.generate)

# Endpoint sources. State values and private results are written reversed and
# reversed back at run time, so a marker found in output shows whether code,
# state or a result leaked. The private side prints its state, as debugging
# output would, and those logs must stay with the data owners.
TWIN_SOURCE = '''
import syftapi_cli as sy


@sy.api_endpoint_method(settings={mock_settings!r})
def mock_{tag}(context):
    # {mock_code}
    context.state["marker"] = {mock_state!r}[::-1]
    print("mock settings", context.settings)
    return "mock result"


@sy.api_endpoint_method(settings={private_settings!r})
def private_{tag}(context):
    # {private_code}
    context.state["marker"] = {private_state!r}[::-1]
    print("private state", context.state)
    print("private settings", context.settings)
    return {private_result!r}[::-1]


endpoint = sy.TwinAPIEndpoint(
    path={path!r}, mock_function=mock_{tag}, private_function=private_{tag}
)
'''

PUBLIC_SOURCE = '''
import syftapi_cli as sy


@sy.api_endpoint(path={path!r}, settings={settings!r})
def public_{tag}(context):
    # {code}
    context.state["marker"] = {state!r}[::-1]
    print("public settings", context.settings)
    return "public result"
'''

MOCK_SOURCE = '''
import syftapi_cli as sy


@sy.api_endpoint_method(settings={settings!r})
def method_{tag}(context):
    # {code}
    context.state["marker"] = {state!r}[::-1]
    print("mock settings", context.settings)
    return "mock result"
'''

PRIVATE_SOURCE = '''
import syftapi_cli as sy


@sy.api_endpoint_method(settings={settings!r})
def method_{tag}(context):
    # {code}
    context.state["marker"] = {state!r}[::-1]
    print("private state", context.state)
    print("private settings", context.settings)
    return {result!r}[::-1]
'''

SINGLE_USE_CODE = '''
import syftapi_cli as sy


@sy.syft_function_single_use(data={path!r})
def {name}(data):
    return data()
'''

REPEATABLE_CODE = '''
import syftapi_cli as sy


@sy.syft_function(input_policy=sy.MixedInputPolicy(data={path!r}), output_policy=None)
def {name}(data):
    return data()
'''


@dataclass
class User:
    email: str
    role: str
    token: str = ""

    @property
    def is_owner(self) -> bool:
        return self.role in OWNER_ROLES


@dataclass
class Endpoint:
    """What the model expects of one registered endpoint."""

    path: str
    kind: str
    incarnation: int
    mock_version: int = 1
    private_version: int = 1
    hidden: bool = False
    mock_code: str = ""
    private_result: str = ""

    def code_identity(self) -> tuple:
        """Return what an approval covers: the code that an input of user code reaches."""
        version = self.private_version if self.kind == "twin" else self.mock_version
        return (self.incarnation, version)


@dataclass
class Request:
    id: str
    email: str
    name: str
    path: str
    source: str
    run_limit: int | None
    order: int
    status: str = "pending"
    approved_identity: tuple | None = None
    runs: int = 0


@dataclass
class Markers:
    """Every marker planted so far, grouped by what it marks."""

    private_code: set = field(default_factory=set)
    settings: set = field(default_factory=set)
    state: set = field(default_factory=set)
    private_results: set = field(default_factory=set)


class PermissionMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.workdir = Path(tempfile.mkdtemp(prefix="syftapi-model-"))
        self.saved_env = {k: v for k, v in os.environ.items() if k.startswith("SYFTAPI_")}
        for name in self.saved_env:
            del os.environ[name]
        os.environ["SYFTAPI_HOME"] = str(self.workdir / "home")
        os.environ["SYFTAPI_CONFIG_DIR"] = str(self.workdir / "config")
        os.environ["SYFTAPI_INSECURE_FAST_HASH"] = "1"
        core.options.state_dir = None
        core.options.debug = False
        self.counter = itertools.count(1)
        self.users: list[User] = []
        self.endpoints: dict[str, Endpoint] = {}
        self.requests: list[Request] = []
        # The newest version of each (email, code name) is the last request id here.
        self.code_index: dict[tuple, list[str]] = {}
        self.allowed_results: dict[str, set] = {}
        self.markers = Markers()
        self.incarnations = itertools.count(1)

    def teardown(self):
        for name in [n for n in os.environ if n.startswith("SYFTAPI_")]:
            del os.environ[name]
        os.environ.update(self.saved_env)
        for name, module in list(sys.modules.items()):
            location = getattr(module, "__file__", None) or ""
            if location.startswith(str(self.workdir)):
                del sys.modules[name]
        shutil.rmtree(self.workdir, ignore_errors=True)

    # Markers and files

    def marker(self, kind: str) -> str:
        return f"{kind}{next(self.counter):05d}Z"

    def plant(self, kind: str, collection: set) -> str:
        value = self.marker(kind)
        collection.add(value)
        return value

    def new_settings(self) -> dict:
        first = self.plant("SETTING", self.markers.settings)
        second = self.plant("SETTING", self.markers.settings)
        return {"api_key": first, "nested": {"list": [second, 3]}}

    def write(self, text: str) -> Path:
        path = self.workdir / f"module_{next(self.counter)}.py"
        path.write_text(text)
        return path

    # Running the CLI

    def invoke(self, user: User | None, *args, input=None, env=None, show_secrets=False):
        environment = dict(env or {})
        if user is not None:
            environment["SYFTAPI_TOKEN"] = user.token
        result = CliRunner().invoke(app, [str(a) for a in args], input=input, env=environment)
        self.command_label = args[0] if args[0] == "run" else " ".join(args[:2])
        self.check_output(user, args, result, show_secrets)
        return result

    def check_output(self, user: User | None, args, result, show_secrets: bool) -> None:
        command = " ".join(map(str, args))
        role = user.role if user else "anonymous"
        if not isinstance(result.exception, (SystemExit, type(None))):
            raise AssertionError(f"{command!r} raised {result.exception!r}")
        text = result.stdout + result.stderr
        assert "Traceback" not in text, (role, command, text)
        assert "internal error" not in text, (role, command, text)
        settings_shown = sorted(m for m in self.markers.settings if m in text)
        if user is not None and user.is_owner and show_secrets:
            settings_shown = []
        assert settings_shown == [], (role, command, text)
        if user is not None and user.is_owner:
            return
        code_shown = sorted(m for m in self.markers.private_code if m in text)
        assert code_shown == [], (role, command, text)
        state_shown = sorted(m for m in self.markers.state if m in text)
        assert state_shown == [], (role, command, text)
        hidden = {e.mock_code for e in self.endpoints.values() if e.hidden}
        hidden_shown = sorted(m for m in hidden if m in text)
        assert hidden_shown == [], (role, command, text)
        allowed = self.allowed_results.get(user.email, set()) if user else set()
        results_shown = sorted(m for m in self.markers.private_results - allowed if m in text)
        assert results_shown == [], (role, command, text)

    def expect(self, result, code: int, *context) -> None:
        """Check the exit code of the last command. CONTEXT goes into the failure message."""
        event(f"{self.command_label} exit {code}")
        assert result.exit_code == code, (context, result.exit_code, result.stdout, result.stderr)

    def pick_user(self, role: str, index: int) -> User:
        candidates = [u for u in self.users if u.role == role]
        return candidates[index % len(candidates)]

    def create_token(self, user: User, password: str) -> None:
        env = {"SYFTAPI_USER": user.email, "SYFTAPI_PASSWORD": password}
        created = self.invoke(None, "token", "create", "--name", "model", env=env)
        self.expect(created, 0, "token create", user.email)
        user.token = created.stdout.strip()

    # Set-up

    @initialize()
    def create_datasite(self):
        admin = User("admin@example.org", "admin")
        password = "admin-password"
        created = self.invoke(
            None, "init", "--admin-email", admin.email, "--password-stdin", input=password + "\n"
        )
        self.expect(created, 0, "init")
        self.users.append(admin)
        self.create_token(admin, password)
        for role in ("data_owner", "data_scientist", "guest"):
            self.register(admin, role, 0)
        self.add_endpoint("admin", 0, 0, "twin")
        self.add_endpoint("admin", 0, 1, "public")
        # Hypothesis enables a random subset of rules in each example, so every
        # example starts with one pending and one approved request to build on.
        scientist = self.pick_user("data_scientist", 0)
        self.submit(scientist, CODE_NAMES[0], 0, True)
        self.submit(scientist, CODE_NAMES[1], 0, False)
        self.review("admin", 0, "approve newest", 0)

    def register(self, actor: User, role: str, expected: int) -> None:
        email = f"user{next(self.counter)}@example.org"
        password = f"password-{email}"
        result = self.invoke(
            actor, "users", "register", "--email", email, "--name", "Member",
            "--role", role, "--password-stdin", input=password + "\n",
        )
        self.expect(result, expected, "users register", actor.role, role)
        if expected == 0:
            user = User(email, role)
            self.users.append(user)
            self.create_token(user, password)

    # Users

    @rule(actor_role=st.sampled_from(ROLES), index=st.integers(0, 3), role=st.sampled_from(ROLES))
    def register_user(self, actor_role, index, role):
        actor = self.pick_user(actor_role, index)
        if actor_role == "admin":
            expected = 0
        elif actor_role == "data_owner":
            expected = 0 if role in ("data_scientist", "guest") else 3
        else:
            expected = 3
        self.register(actor, role, expected)

    # Endpoints

    def twin_source(self, path: str, endpoint: Endpoint) -> str:
        return TWIN_SOURCE.format(
            tag=next(self.counter),
            path=path,
            mock_settings=self.new_settings(),
            private_settings=self.new_settings(),
            mock_code=endpoint.mock_code,
            private_code=self.plant("PRIVCODE", self.markers.private_code),
            mock_state=self.plant("STATE", self.markers.state)[::-1],
            private_state=self.plant("STATE", self.markers.state)[::-1],
            private_result=endpoint.private_result[::-1],
        )

    def public_source(self, path: str, endpoint: Endpoint) -> str:
        return PUBLIC_SOURCE.format(
            tag=next(self.counter),
            path=path,
            settings=self.new_settings(),
            code=endpoint.mock_code,
            state=self.plant("STATE", self.markers.state)[::-1],
        )

    @rule(
        actor_role=st.sampled_from(ROLES),
        index=st.integers(0, 3),
        slot=st.sampled_from(SLOTS),
        kind=st.sampled_from(["twin", "public"]),
    )
    def add_endpoint(self, actor_role, index, slot, kind):
        actor = self.pick_user(actor_role, index)
        path = f"model.ep{slot}"
        endpoint = Endpoint(path, kind, next(self.incarnations), mock_code=self.marker("MOCKCODE"))
        if kind == "twin":
            endpoint.private_result = self.plant("RESULT", self.markers.private_results)
            module = self.write(self.twin_source(path, endpoint))
        else:
            module = self.write(self.public_source(path, endpoint))
        result = self.invoke(actor, "endpoint", "add", module)
        if not actor.is_owner:
            self.expect(result, 3, "endpoint add", actor.role)
        elif path in self.endpoints:
            self.expect(result, 2, "endpoint add", path)
        else:
            self.expect(result, 0, "endpoint add", path)
            self.endpoints[path] = endpoint

    @rule(
        actor_role=st.sampled_from(ROLES),
        index=st.integers(0, 3),
        slot=st.sampled_from(SLOTS),
        change=st.sampled_from(UPDATES),
    )
    def update_endpoint(self, actor_role, index, slot, change):
        actor = self.pick_user(actor_role, index)
        path = f"model.ep{slot}"
        current = self.endpoints.get(path)
        args = ["endpoint", "update", path]
        stdin = None
        new_mock_code = self.marker("MOCKCODE")
        new_result = self.marker("RESULT")
        tag = next(self.counter)
        if change == "mock":
            module = self.write(
                MOCK_SOURCE.format(
                    tag=tag,
                    settings=self.new_settings(),
                    code=new_mock_code,
                    state=self.plant("STATE", self.markers.state)[::-1],
                )
            )
            args += ["--mock", f"{module}:method_{tag}"]
        elif change == "private":
            self.markers.private_results.add(new_result)
            module = self.write(
                PRIVATE_SOURCE.format(
                    tag=tag,
                    settings=self.new_settings(),
                    code=self.plant("PRIVCODE", self.markers.private_code),
                    state=self.plant("STATE", self.markers.state)[::-1],
                    result=new_result[::-1],
                )
            )
            args += ["--private", f"{module}:method_{tag}"]
        elif change in ("mock_settings", "private_settings"):
            args += [f"--{change.replace('_', '-')}", "-"]
            stdin = json.dumps(self.new_settings())
        else:
            args.append(f"--{change}-mock-definition")
        result = self.invoke(actor, *args, input=stdin)

        if not actor.is_owner:
            self.expect(result, 3, *args)
            return
        if current is None:
            self.expect(result, 4, *args)
            return
        if current.kind == "public" and change in ("private", "private_settings"):
            self.expect(result, 2, *args)
            return
        self.expect(result, 0, *args)
        if change == "mock":
            current.mock_version += 1
            current.mock_code = new_mock_code
        elif change == "private":
            current.private_version += 1
            current.private_result = new_result
        elif change == "mock_settings":
            current.mock_version += 1
        elif change == "private_settings":
            current.private_version += 1
        else:
            current.hidden = change == "hide"

    @rule(actor_role=st.sampled_from(ROLES), index=st.integers(0, 3), slot=st.sampled_from(SLOTS))
    def delete_endpoint(self, actor_role, index, slot):
        actor = self.pick_user(actor_role, index)
        path = f"model.ep{slot}"
        result = self.invoke(actor, "endpoint", "delete", path, "--yes")
        if not actor.is_owner:
            self.expect(result, 3, "endpoint delete", actor.role)
        elif path not in self.endpoints:
            self.expect(result, 4, "endpoint delete", path)
        else:
            self.expect(result, 0, "endpoint delete", path)
            del self.endpoints[path]

    @rule(
        actor_role=st.sampled_from(ROLES),
        index=st.integers(0, 3),
        slot=st.sampled_from(SLOTS),
        side=st.sampled_from([None, "mock", "private"]),
    )
    def run_endpoint(self, actor_role, index, slot, side):
        actor = self.pick_user(actor_role, index)
        path = f"model.ep{slot}"
        args = ["run", path] + ([f"--{side}"] if side else [])
        result = self.invoke(actor, *args)
        endpoint = self.endpoints.get(path)
        if endpoint is None:
            self.expect(result, 4, *args)
        elif endpoint.kind == "public" and side == "private":
            self.expect(result, 2, *args)
        elif endpoint.kind == "twin" and side == "private" and not actor.is_owner:
            self.expect(result, 3, *args)
        else:
            self.expect(result, 0, *args)

    # User code and requests

    def submit(self, actor: User, name: str, slot: int, single_use: bool) -> None:
        path = f"model.ep{slot}"
        template = SINGLE_USE_CODE if single_use else REPEATABLE_CODE
        source = template.format(path=path, name=name)
        module = self.write(source)
        result = self.invoke(actor, "code", "submit", f"{module}:{name}")
        if actor.role == "guest":
            self.expect(result, 3, "code submit", actor.role)
            return
        if path not in self.endpoints:
            self.expect(result, 4, "code submit", path)
            return
        self.expect(result, 0, "code submit", path)
        request_id = result.stdout.strip()
        versions = self.code_index.setdefault((actor.email, name), [])
        same = [
            r for r in self.requests
            if r.email == actor.email and r.name == name and r.source == source
        ]
        if same:
            # Unchanged code reports its existing request and makes it the newest version.
            assert request_id == same[0].id, (request_id, same[0])
            versions.remove(request_id)
        else:
            run_limit = 1 if single_use else None
            order = len(self.requests)
            self.requests.append(
                Request(request_id, actor.email, name, path, source, run_limit, order)
            )
        versions.append(request_id)

    @rule(
        actor_role=st.sampled_from(SUBMITTERS),
        index=st.integers(0, 3),
        name=st.sampled_from(CODE_NAMES),
        slot=st.sampled_from(SLOTS),
        single_use=st.booleans(),
    )
    def submit_code(self, actor_role, index, name, slot, single_use):
        self.submit(self.pick_user(actor_role, index), name, slot, single_use)

    def request_by_id(self, request_id: str) -> Request | None:
        return next((r for r in self.requests if r.id == request_id), None)

    def input_state(self, request: Request) -> str:
        """Return `deleted`, `changed` or `current` for the request's input endpoint.

        An endpoint deleted and added again under the same path is other code,
        so an approval of the earlier one does not cover it.
        """
        endpoint = self.endpoints.get(request.path)
        if endpoint is None:
            return "deleted"
        if request.approved_identity != endpoint.code_identity():
            return "changed"
        return "current"

    def reviewable(self, request: Request) -> bool:
        if request.status == "pending":
            return True
        return request.status == "approved" and self.input_state(request) != "current"

    @rule(
        actor_role=st.sampled_from(REVIEWERS),
        index=st.integers(0, 3),
        decision=st.sampled_from(["approve newest", "approve", "deny"]),
        choice=st.integers(0, 20),
    )
    def review(self, actor_role, index, decision, choice):
        actor = self.pick_user(actor_role, index)
        if decision == "approve newest":
            pending = [r for r in self.requests if r.status == "pending"]
            request = max(pending, key=lambda r: r.order) if pending else None
            args = ["requests", "approve", "--yes"]
        else:
            request = self.requests[choice % len(self.requests)] if self.requests else None
            request_id = request.id if request else UNKNOWN_ID
            if decision == "approve":
                args = ["requests", "approve", request_id, "--yes"]
            else:
                args = ["requests", "deny", request_id, "--reason", "not now"]
        result = self.invoke(actor, *args)
        if not actor.is_owner:
            self.expect(result, 3, *args)
        elif request is None:
            self.expect(result, 4, *args)
        elif not self.reviewable(request):
            self.expect(result, 2, *args, request)
        elif decision == "deny":
            self.expect(result, 0, *args, request)
            request.status = "denied"
        elif request.path not in self.endpoints:
            self.expect(result, 4, *args, request)
        else:
            self.expect(result, 0, *args, request)
            request.status = "approved"
            request.approved_identity = self.endpoints[request.path].code_identity()

    @rule(
        own=st.sampled_from([True, True, False]),
        choice=st.integers(0, 20),
        actor_role=st.sampled_from(SUBMITTERS),
        index=st.integers(0, 3),
        name=st.sampled_from(CODE_NAMES),
    )
    def run_code(self, own, choice, actor_role, index, name):
        """Run code as its submitter (OWN), or run a code name as any user."""
        keys = sorted(key for key, versions in self.code_index.items() if versions)
        if own and keys:
            email, name = keys[choice % len(keys)]
            actor = next(u for u in self.users if u.email == email)
        else:
            actor = self.pick_user(actor_role, index)
        versions = self.code_index.get((actor.email, name))
        request = self.request_by_id(versions[-1]) if versions else None
        expected = self.expected_code_run(actor, request)
        runs = expected == 0 and self.runs_left(request)
        if runs and self.endpoints[request.path].kind == "twin":
            allowed = self.allowed_results.setdefault(actor.email, set())
            allowed.add(self.endpoints[request.path].private_result)
        result = self.invoke(actor, "code", "run", name)
        self.expect(result, expected, "code run", name, request)
        if runs:
            request.runs += 1
        if expected == 0:
            self.show_newest_jobs(actor)

    def show_newest_jobs(self, actor: User) -> None:
        """Show ACTOR the code's job and the endpoint job that the run started."""
        listed = self.invoke(actor, "jobs", "list", "--limit", "2", "--format", "json")
        self.expect(listed, 0, "jobs list")
        for job in json.loads(listed.stdout):
            shown = self.invoke(actor, "jobs", "show", job["id"], "--format", "json")
            self.expect(shown, 0, "jobs show", job)

    def runs_left(self, request: Request) -> bool:
        return request.run_limit is None or request.runs < request.run_limit

    def expected_code_run(self, actor: User, request: Request | None) -> int:
        if actor.role == "guest":
            return 3
        if request is None:
            return 4
        if request.status != "approved":
            return 5
        state = self.input_state(request)
        if state == "deleted":
            return 4
        if state == "changed":
            return 5
        return 0

    # Views

    @rule(
        actor_role=st.sampled_from(VIEWERS),
        index=st.integers(0, 3),
        view=st.sampled_from(VIEWS),
        slot=st.sampled_from(SLOTS),
        choice=st.integers(0, 50),
        fmt=st.sampled_from(["json", "table", "csv"]),
        show_secrets=st.booleans(),
    )
    def show(self, actor_role, index, view, slot, choice, fmt, show_secrets):
        actor = self.pick_user(actor_role, index)
        if view == "endpoint show":
            self.show_endpoint(actor, f"model.ep{slot}", fmt, show_secrets)
        elif view == "state show":
            self.show_state(actor, f"model.ep{slot}", fmt, show_secrets)
        elif view == "code show":
            self.show_code(actor, CODE_NAMES[choice % len(CODE_NAMES)], fmt)
        elif view == "requests show":
            self.show_request(actor, choice, fmt)
        elif view == "jobs show":
            self.show_job(actor, choice, fmt)
        else:
            group = view.split()[0]
            result = self.invoke(actor, group, "list", "--format", fmt)
            members_only = group != "endpoint"
            self.expect(result, 3 if members_only and actor.role == "guest" else 0, view)

    def show_endpoint(self, actor: User, path: str, fmt: str, show_secrets: bool) -> None:
        args = ["endpoint", "show", path, "--format", fmt]
        if show_secrets:
            args.append("--show-secrets")
        result = self.invoke(actor, *args, show_secrets=show_secrets)
        if path not in self.endpoints:
            self.expect(result, 4, *args)
        elif show_secrets and not actor.is_owner:
            self.expect(result, 3, *args)
        else:
            self.expect(result, 0, *args)

    def show_state(self, actor: User, path: str, fmt: str, mock: bool) -> None:
        args = ["state", "show", path, "--format", fmt] + (["--mock"] if mock else [])
        result = self.invoke(actor, *args)
        if not actor.is_owner:
            self.expect(result, 3, *args)
        elif path not in self.endpoints:
            self.expect(result, 4, *args)
        else:
            self.expect(result, 0, *args)

    def show_code(self, actor: User, name: str, fmt: str) -> None:
        result = self.invoke(actor, "code", "show", name, "--format", fmt)
        if actor.role == "guest":
            self.expect(result, 3, "code show", name)
        elif self.code_index.get((actor.email, name)):
            self.expect(result, 0, "code show", name)
        else:
            self.expect(result, 4, "code show", name)

    def show_request(self, actor: User, choice: int, fmt: str) -> None:
        request = self.requests[choice % len(self.requests)] if self.requests else None
        request_id = request.id if request else UNKNOWN_ID
        result = self.invoke(actor, "requests", "show", request_id, "--format", fmt)
        visible = request is not None and (actor.is_owner or request.email == actor.email)
        self.expect(result, 0 if visible else 4, "requests show", request_id)

    def show_job(self, actor: User, choice: int, fmt: str) -> None:
        """Show a job of ACTOR's for an even CHOICE, else any job."""
        admin = self.pick_user("admin", 0)
        listed = self.invoke(admin, "jobs", "list", "--limit", "1000", "--format", "json")
        self.expect(listed, 0, "jobs list")
        jobs = json.loads(listed.stdout)
        own = [job for job in jobs if job["user"] == actor.email]
        candidates = own if own and choice % 2 == 0 else jobs
        if not candidates:
            return
        job = candidates[choice % len(candidates)]
        result = self.invoke(actor, "jobs", "show", job["id"], "--format", fmt)
        if actor.role == "guest":
            self.expect(result, 3, "jobs show", job)
        elif actor.is_owner or job["user"] == actor.email:
            self.expect(result, 0, "jobs show", job)
        else:
            self.expect(result, 4, "jobs show", job)


PermissionMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    phases=PHASES,
    stateful_step_count=15,
    deadline=None,
    database=None,
    # The default run replays the same sequences every time; a longer run draws new ones.
    derandomize=not LONG_RUN,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestPermissionModel = PermissionMachine.TestCase
