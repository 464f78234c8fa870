"""Users, passwords, API tokens, login sessions and who the caller is."""

import hashlib
import json
import os
import re
import secrets
import time
from pathlib import Path

from syftapi_cli.errors import (
    AuthenticationError,
    NotFound,
    UsageError,
)
from syftapi_cli.services import audit, passwords
from syftapi_cli.services.roles import (
    ADMIN,
    DATA_OWNER,
    Identity,
    require_admin,
    require_owner,
    validate_role,
)
from syftapi_cli.store import Datasite, hash_name
from syftapi_cli.store.files import make_private_dir, write_atomic

_EMAIL = re.compile(r"[^@\s/\\]+@[^@\s/\\]+\Z")
TOKEN_PREFIX = "sya_"
SESSION_DAYS = 30
TOKEN_NAME = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}\Z")


def validate_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise UsageError(f"invalid email {email!r}; use a form like 'ada@example.org'")
    return email


def validate_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200 or not name.isprintable():
        raise UsageError("invalid name: use 1 to 200 printable characters")
    return name


# Users


def find_user(datasite: Datasite, email: str) -> dict | None:
    return datasite.read("users", hash_name(email.strip().lower()))


def get_user(datasite: Datasite, email: str) -> dict:
    user = find_user(datasite, email)
    if user is None:
        raise NotFound(
            f"user {email!r} not found; run 'syftapi users list' to see the users"
        )
    return user


def _save_user(datasite: Datasite, user: dict) -> None:
    datasite.write("users", hash_name(user["email"]), user)


def _identity(user: dict) -> Identity:
    return Identity(email=user["email"], name=user["name"], role=user["role"])


def create_first_admin(datasite: Datasite, email: str, name: str, password: str) -> Identity:
    """Store the datasite's first admin; used by `init` only."""
    passwords.check_strength(password)
    user = {
        "email": validate_email(email),
        "name": validate_name(name),
        "role": ADMIN,
        "password_hash": passwords.hash_password(password),
        "created_at": time.time(),
    }
    with datasite.lock():
        _save_user(datasite, user)
    return _identity(user)


def _check_role_grant(actor: Identity, role: str) -> None:
    """Data owners may hand out data_scientist and guest roles only."""
    if role in (ADMIN, DATA_OWNER):
        require_admin(actor, f"granting the {role} role")
    else:
        require_owner(actor, "managing users")


def register_user(
    datasite: Datasite, actor: Identity, email: str, name: str, role: str, password: str
) -> Identity:
    email = validate_email(email)
    name = validate_name(name)
    validate_role(role)
    _check_role_grant(actor, role)
    passwords.check_strength(password)
    password_hash = passwords.hash_password(password)
    with datasite.lock():
        if find_user(datasite, email) is not None:
            raise UsageError(f"user {email!r} already exists")
        user = {
            "email": email,
            "name": name,
            "role": role,
            "password_hash": password_hash,
            "created_at": time.time(),
        }
        _save_user(datasite, user)
    audit.record(datasite, actor.email, f"register user as {role}", email)
    return _identity(user)


def list_users(datasite: Datasite, actor: Identity) -> list[dict]:
    require_owner(actor, "listing users")
    users = [
        {"email": u["email"], "name": u["name"], "role": u["role"]}
        for u in datasite.records("users")
    ]
    return sorted(users, key=lambda u: u["email"])


def _admin_count(datasite: Datasite) -> int:
    return sum(1 for u in datasite.records("users") if u["role"] == ADMIN)


def set_role(datasite: Datasite, actor: Identity, email: str, role: str) -> Identity:
    validate_role(role)
    _check_role_grant(actor, role)
    with datasite.lock():
        user = get_user(datasite, email)
        if user["role"] in (ADMIN, DATA_OWNER):
            require_admin(actor, f"changing the role of user {user['email']} ({user['role']})")
        if user["role"] == ADMIN and role != ADMIN and _admin_count(datasite) <= 1:
            raise UsageError(f"{user['email']} is the last admin and cannot be demoted")
        user["role"] = role
        _save_user(datasite, user)
    audit.record(datasite, actor.email, f"set role {role}", user["email"])
    return _identity(user)


def delete_user(datasite: Datasite, actor: Identity, email: str) -> None:
    require_admin(actor, "deleting users")
    with datasite.lock():
        user = get_user(datasite, email)
        if user["role"] == ADMIN and _admin_count(datasite) <= 1:
            raise UsageError(f"{user['email']} is the last admin and cannot be deleted")
        datasite.delete("users", hash_name(user["email"]))
        for name in datasite.names("tokens"):
            token = datasite.read("tokens", name)
            if token and token["email"] == user["email"]:
                datasite.delete("tokens", name)
    audit.record(datasite, actor.email, "delete user", user["email"])


def set_password(datasite: Datasite, actor: Identity, email: str, password: str) -> None:
    """Set EMAIL's password: one's own, or anyone's for an admin."""
    if email.strip().lower() != actor.email:
        require_admin(actor, "resetting another user's password")
    passwords.check_strength(password)
    password_hash = passwords.hash_password(password)
    with datasite.lock():
        user = get_user(datasite, email)
        user["password_hash"] = password_hash
        _save_user(datasite, user)
    audit.record(datasite, actor.email, "set password", user["email"])


