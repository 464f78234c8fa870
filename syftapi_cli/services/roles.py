"""Roles and the checks that the permission table implies."""

from dataclasses import dataclass

from syftapi_cli.errors import PermissionDenied, UsageError

ADMIN = "admin"
DATA_OWNER = "data_owner"
DATA_SCIENTIST = "data_scientist"
GUEST = "guest"
ROLES = (ADMIN, DATA_OWNER, DATA_SCIENTIST, GUEST)


@dataclass(frozen=True)
class Identity:
    """The user a command acts as."""

    email: str
    name: str
    role: str

    @property
    def is_owner(self) -> bool:
        """Whether this user has data owner rights (admins and data owners)."""
        return self.role in (ADMIN, DATA_OWNER)

    def as_dict(self) -> dict:
        return {"email": self.email, "name": self.name, "role": self.role}


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise UsageError(f"invalid role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def _denied(identity: Identity, action: str, message: str) -> PermissionDenied:
    error = PermissionDenied(message)
    error.actor = identity.email
    error.action = action
    return error


def require_owner(identity: Identity, action: str) -> None:
    """Raise PermissionDenied unless IDENTITY is an admin or data owner."""
    if not identity.is_owner:
        raise _denied(identity, action,
            f"permission denied: {action} needs the admin or data_owner role "
            f"(you are {identity.email}, {identity.role})"
        )


def require_admin(identity: Identity, action: str) -> None:
    if identity.role != ADMIN:
        raise _denied(identity, action,
            f"permission denied: {action} needs the admin role "
            f"(you are {identity.email}, {identity.role})"
        )


def require_member(identity: Identity, action: str) -> None:
    """Raise PermissionDenied for guests, who may only run public and mock code."""
    if identity.role == GUEST:
        raise _denied(identity, action,
            f"permission denied: {action} is not open to guests "
            f"(you are {identity.email})"
        )
