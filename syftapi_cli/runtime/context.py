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

    def __init__(self, root: Path, identity: Identity, depth: int, held: tuple):
        self._root = root
        self.identity = identity
        self._depth = depth
        self._held = held

    @property
    def api(self) -> SimpleNamespace:
        return SimpleNamespace(services=_ServicePath(self, ()))

    def call(self, path: str, side: str | None, kwargs: dict):
        from syftapi_cli.services import runs
        from syftapi_cli.store import Datasite

        return runs.call_nested(
            Datasite.open(self._root), self.identity, path, side, kwargs,
            depth=self._depth + 1, held=self._held,
        )


class Context:
    """What an endpoint method sees of the datasite while it runs."""

    def __init__(self, settings, state, user, code, user_client, admin_client):
        self.settings = settings
        self.state = state
        self.user = user
        self.code = code
        self.user_client = user_client
        self.admin_client = admin_client
