"""A unit as a card, a tail line or an HTML card names it, with its incident's key when that says something more.

The systemd rules key by the unit they name, so a text's user-unit failure was headed `(app-x@autostart.service)
[app-x@autostart.service]`, the unit twice (a new user's trial, nu230): a key that is the unit's own name is left
out; another key (an IP, a user) stays."""

from __future__ import annotations


def own_name(unit: str) -> str:
    """The unit's own name, as its lines write it: a user unit's subject is `user@UID.service/UNIT`, its last part
    the name; a text's unit named by PID 1's line is `(UNIT)` (engine/failures.py TextServices)."""
    name = unit.rsplit("/", 1)[-1]
    return name[1:-1] if name.startswith("(") and name.endswith(")") else name


def told_key(unit: str, key: str) -> str:
    """The key to show beside the unit: "" for none, or for the unit's own name."""
    return "" if not key or key == own_name(unit) else key
