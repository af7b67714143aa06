"""sd_notify for the service: READY, STATUS with live figures, WATCHDOG pings, STOPPING (sd_notify(3)).

Kept apart from the read loop (service.py): how a message is sent, and how often an unchanged STATUS needs
sending, are systemd's protocol, not the service's logic.
"""

from __future__ import annotations

from collections.abc import Mapping

# An unchanged STATUS (an idle service) is sent again only this often, or a third of systemd's watchdog
# period (WATCHDOG_USEC, set with WatchdogSec=) when that is shorter: each message costs a socket.
IDLE_NOTIFY_S = 10.0


def sd_notify(message: str) -> None:
    """Tell systemd (when it runs us with NOTIFY_SOCKET) how we are."""
    try:
        from systemd import daemon

        daemon.notify(message)
    except (ImportError, OSError):
        pass


def notify_every(environ: Mapping[str, str]) -> float:
    """Seconds between STATUS messages that say nothing new: IDLE_NOTIFY_S, or a third of the watchdog
    period systemd gives in WATCHDOG_USEC (µs) when that is shorter (three pings a period)."""
    try:
        period_s = int(environ.get("WATCHDOG_USEC", "")) / 1e6
    except ValueError:
        return IDLE_NOTIFY_S
    return min(IDLE_NOTIFY_S, period_s / 3) if period_s > 0 else IDLE_NOTIFY_S