def check_password(datasite: Datasite, email: str, password: str) -> Identity:
    """Return the identity for EMAIL if PASSWORD is right, else raise."""
    user = find_user(datasite, email)
    if user is None:
        # Hash anyway, so that timing does not tell which emails exist.
        passwords.verify_password(password, passwords.hash_password("x" * 8))
        audit.record(datasite, email, "login", email, "failed")
        raise AuthenticationError(f"wrong email or password for {email!r}")
    if not passwords.verify_password(password, user["password_hash"]):
        audit.record(datasite, email, "login", email, "failed")
        raise AuthenticationError(f"wrong email or password for {email!r}")
    return _identity(user)


# Tokens


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    datasite: Datasite,
    actor: Identity,
    name: str | None = None,
    expires_in_days: float | None = None,
    kind: str = "api",
) -> tuple[str, dict]:
    """Create a token for ACTOR; return the token text and its record.

    Only a SHA-256 hash of the token is stored: tokens are 256-bit random
    values, so a fast hash is enough.
    """
    if expires_in_days is not None and not 0 < expires_in_days <= 3650:
        raise UsageError("--expires-in must be between 0 and 3650 days")
    if name is None:
        name = f"{kind}-{secrets.token_hex(3)}"
    if not TOKEN_NAME.match(name):
        raise UsageError(
            f"invalid token name {name!r}: use letters, digits, '.', '_' or '-', not starting with '-'"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = time.time()
    record = {
        "name": name,
        "email": actor.email,
        "kind": kind,
        "created_at": now,
        "expires_at": now + expires_in_days * 86_400 if expires_in_days else None,
    }
    with datasite.lock():
        if kind == "api" and any(t["name"] == name for t in _own_tokens(datasite, actor)):
            raise UsageError(f"you already have a token named {name!r}")
        datasite.write("tokens", _token_key(token), record)
    return token, record


def _own_tokens(datasite: Datasite, actor: Identity) -> list[dict]:
    tokens = []
    for key in datasite.names("tokens"):
        record = datasite.read("tokens", key)
        if record and record["email"] == actor.email:
            tokens.append({**record, "key": key})
    return tokens


def list_tokens(datasite: Datasite, actor: Identity) -> list[dict]:
    tokens = [t for t in _own_tokens(datasite, actor) if t["kind"] == "api"]
    return sorted(
        (
            {
                "name": t["name"],
                "created_at": t["created_at"],
                "expires_at": t["expires_at"],
            }
            for t in tokens
        ),
        key=lambda t: t["created_at"],
    )


def revoke_token(datasite: Datasite, actor: Identity, name: str) -> None:
    with datasite.lock():
        for token in _own_tokens(datasite, actor):
            if token["kind"] == "api" and token["name"] == name:
                datasite.delete("tokens", token["key"])
                return
    raise NotFound(f"token {name!r} not found; run 'syftapi token list'")


def identity_for_token(datasite: Datasite, token: str) -> Identity:
    record = datasite.read("tokens", _token_key(token.strip()))
    if record is None:
        raise AuthenticationError("invalid or revoked token; create one with 'syftapi token create'")
    if record["expires_at"] is not None and record["expires_at"] < time.time():
        raise AuthenticationError(f"token {record['name']!r} has expired; create a new one")
    user = find_user(datasite, record["email"])
    if user is None:
        raise AuthenticationError("the token's user no longer exists")
    return _identity(user)


# Sessions


def _session_file(datasite: Datasite, config: Path) -> Path:
    return config / "sessions" / f"{datasite.info['id']}.json"


def login(datasite: Datasite, config: Path, email: str, password: str) -> Identity:
    """Check the password once and keep a session token for later commands."""
    identity = check_password(datasite, validate_email(email), password)
    token, _ = create_token(datasite, identity, kind="session", expires_in_days=SESSION_DAYS)
    logout(datasite, config)
    make_private_dir(config / "sessions")
    session = {"email": identity.email, "token": token, "root": str(datasite.root)}
    write_atomic(_session_file(datasite, config), json.dumps(session).encode())
    return identity


def logout(datasite: Datasite, config: Path) -> bool:
    """Revoke and remove the stored session; return whether there was one."""
    path = _session_file(datasite, config)
    try:
        session = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return False
    with datasite.lock():
        datasite.delete("tokens", _token_key(str(session.get("token", ""))))
    path.unlink(missing_ok=True)
    return True


def authenticate(datasite: Datasite, config: Path) -> Identity:
    """Return the caller: SYFTAPI_TOKEN, then SYFTAPI_USER + SYFTAPI_PASSWORD, then the session."""
    for name in ("SYFTAPI_TOKEN", "SYFTAPI_USER", "SYFTAPI_PASSWORD"):
        try:
            os.environ.get(name, "").encode("utf-8")
        except UnicodeEncodeError:
            raise AuthenticationError(f"{name} is not valid UTF-8") from None
    token = os.environ.get("SYFTAPI_TOKEN")
    if token:
        return identity_for_token(datasite, token)
    user = os.environ.get("SYFTAPI_USER")
    if user:
        password = os.environ.get("SYFTAPI_PASSWORD")
        if not password:
            raise AuthenticationError("SYFTAPI_USER is set but SYFTAPI_PASSWORD is not")
        return check_password(datasite, user, password)
    try:
        session = json.loads(_session_file(datasite, config).read_text())
    except (FileNotFoundError, ValueError):
        raise AuthenticationError(
            "not logged in; run 'syftapi login' or set SYFTAPI_TOKEN"
        ) from None
    try:
        return identity_for_token(datasite, session["token"])
    except (AuthenticationError, KeyError, TypeError):
        raise AuthenticationError(
            "your session has expired or was revoked; run 'syftapi login'"
        ) from None

