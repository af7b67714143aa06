"""Alert channels, one class per kind in a registry dict: apprise URLs (PagerDuty, Opsgenie, Slack, ntfy,
email, Matrix, JSON webhooks, ...), a command (alert JSON on stdin, no shell) and Alertmanager's v2 API.

`send` returns only when the channel confirmed delivery; anything else raises DeliveryError with a
message that says why (apprise's own warnings, the HTTP status, the exception) and never contains the
channel's URL or arguments (scrubbed here, in the delivery's child process, and again by the outbox).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Mapping
from typing import Any, Literal, Protocol

from ..channel import Channel
from ..redaction import Secrets
from ..timespec import iso_utc
from . import bounded
from .alert import body, is_test_alert, title


class DeliveryError(RuntimeError):
    pass


MAX_REASON = 300
"""Characters of a failure's reason (a receiver's error page or a library's exception can be long)."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


_ERRNO = re.compile(r"\[Errno (-?\d+)\] ([^\]\)\"'(]{3,80})")
"""An OS error's number and words inside a library's text (urllib3's "NewConnectionError(... [Errno 111] Connection
refused")."""


def _cut(text: str) -> str:
    """The reason within MAX_REASON characters."""
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def reason_text(channel: Channel, text: str) -> str:
    """A failure's reason for the log and `config check`: on one line, bounded, nothing of the channel's
    secrets (its URL or arguments, in any form a library quotes them); an OS error's words first ("connection
    refused: ..."), which urllib3's 400 characters of pool and retry words had cut off at the bound."""
    text = Secrets.of(channel.secrets()).scrub(_CONTROL.sub(" ", text)).strip()
    if (errno := _ERRNO.search(text)) is not None:
        text = f"{errno.group(2).strip().rstrip('.').lower()}: {text}"
    return _cut(text)


_RECEIVER_WORDS = {
    "connection refused": "connection refused by the receiver",
    "connection reset by peer": "connection reset by the receiver",
    "connection timed out": "connecting to the receiver timed out",
    "no route to host": "no route to the receiver's host",
    "network is unreachable": "the receiver's network is unreachable",
    "name or service not known": "the receiver's host name does not resolve",
    "temporary failure in name resolution": "the receiver's host name could not be resolved now",
}
"""An OS error's words (Linux's strerror, lower-cased) as what happened to the receiver."""


def network_reason(channel: Channel, text: str) -> str | None:
    """An apprise channel's failure to reach its receiver said in full and short, from the OS error inside its
    plugin's words ("connection refused by the receiver (POST to the channel's URL failed: [Errno 111] Connection
    refused)"); None when they hold none. urllib3's words (its pool, retries, a starred host, port and path) made
    the reason run past its bound and end cut, and said nothing more."""
    found = _ERRNO.search(Secrets.of(channel.secrets()).scrub(_CONTROL.sub(" ", text)))
    if found is None:
        return None
    words = found.group(2).strip().rstrip(".")
    parts = urllib.parse.urlsplit(channel.target[0])
    method = "POST"  # (apprise's plugins POST, its generic webhooks unless their ?method= says otherwise)
    if parts.scheme.lower() in WEBHOOK_SCHEMES:
        said = dict(urllib.parse.parse_qsl(parts.query)).get("method", "")
        method = said.upper() if said.isalpha() and len(said) <= 7 else method
    reason = (f"{_RECEIVER_WORDS.get(words.lower(), words.lower())} ({method} to the channel's URL failed: "
              f"[Errno {found.group(1)}] {words})")
    return _cut(Secrets.of(channel.secrets()).scrub(reason))  # (the words came scrubbed; the method is the URL's)


