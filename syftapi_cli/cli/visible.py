"""Escaping of control characters, so that text from users cannot drive the terminal.

Submitted code, endpoint output and error messages reach a reviewer's
terminal. An escape sequence there could erase or rewrite lines, so that a
reviewer approves code they did not see, and Unicode direction overrides
can reorder what a code view shows. Such characters are shown as `\\x1b` or
`\\u202e` instead.
"""

import re

# C0 and C1 controls except tab and newline, plus the Unicode direction marks,
# embeddings, overrides and isolates.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    # From DEL on, the \u form is used, because it is also a valid JSON
    # escape; JSON output already escapes the characters below DEL.
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x7F else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Return TEXT with every control and direction character written as an escape."""
    text = text.replace("\r\n", "\n")
    return _HIDDEN.sub(_escape, text)
