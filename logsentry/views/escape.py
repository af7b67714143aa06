"""Log text as text: what a watched program (or its clients) wrote must never drive the terminal.

Messages, captures, unit names and rule ids go through `visible` before they are printed or logged: C0
controls (tab excepted), DEL, C1 controls and the bidi/format characters that reorder or hide text
become backslash escapes such as `\\x1b` or `\\u202e`. Renderers put the result in rich `Text` (never
markup), so `[link=...]` or `[/]` in a unit name prints as written. JSON output does not need this: JSON
escapes control characters itself.
"""

from __future__ import annotations

import logging
import re

# C0 but tab, DEL and C1, ALM, LRM/RLM, the bidi embeddings/overrides and isolates, line/paragraph separator.
_HIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
NEWLINE_MARK = " ⏎ "


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    """`text` with every control and bidi/format character shown as an escape; all else unchanged."""
    return _HIDDEN.sub(_escape, text)


def one_line(text: str) -> str:
    """A (possibly multi-line) message on one line: line breaks become ⏎, the rest as `visible`."""
    return visible(text.replace("\r\n", "\n").replace("\n", NEWLINE_MARK))


class EscapingFormatter(logging.Formatter):
    """logsentry's own log lines: a unit name or message carrying a newline cannot forge a second line."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return visible(super().formatMessage(record))
