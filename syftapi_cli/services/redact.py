"""Redaction of settings values from logs and error messages."""

import base64
import json

MIN_SECRET_LENGTH = 4
REDACTED = "***"


def secret_values(*settings: dict | None) -> list[str]:
    """Return every string of at least 4 characters in SETTINGS, at any depth."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            if len(value) >= MIN_SECRET_LENGTH:
                found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    for mapping in settings:
        walk(mapping or {})
    return sorted(found, key=len, reverse=True)


def _forms(secret: str) -> list[str]:
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        base64.b64encode(secret.encode()).decode(),
    }
    return sorted(forms, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    """Replace each secret in TEXT, in its plain, JSON-escaped, repr() and base64 forms."""
    for secret in secrets:
        for form in _forms(secret):
            text = text.replace(form, REDACTED)
    return text
