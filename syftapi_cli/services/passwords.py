"""Password hashing with scrypt at OWASP's recommended parameters.

OWASP's Password Storage Cheat Sheet (2024 revision) sets scrypt's minimum at
N=2^17, r=8, p=1. Each stored hash records its own parameters, so verifying
always uses the cost that the hash was made with.

SYFTAPI_INSECURE_FAST_HASH=1 lowers N to 2^10 for new hashes. It exists for
the test suite alone and must never be set for a real datasite.
"""

import base64
import hashlib
import hmac
import os
import secrets

from syftapi_cli.errors import UsageError

PRODUCTION_COST = (2**17, 8, 1)
TEST_COST = (2**10, 8, 1)
MIN_PASSWORD_LENGTH = 8
# Long enough for any passphrase or generated secret.
MAX_PASSWORD_LENGTH = 1024


def _cost() -> tuple[int, int, int]:
    if os.environ.get("SYFTAPI_INSECURE_FAST_HASH") == "1":
        return TEST_COST
    return PRODUCTION_COST


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=32
    )


def check_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(
            f"password too short: use at least {MIN_PASSWORD_LENGTH} characters"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UsageError(
            f"password too long: use at most {MAX_PASSWORD_LENGTH} characters"
        )


def hash_password(password: str) -> str:
    """Return a self-describing scrypt hash of PASSWORD."""
    n, r, p = _cost()
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, r, p)
    encode = base64.b64encode
    return f"scrypt${n}${r}${p}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Return whether PASSWORD matches STORED, comparing in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
