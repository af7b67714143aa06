"""PID 1's warnings about a unit's file, told by systemd's own fields: not a run of the unit.

A `systemctl daemon-reload` parses every unit file again, and systemd's config parser (src/shared/conf-parser.c,
src/core/load-fragment.c: log_syntax(), which src/basic/log.c's log_syntax_internal() writes) warns about lines it
mends, "X.service:7: Standard output type syslog is obsolete ...", "Ignoring unknown escape sequences ...": with
MESSAGE_ID SD_MESSAGE_INVALID_CONFIGURATION, CONFIG_FILE= and CONFIG_LINE=, UNIT= the unit, and no INVOCATION_ID
(no run is started). A held alert (service_held.py) took such a line for the unit logging again and resolved while
the unit stayed failed (trial 73, D3); a new start of the unit is PID 1's line with a new INVOCATION_ID, never this.
"""

from __future__ import annotations

from collections.abc import Mapping

INVALID_CONFIGURATION = "c772d24e9a884cbeb9ea12625c306c01"
"""SD_MESSAGE_INVALID_CONFIGURATION (systemd's src/systemd/sd-messages.h): log_syntax() stamps it on every warning
about a line of a configuration file, the unit files' included."""


def unit_file_note(fields: Mapping[str, str]) -> bool:
    """Is the entry PID 1's warning about a line of the unit's file (a load or reload of it), of no run of it? Only
    trusted fields decide: `_PID` (journald's), MESSAGE_ID (systemd's), no INVOCATION_ID. (CONFIG_FILE is not
    among the fields the reader reads, sources/selection.DEFAULT_FIELDS: the MESSAGE_ID is log_syntax()'s alone.)"""
    return (fields.get("_PID") == "1" and fields.get("MESSAGE_ID") == INVALID_CONFIGURATION
            and not fields.get("INVOCATION_ID") and not fields.get("USER_INVOCATION_ID"))