class _Said(logging.Handler):
    """What apprise said while it tried: its warnings and errors ("Failed to send JSON POST notification:
    Internal Server Error, error=500.") and the exceptions its plugins log at debug level ("Socket
    Exception: ..."); the payload it logs at debug level is left out."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.said: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):  # a plugin's malformed format string
            return
        if (record.levelno >= logging.WARNING or "Exception:" in text) and text not in self.said:
            self.said.append(text)


class Sender(Protocol):
    def __call__(self, channel: Channel, payload: Mapping[str, Any]) -> None: ...


def _apprise() -> Any:
    """The apprise module, imported quietly (its plugins import modules Python deprecates, imghdr: not ours to
    say), its logger silenced (its messages may quote URLs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise
    logging.getLogger("apprise").setLevel(logging.CRITICAL)
    return apprise


def apprise_accepts(url: str) -> bool:
    """Does apprise take the URL (a scheme it knows, the parts that scheme needs)? Nothing is sent."""
    return bool(_apprise().Apprise().add(url))


def channel_problem(channel: Channel) -> str | None:
    """What `config check` can tell about a channel without sending (None: nothing): an apprise URL apprise
    refuses (a mistyped scheme would otherwise fail at every alert), an Alertmanager URL urllib cannot send to.
    Never shows a URL but redacted."""
    if channel.kind == "apprise" and not apprise_accepts(channel.target[0]):
        web = urllib.parse.urlsplit(channel.target[0]).scheme.lower() in ("http", "https")
        return (f"apprise does not accept this URL ({channel.redacted()}): check its scheme and parts against "
                "https://github.com/caronc/apprise/wiki" + (
                    "; a webhook that takes a JSON POST is json://host/path for http, jsons://host/path for https "
                    "(apprise's scheme for a plain http(s) URL)" if web else ""))
    if channel.kind == "alertmanager" and (why := http_url_problem(channel.target[0])):
        return f"{why} ({channel.redacted()})"
    return None


WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
"""apprise's generic webhooks (custom_json, custom_form, custom_xml): what a receiver's https://... URL becomes."""
WEBHOOK_ARGS = frozenset({"cto", "emojis", "format", "method", "optional", "overflow", "redirect", "retry", "rto",
                          "store", "tz", "verify", "wait", "attach-as"})
"""Their own query parameters (template_args, apprise 1.9), which apprise reads and does not send."""


def dropped_query_warning(channel: Channel) -> str | None:
    """A generic webhook URL's query parameters apprise will not send (`?token=...`: only `-name=` goes out as a
    URL parameter, `+Name=` as an HTTP header, `:name=` into the body); named, their values never shown. A
    receiver that needs its token then answers every alert 401 (a new operator's trial: `config check` passed)."""
    if channel.kind != "apprise":
        return None
    parts = urllib.parse.urlsplit(channel.target[0])
    if parts.scheme.lower() not in WEBHOOK_SCHEMES:
        return None
    dropped = sorted({name for name, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
                      if name[:1] not in "+-:" and name.lower() not in WEBHOOK_ARGS})
    if not dropped:
        return None
    names = ", ".join(repr(name) for name in dropped[:5])
    return (f"apprise does not send the query parameter{'s' if len(dropped) > 1 else ''} {names} of this "
            f"{parts.scheme}:// URL: write -{dropped[0]}=... to send it as one, +{dropped[0]}=... as an HTTP header")


def http_url_problem(url: str) -> str | None:
    """Why an Alertmanager or heartbeat URL cannot be sent to (every alert, silence or ping would fail), in
    words that quote none of it; None when it can: http(s)://[user:password@]host[:port][/path]."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is no number from 0 to 65535)
    except ValueError:
        return "its host or port cannot be read: expected http(s)://[user:password@]host[:port][/path]"
    if parts.scheme not in ("http", "https"):
        return "expected an http:// or https:// URL"
    if not parts.hostname or any(char.isspace() or ord(char) < 32 for char in url):
        return "expected http(s)://[user:password@]host[:port][/path], with no space in it"
    return None


def apprise_notify_type(payload: Mapping[str, Any]) -> str:
    """apprise's notify type for the alert (its receivers' colour, icon, a JSON webhook's "type"): "success" for a
    resolve, "info" for `config check --send-test`'s alert (a test is no failure: it came as one, red, to a new
    operator's chat), "failure" for the rest."""
    if payload["event"] == "resolved":
        return "success"
    return "info" if is_test_alert(payload) else "failure"


def send_apprise(channel: Channel, payload: Mapping[str, Any]) -> None:
    apprise = _apprise()
    notifier = apprise.Apprise()
    if not notifier.add(channel.target[0]):
        raise DeliveryError(f"{channel.name}: apprise does not accept this URL ({channel.redacted()})")
    notify_type = apprise_notify_type(payload)  # (a string: apprise 1.x and 2.x take one)
    said, logger = _Said(), logging.getLogger("apprise")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(said)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # to our handler only: Python's last-resort handler would print it unscrubbed
    try:
        delivered = notifier.notify(title=title(payload), body=body(payload), notify_type=notify_type,
                                    body_format=apprise.NotifyFormat.TEXT)
    finally:
        logger.removeHandler(said)
        logger.setLevel(level)
        logger.propagate = propagate
    if not delivered:
        words = "; ".join(said.said)
        why = network_reason(channel, words) or reason_text(channel, words) or "apprise gave no reason"
        raise DeliveryError(f"{channel.name}: delivery failed ({channel.redacted()}): {why}")


def send_command(channel: Channel, payload: Mapping[str, Any]) -> None:
    """The alert as JSON on stdin; delivered when the command exits 0 within its timeout (in total). Its
    output is read up to a cap; on the deadline its whole process group is killed; a background child it
    leaves behind does not make a delivered alert a timeout."""
    _bounded(channel, list(channel.target), json.dumps(payload).encode(), "command")


def _bounded(channel: Channel, argv: list[str], data: bytes, what: str) -> None:
    try:
        done = bounded.run(argv, channel.timeout_s, data)
    except bounded.Timeout:
        raise DeliveryError(f"{channel.name}: {what} timed out after {channel.timeout_s:g}s in total") from None
    except OSError as error:
        raise DeliveryError(f"{channel.name}: cannot run {what}: {error.strerror or error}") from None
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    if done.returncode != 0:
        if what == "command":
            said = f": {reason_text(channel, lines[-1])}" if lines else " (nothing on stderr)"
            raise DeliveryError(f"{channel.name}: command exited with {done.returncode}{said}")
        raise DeliveryError(lines[-1][:500] if lines else f"{channel.name}: delivery failed ({channel.redacted()})")


def send_isolated(channel: Channel, payload: Mapping[str, Any]) -> None:
    """Network channels run in a child process (`python -m logsentry.actions.deliver`, the channel on
    stdin, never in argv) killed at the channel's timeout: library timeouts are per socket operation, so
    a receiver that trickles a byte every few seconds would otherwise hold a delivery forever."""
    request = {"channel": {"name": channel.name, "kind": channel.kind, "target": list(channel.target),
                           "retries": channel.retries, "timeout_s": channel.timeout_s}, "payload": dict(payload)}
    _bounded(channel, [sys.executable, "-m", "logsentry.actions.deliver"], json.dumps(request).encode(),
             f"{channel.kind} delivery")


def alertmanager_alert(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An alert as Alertmanager's clients are told to send it: labels identify it (the same incident seen by
    two logsentry instances is one alert to Alertmanager, which dedups it; `incident` keeps two open incidents
    of one rule on one unit two alerts, so that one's resolve ends only its own), annotations are overwritten by
    the latest sending, startsAt is the incident's first hit, endsAt is set only when it is resolved (its last
    hit, or for a held alert when it was let go: `ends_usec`; active alerts are re-sent every alerts.resend),
    generatorURL links back to where it came from."""
    labels = {"alertname": f"logsentry_{payload['rule']}", "host": payload["host"], "unit": payload["unit"],
              "rule": payload["rule"], "severity": payload["severity"]}
    if payload["key"]:
        labels["key"] = payload["key"]
    if payload.get("incident"):  # (none in an alert about logsentry itself, or queued by an older version)
        labels["incident"] = payload["incident"]
    annotations = {"summary": title({**payload, "event": "firing"}), "description": body(payload)}
    for name in ("message", "journalctl", "why", "template", "machine_id", "observer"):
        if payload.get(name):
            annotations[name] = str(payload[name])
    if payload.get("context"):
        annotations["evidence"] = "\n".join(payload["context"])
    alert: dict[str, Any] = {"labels": labels, "annotations": annotations,
                             "generatorURL": generator_url(payload)}
    if payload["first_usec"]:
        alert["startsAt"] = iso_utc(payload["first_usec"])
    if payload["event"] == "resolved" and payload["last_usec"]:  # a held alert's end is when it was let go
        alert["endsAt"] = iso_utc(max(payload.get("ends_usec") or payload["last_usec"], payload["first_usec"]))
    return alert


def generator_url(payload: Mapping[str, Any]) -> str:
    """Where the alert comes from: the logsentry that saw it, the unit and time of its lines (the same
    incident from two instances differs only here and in annotations, never in labels)."""
    query = urllib.parse.urlencode({"unit": payload["unit"], "rule": payload["rule"],
                                    "since": payload["first_usec"] // 1_000_000})
    return f"logsentry://{urllib.parse.quote(str(payload.get('observer') or payload['host']))}/journal?{query}"


def basic_auth(url: str) -> tuple[str, dict[str, str]]:
    """`http://user:password@host/...` as urllib can send it: the URL without its user part, and HTTP Basic
    authentication (urllib took "user:password@host" for a host name and failed to resolve it): for alerts and
    silences alike."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, {}
    user, password = urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or "")
    host = parts.netloc.rsplit("@", 1)[1]
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return urllib.parse.urlunsplit(parts._replace(netloc=host)), {"Authorization": f"Basic {token}"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx answer is an error (urllib's HTTPError), never followed: urllib would send our Authorization
    header to wherever the Location points (another origin included), and turn a POST into a body-less GET
    whose 200 looked like a delivery."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def open_url(request: urllib.request.Request, timeout: float) -> Any:
    """`urllib.request.urlopen` that follows no redirect (see _NoRedirect): for every request we make with
    a secret or a body (Alertmanager alerts and silences)."""
    return _OPENER.open(request, timeout=timeout)


class RequestFailed(Exception):
    """A request to an Alertmanager failed. `kind`: "http" (it answered with an error status, a redirect
    included), "network" (no answer: refused, no route, DNS, a timeout) or "url" (its URL cannot be used);
    `words` say why, scrubbed of the channel's secrets. Each caller says what failed in its own words."""

    def __init__(self, kind: Literal["http", "network", "url"], words: str) -> None:
        super().__init__(words)
        self.kind, self.words = kind, words


def call_alertmanager(channel: Channel, method: str, path: str, body: Any = None,
                      answer: bool = True) -> tuple[int, bytes]:
    """One request to the channel's Alertmanager, for alerts and silences alike: `path` after its URL, `body`
    sent as JSON, a `user:password@` in its URL as HTTP Basic authentication (basic_auth), no redirect followed
    (open_url). Returns the status and, with `answer`, the first 64 KiB of the answer. Raises RequestFailed."""
    data = None if body is None else json.dumps(body).encode()
    try:
        url, auth = basic_auth(channel.target[0].rstrip("/") + path)
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json", **auth})
        with open_url(request, timeout=channel.timeout_s) as response:
            return response.status, response.read(65536) if answer else b""
    except urllib.error.HTTPError as error:
        moved = " (a redirect, not followed: give the URL it points to)" if 300 <= error.code < 400 else ""
        raise RequestFailed("http", f"HTTP {error.code} {reason_text(channel, str(error.reason))}{moved}") from None
    except OSError as error:  # URLError (refused, no route, DNS), a timeout
        why = getattr(error, "reason", None) or error
        text = getattr(why, "strerror", None) or str(why)
        raise RequestFailed("network", f"{type(why).__name__}: {reason_text(channel, text)}") from None
    except (ValueError, http.client.HTTPException) as error:  # InvalidURL: a port that is no number, ...
        raise RequestFailed("url", f"{type(error).__name__}: {reason_text(channel, str(error))}") from None


def unusable_url(channel: Channel, error: RequestFailed) -> str:
    return f"{channel.name}: the Alertmanager URL cannot be used ({error.words})"


def send_alertmanager(channel: Channel, payload: Mapping[str, Any]) -> None:
    """POST /api/v2/alerts (a re-send of an active alert is the same alert again, with fresh annotations)."""
    try:
        status, _ = call_alertmanager(channel, "POST", "/api/v2/alerts", [alertmanager_alert(payload)],
                                      answer=False)
    except RequestFailed as error:
        if error.kind == "url":
            raise DeliveryError(unusable_url(channel, error)) from None
        said = f": {error.words}" if error.kind == "http" else f" ({error.words})"
        raise DeliveryError(f"{channel.name}: Alertmanager did not accept the alert{said}") from None
    if status >= 300:
        raise DeliveryError(f"{channel.name}: Alertmanager answered HTTP {status}")


SENDERS: dict[str, Sender] = {"apprise": send_apprise, "command": send_command, "alertmanager": send_alertmanager}


def deliver(channel: Channel, payload: Mapping[str, Any]) -> None:
    """Deliver within the channel's timeout in total, or raise DeliveryError."""
    if channel.kind == "command":
        send_command(channel, payload)
    else:
        send_isolated(channel, payload)
