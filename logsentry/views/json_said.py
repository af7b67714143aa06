"""A JSON log line as a card shows it: `app: message (error)`, not the whole object. A Nextcloud card's example
was its 400-character object, whose message sat between the request's URL and its user agent (trial 75, D7);
`-o json` keeps the line whole."""

from __future__ import annotations

import orjson

from ..engine.templates.tokens import _JSON_MSG_KEYS

_SOURCE_KEYS = ("app", "logger", "logger_name", "loggerName", "module", "component", "caller", "service", "name")
"""Keys that name the line's source, the first one present shown before its message."""
_ERROR_KEYS = ("error", "err", "exception", "errorMessage")
"""Keys whose text says what went wrong, shown after its message (zap's `"msg":"...","error":"dial tcp ..."`)."""


def json_said(line: str) -> str:
    """`{"app":"files_antivirus","message":"The antivirus executable could not be found",...}` ->
    `files_antivirus: The antivirus executable could not be found`; any other line (or a JSON one without a text
    message: its keys are its event) as it is."""
    text = line.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return line
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return line
    if not isinstance(obj, dict) or not (message := _text(obj, _JSON_MSG_KEYS)):
        return line
    source, error = _text(obj, _SOURCE_KEYS), _text(obj, _ERROR_KEYS)
    return (f"{source}: " if source else "") + message + (f": {error}" if error and error not in message else "")


def _text(obj: dict[str, object], keys: tuple[str, ...]) -> str:
    """The first of `keys` whose value is a string with something in it, else ""."""
    return next((value for key in keys if isinstance(value := obj.get(key), str) and value.strip()), "")
