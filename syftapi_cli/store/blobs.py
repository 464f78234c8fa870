"""Signed blobs: pickled functions, state and results, checked before unpickling.

A blob is one JSON header line followed by the payload. The header names the
Python and cloudpickle versions that wrote the payload and carries an
HMAC-SHA256 over the header fields and the payload, keyed by the datasite key.
"""

import hashlib
import hmac
import json
import sys

from syftapi_cli.errors import DamagedState

BLOB_SCHEMA = 1


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _mac(key: bytes, header: dict, payload: bytes) -> str:
    canonical = json.dumps(header, sort_keys=True).encode()
    return hmac.new(key, canonical + b"\n" + payload, hashlib.sha256).hexdigest()


def sign(key: bytes, payload: bytes, kind: str, pickler_version: str) -> bytes:
    """Return the signed blob for PAYLOAD."""
    return signed_header(key, payload, kind, pickler_version) + payload


def signed_header(key: bytes, payload: bytes, kind: str, pickler_version: str) -> bytes:
    """Return the header line that, followed by PAYLOAD, makes a signed blob."""
    header = {
        "schema": BLOB_SCHEMA,
        "kind": kind,
        "python": python_version(),
        "cloudpickle": pickler_version,
    }
    header["signature"] = _mac(key, header, payload)
    return json.dumps(header, sort_keys=True).encode() + b"\n"


class BlobVersionMismatch(DamagedState):
    """A blob was written by another Python minor version."""

    def __init__(self, written_by: str):
        self.written_by = written_by
        super().__init__(
            f"it was written by Python {written_by} and this is Python "
            f"{python_version()}"
        )


def verify(key: bytes, blob: bytes, where: str) -> tuple[dict, bytes]:
    """Return the header and payload of BLOB once its signature checks out.

    WHERE names the blob in error messages. Nothing is unpickled here; callers
    unpickle the payload only after this returns.
    """
    header_line, newline, payload = blob.partition(b"\n")
    try:
        header = json.loads(header_line)
        signature = header.pop("signature")
    except (ValueError, KeyError, AttributeError, TypeError):
        raise DamagedState(f"{where} is corrupt: its header cannot be read") from None
    if not isinstance(header, dict) or not newline:
        raise DamagedState(f"{where} is corrupt: its header cannot be read")
    if not hmac.compare_digest(str(signature), _mac(key, header, payload)):
        raise DamagedState(
            f"{where} has a bad signature: it is corrupt or was copied from "
            "another datasite; it was not loaded"
        )
    if header.get("schema") != BLOB_SCHEMA:
        raise DamagedState(f"{where} has unknown blob schema {header.get('schema')!r}")
    if header.get("python") != python_version():
        raise BlobVersionMismatch(str(header.get("python")))
    return header, payload
