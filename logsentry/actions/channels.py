"""Alert channels, one class per kind in a registry dict: apprise URLs (PagerDuty, Opsgenie, Slack, ntfy,
email, Matrix, JSON webhooks, ...), a command (alert JSON on stdin, no shell) and Alertmanager's v2 API.

`send` returns only when the channel confirmed delivery; anything else raises DeliveryError with a
message that never contains the channel's URL or arguments.
"""

from __future__ import annotations

import json
import logging
import subprocess
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from ..config import Channel
from .alert import body, title


class DeliveryError(RuntimeError):
    pass


class Sender(Protocol):
    def __call__(self, channel: Channel, payload: Mapping[str, Any]) -> None: ...


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
    try:
        done = subprocess.run(list(channel.target), input=json.dumps(payload), text=True, capture_output=True,
                              timeout=channel.timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise DeliveryError(f"{channel.name}: command timed out after {channel.timeout_s:g}s") from None
    except OSError as error:
        raise DeliveryError(f"{channel.name}: cannot run command: {error.strerror or error}") from None
    if done.returncode != 0:
        raise DeliveryError(f"{channel.name}: command exited with {done.returncode}")


def _iso(usec: int) -> str:
    return datetime.fromtimestamp(usec / 1_000_000, UTC).isoformat().replace("+00:00", "Z")


def alertmanager_alert(payload: Mapping[str, Any]) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "labels": {"alertname": f"logsentry_{payload['rule']}", "unit": payload["unit"], "rule": payload["rule"],
                   "severity": payload["severity"], "host": payload["host"]},
        "annotations": {"summary": title(payload), "description": body(payload)},
    }
    if payload["first_usec"]:
        alert["startsAt"] = _iso(payload["first_usec"])
    if payload["event"] == "resolved" and payload["last_usec"]:
        alert["endsAt"] = _iso(payload["last_usec"])
    if payload["key"]:
        alert["labels"]["key"] = payload["key"]
    return alert


def send_alertmanager(channel: Channel, payload: Mapping[str, Any]) -> None:
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
    SENDERS[channel.kind](channel, payload)
