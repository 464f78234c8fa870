"""Error types that leave syftapi, each carrying the exit code the CLI returns."""


class SyftapiError(Exception):
    """Root of every error syftapi reports to its user as one line."""

    exit_code = 1


class EndpointRaised(SyftapiError):
    """Endpoint or user code raised an exception, or its run timed out."""

    exit_code = 1


class UsageError(SyftapiError):
    """Invalid input: a bad path, keyword, target, option value or state."""

    exit_code = 2


class DefinitionError(UsageError, ValueError):
    """An endpoint definition breaks a rule; raised when it is defined."""


class ConfirmationRequired(UsageError):
    """A destructive command ran without a terminal and without `--yes`."""


class AuthenticationError(SyftapiError):
    """No identity, an unknown user, a wrong password or an invalid token."""

    exit_code = 3


class PermissionDenied(SyftapiError):
    """The caller's role does not allow the action."""

    exit_code = 3


class NotFound(SyftapiError):
    """An endpoint, user, request, job, pool, token or datasite does not exist."""

    exit_code = 4


class NotRunnable(SyftapiError):
    """User code awaits approval or was denied."""

    exit_code = 5


class DamagedState(SyftapiError):
    """A record or blob is corrupt, unsigned, newer than syftapi, or foreign."""

    exit_code = 6
