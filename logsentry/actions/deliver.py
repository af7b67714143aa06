"""One delivery in a child process (see channels.send_isolated): the channel and the alert as JSON on
stdin; exit 0 when delivered, else 1 with the (secret-free) reason as the last line of stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from ..channel import Channel
from .channels import SENDERS, DeliveryError


def follow_no_redirects() -> None:
    """apprise's plugins POST through requests, which follows redirects: a 302 or 307 became a body-less GET
    elsewhere whose 200 counted as delivered. In this process (one delivery) requests follows none, so the
    3xx is the plugin's failure ("error=302")."""
    import requests

    send = requests.Session.send

    def send_once(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return send(self, request, **kwargs)

    requests.Session.send = send_once  # type: ignore[method-assign]


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    spec = request["channel"]
    channel = Channel(spec["name"], spec["kind"], tuple(spec["target"]), spec["retries"], spec["timeout_s"])
    if channel.kind == "apprise":
        follow_no_redirects()
    try:
        SENDERS[channel.kind](channel, request["payload"])
    except DeliveryError as error:
        print(error, file=sys.stderr)
        return 1
    except Exception as error:  # a broken plugin: its type and text (the parent scrubs secrets)
        print(f"{channel.name}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
