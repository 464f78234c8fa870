"""The `context` every endpoint method receives, and the clients inside it."""

from pathlib import Path
from types import SimpleNamespace

from syftapi_cli.services.roles import Identity


class UserView(SimpleNamespace):
    """The calling user: `email`, `name` and `role`."""


class _ServicePath:
    """Attribute chain `api.services.my_org.sum_numbers` ending in a call."""

    def __init__(self, client: "Client", parts: tuple[str, ...]):
        self._client = client
        self._parts = parts

    def __getattr__(self, name: str) -> "_ServicePath":
        if name.startswith("__"):
            raise AttributeError(name)
        return _ServicePath(self._client, (*self._parts, name))

    def __call__(self, **kwargs):
        return self._client.call(".".join(self._parts), None, kwargs)

    def mock(self, **kwargs):
        return self._client.call(".".join(self._parts), "mock", kwargs)

    def private(self, **kwargs):
        return self._client.call(".".join(self._parts), "private", kwargs)


class Client:
    """Calls other endpoints from inside endpoint code, with one user's rights."""

    def __init__(
        self, root: Path, identity: Identity, depth: int, held: tuple, approved: tuple = ()
    ):
        self._root = root
        self.identity = identity
        self._depth = depth
        self._held = held
        self._approved = approved

    @property
    def api(self) -> SimpleNamespace:
        return SimpleNamespace(services=_ServicePath(self, ()))

    def call(self, path: str, side: str | None, kwargs: dict):
        from syftapi_cli.services import runs
        from syftapi_cli.store import Datasite

        return runs.call_nested(
            Datasite.open(self._root), self.identity, path, side, kwargs,
            depth=self._depth + 1, held=self._held, approved_paths=self._approved,
        )

    @property
    def code(self) -> "CodeClient":
        return CodeClient(self)


class CodeClient:
    """`client.code`: submit user code on behalf of the client's user."""

    def __init__(self, client: Client):
        self._client = client

    def request_code_execution(self, code) -> dict:
        """Submit CODE for approval as this client's user; return the request."""
        from syftapi_cli.errors import UsageError
        from syftapi_cli.services import usercode as service
        from syftapi_cli.store import Datasite
        from syftapi_cli.usercode import UserCode

        if not isinstance(code, UserCode):
            raise UsageError(
                "request_code_execution needs a function decorated with "
                "@sy.syft_function or @sy.syft_function_single_use"
            )
        datasite = Datasite.open(self._client._root)
        request, _ = service.submit(datasite, self._client.identity, code)
        return {"request_id": request["id"], "code": request["code"], "status": request["status"]}


class Context:
    """What an endpoint method sees of the datasite while it runs."""

    def __init__(self, settings, state, user, code, user_client, admin_client):
        self.settings = settings
        self.state = state
        self.user = user
        self.code = code
        self.user_client = user_client
        self.admin_client = admin_client
