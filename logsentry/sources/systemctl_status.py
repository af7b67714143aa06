"""`systemctl status UNIT` pasted: its header names the unit every log line under it is about.

systemctl (src/systemctl/systemctl-show.c, print_status_info) prints a glyph for the unit's state (`●`; U+00D7,
the multiplication sign, for failed; `○` inactive; `↻` reloading; `*` or `x` outside a UTF-8 locale), the unit's
name and ` - ` its description, then indented properties (`Loaded:`, `Active:`, `Main PID:`, the CGroup tree)
and, after a blank line, the unit's last journal lines in journalctl's `short` layout (systemd 252: those of its
latest invocation, the unit's own and systemd's about it). So those lines group under `(UNIT)` (a text's unit,
never a trusted one: sources/text.py), where they would otherwise split into `(sh)` or `(myapp)` for the
program's `myapp[812]:` lines and `(myapp.service)` for PID 1's, and a failure's chain would miss the program's
own error. The header and its properties are systemctl's words: skipped, without a warning. The block ends at the
blank line after its log lines (`systemctl status A B` prints one after each) or at journalctl's `-- Boot ... --`; a
line of PID 1 naming another unit (`db.service: Failed ...`) is that unit's.
"""

from __future__ import annotations

import re

from .selection import valid_unit_name

_HEADER = re.compile(r"[\u25cf\u00d7\u25cb\u21bb*x] (?P<unit>[^\s/]{1,255}\.(?:service|socket|timer|mount|automount|"
                     r"swap|target|path|slice|scope|device))(?: - .*)?")


STATUS_HINT = "Hint: "
"""systemctl's line after a block's log lines (`Hint: Some lines were ellipsized, use -l to show in full.`)."""


def status_unit(line: str) -> str | None:
    """The unit a `systemctl status` header line names, else None."""
    found = _HEADER.fullmatch(line)
    return found["unit"] if found is not None and valid_unit_name(found["unit"]) else None
