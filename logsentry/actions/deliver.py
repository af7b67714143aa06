"""One delivery in a child process (see channels.send_isolated): the channel and the alert as JSON on
stdin; exit 0 when delivered, else 1 with the (secret-free) reason as the last line of stderr."""

from __future__ import annotations

import json
import sys

from ..config import Channel
from .channels import SENDERS, DeliveryError


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    spec = request["channel"]
    channel = Channel(spec["name"], spec["kind"], tuple(spec["target"]), spec["retries"], spec["timeout_s"])
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
