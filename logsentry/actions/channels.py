"""Alert channels, one class per kind in a registry dict: apprise URLs (PagerDuty, Opsgenie, Slack, ntfy,
email, Matrix, JSON webhooks, ...), a command (alert JSON on stdin, no shell) and Alertmanager's v2 API.

`send` returns only when the channel confirmed delivery; anything else raises DeliveryError with a
message that never contains the channel's URL or arguments.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from ..config import Channel
from ..timespec import iso_utc
from . import bounded
from .alert import body, title


class DeliveryError(RuntimeError):
    pass


class Sender(Protocol):
    def __call__(self, channel: Channel, payload: Mapping[str, Any]) -> None: ...


def apprise_accepts(url: str) -> bool:
    """Does apprise take the URL (a scheme it knows, the parts that scheme needs)? Nothing is sent."""
    with warnings.catch_warnings():  # its plugins import modules Python deprecates (imghdr): not ours to say
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise

        logging.getLogger("apprise").setLevel(logging.CRITICAL)  # its messages may quote URLs
        return bool(apprise.Apprise().add(url))


def channel_problems(channels: Iterable[Channel]) -> list[str]:
    """What `config check` can tell about the channels without sending: apprise URLs apprise refuses
    (a mistyped scheme would otherwise fail at every alert). Never shows a URL but redacted."""
    return [f"channel {channel.name!r}: apprise does not accept this URL ({channel.redacted()}): check its "
            "scheme and parts against https://github.com/caronc/apprise/wiki"
            for channel in channels if channel.kind == "apprise" and not apprise_accepts(channel.target[0])]


def send_apprise(channel: Channel, payload: Mapping[str, Any]) -> None:
    import apprise

    logging.getLogger("apprise").setLevel(logging.CRITICAL)  # its messages may quote URLs
    notifier = apprise.Apprise()
    if not notifier.add(channel.target[0]):
        raise DeliveryError(f"{channel.name}: apprise does not accept this URL ({channel.redacted()})")
    notify_type = apprise.NotifyType.SUCCESS if payload["event"] == "resolved" else apprise.NotifyType.FAILURE
    if not notifier.notify(title=title(payload), body=body(payload), notify_type=notify_type,
                           body_format=apprise.NotifyFormat.TEXT):
        raise DeliveryError(f"{channel.name}: delivery failed ({channel.redacted()})")


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
    if done.returncode != 0:
        if what == "command":
            raise DeliveryError(f"{channel.name}: command exited with {done.returncode}")
        lines = done.stderr.decode(errors="replace").strip().splitlines()
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
    two logsentry instances is one alert to Alertmanager, which dedups it), annotations are overwritten by
    the latest sending, startsAt is the incident's first hit, endsAt is set only when it is resolved (active
    alerts are re-sent every alerts.resend), generatorURL links back to where it came from."""
    labels = {"alertname": f"logsentry_{payload['rule']}", "host": payload["host"], "unit": payload["unit"],
              "rule": payload["rule"], "severity": payload["severity"]}
    if payload["key"]:
        labels["key"] = payload["key"]
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
    if payload["event"] == "resolved" and payload["last_usec"]:
        alert["endsAt"] = iso_utc(max(payload["last_usec"], payload["first_usec"]))
    return alert


def generator_url(payload: Mapping[str, Any]) -> str:
    """Where the alert comes from: the logsentry that saw it, the unit and time of its lines (the same
    incident from two instances differs only here and in annotations, never in labels)."""
    query = urllib.parse.urlencode({"unit": payload["unit"], "rule": payload["rule"],
                                    "since": payload["first_usec"] // 1_000_000})
    return f"logsentry://{urllib.parse.quote(str(payload.get('observer') or payload['host']))}/journal?{query}"


def send_alertmanager(channel: Channel, payload: Mapping[str, Any]) -> None:
    """POST /api/v2/alerts (a re-send of an active alert is the same alert again, with fresh annotations)."""
    url = channel.target[0].rstrip("/") + "/api/v2/alerts"
    request = urllib.request.Request(url, data=json.dumps([alertmanager_alert(payload)]).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=channel.timeout_s) as response:
            status = response.status
    except OSError as error:
        reason = getattr(error, "code", None) or type(error).__name__
        raise DeliveryError(f"{channel.name}: Alertmanager did not accept the alert ({reason})") from None
    if status >= 300:
        raise DeliveryError(f"{channel.name}: Alertmanager answered {status}")


SENDERS: dict[str, Sender] = {"apprise": send_apprise, "command": send_command, "alertmanager": send_alertmanager}


def deliver(channel: Channel, payload: Mapping[str, Any]) -> None:
    """Deliver within the channel's timeout in total, or raise DeliveryError."""
    if channel.kind == "command":
        send_command(channel, payload)
    else:
        send_isolated(channel, payload)
