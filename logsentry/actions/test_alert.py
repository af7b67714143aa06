"""A test alert through each configured channel (`logsentry config check --send-test`): whether the receiver, its
token and the firewall between work, before an incident needs them. `config check` alone sends nothing."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import SiteConfig
from ..timespec import wall_usec
from .alert import TEST_ALERT, service_payload
from .channels import DeliveryError, deliver

EVENT = TEST_ALERT
"""The alert's rule and event name (alert.SERVICE_WORDS says it in words); apprise channels get it as an info
notification, not a failure (channels.apprise_notify_type)."""


def send_test_alerts(config: SiteConfig) -> Iterator[tuple[str, str | None]]:
    """Per channel, in config order: (its `where` and redacted target, None when delivered or why not, secrets
    scrubbed). Each is tried once, with its timeout, one at a time: a test waits on no backoff, and says so when
    it failed where an alert would have been tried again (`retries`). Silences (`logsentry silence`) do not apply:
    it is no incident. The body's first line is the title's headline already (SERVICE_WORDS): the reason adds
    what it is for, not the headline again (a new operator read it three times)."""
    secrets = config.secrets()
    for channel in config.alerts.channels:
        now = wall_usec()
        payload = {**service_payload(EVENT, config.hostname, "if you read this, the channel works", severity="info"),
                   "event": "firing", "first_usec": now, "fired_usec": now, "last_usec": now}
        where = f"{channel.where or channel.name}: {channel.redacted()}"
        once = "" if channel.retries <= 1 else (f"one try, not retried for the test (an alert gets this channel's "
                                                f"{channel.retries} tries): ")
        try:
            deliver(channel, payload)
        except DeliveryError as error:
            yield where, once + secrets.scrub(str(error))
        except Exception as error:  # a broken channel plugin: said, not a traceback
            yield where, once + secrets.scrub(f"{type(error).__name__}: {error}")
        else:
            yield where, None
