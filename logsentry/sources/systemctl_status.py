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
import signal
from collections.abc import Mapping

from .selection import valid_unit_name

_HEADER = re.compile(r"[\u25cf\u00d7\u25cb\u21bb*x] (?P<unit>[^\s/]{1,255}\.(?:service|socket|timer|mount|automount|"
                     r"swap|target|path|slice|scope|device))(?: - .*)?")


STATUS_HINT = "Hint: "
"""systemctl's line after a block's log lines (`Hint: Some lines were ellipsized, use -l to show in full.`)."""


_LOADED = re.compile(r"\s+Loaded: [a-z-]{1,16} \((?:[^;()]*/)?(?P<unit>[^\s/;()]{1,255}\.(?:service|socket|timer|mount|"
                     r"automount|swap|target|path|slice|scope|device))[;)]")
"""The `Loaded:` property (`Loaded: loaded (/etc/systemd/system/app.service; enabled; ...)`), the unit file's path:
the unit of a header whose first line lost its glyph when it was copied (`app.service - My App`, trial 60's 35)."""


def status_unit(line: str) -> str | None:
    """The unit a `systemctl status` header line names, else None."""
    found = _HEADER.fullmatch(line)
    return found["unit"] if found is not None and valid_unit_name(found["unit"]) else None


def loaded_unit(line: str) -> str | None:
    """The unit a `systemctl status` header's `Loaded:` line names (its unit file's name), else None."""
    found = _LOADED.match(line)
    return found["unit"] if found is not None and valid_unit_name(found["unit"]) else None


_FAILED = re.compile(r"\s+Active: (?:failed|activating \(auto-restart\)) \(Result: (?P<result>[a-z-]{1,32})\) since "
                     r"\w+ (?P<date>\d{4}-\d\d-\d\d) (?P<hms>\d\d:\d\d:\d\d)\b")
"""The state line of a unit that failed (systemctl-show.c: `Active: %s (Result: %s) since %s; %s ago`, the result
only when it is no success): `failed`, or `activating (auto-restart)` between a crash loop's runs."""
_MAIN_PID = re.compile(r"\s+Main PID: (?P<pid>\d{1,10}) \(code=(?P<code>exited|killed|dumped), "
                       r"(?:status=(?P<status>\d{1,3})(?:/(?P<name>[A-Za-z0-9_+-]{1,32}))?"
                       r"|signal=(?P<signal>[A-Z0-9+]{1,16}))\)")
"""Its main process's end (`Main PID: 22649 (code=dumped, signal=ABRT)`, `(code=exited, status=1/FAILURE)`)."""
_DEAD = re.compile(r"\s+Active: inactive \(dead\) since \w+ (?P<date>\d{4}-\d\d-\d\d) (?P<hms>\d\d:\d\d:\d\d)\b")
_SPAWN_FAILED = re.compile(r"\s+Process: \d{1,10} ExecStart=\S.* \(code=exited, status=(?P<status>2(?:[0-3]\d|4[0-5]))"
                           r"/(?P<name>[A-Z_]{2,32})\)")
"""A unit stopped (`Active: inactive (dead) since ...`, no result: systemd took it for no failure) whose ExecStart=
process exited with one of systemd's own statuses (src/basic/exit-status.h, 200 EXIT_CHDIR to 245 EXIT_BPF: the
process systemd forked failed to become the command, `status=203/EXEC` a missing program) its `Process:` line states
(systemctl-show.c prints the ExecStart= command's exit above `Main PID:`): the command never ran. PID 1 logs such a
main process's exit and `Failed with result 'exit-code'` (service.c service_sigchld_event), which trial 72's 34, a
oneshot shown inactive (systemd/systemd#39349), did not show."""
_USER_FILE = re.compile(r"\s+Loaded: [a-z-]{1,16} \((?:[^;()]*/systemd/user/|/run/user/\d{1,10}/systemd/)")
"""A `Loaded:` line whose unit file is in a user manager's search path (src/basic/path-lookup.c: `~/.config/systemd/
user`, `/etc/systemd/user`, `/usr/lib/systemd/user`, `$XDG_RUNTIME_DIR/systemd/...`): `systemctl --user status`."""
START_LIMIT = frozenset({"start-limit-hit", "start-limit"})
"""The result of a unit PID 1 gave up starting: `start-limit` up to systemd 229 (CentOS/RHEL 7's 219), renamed
`start-limit-hit` in 230 (src/core/service.c service_result_table)."""


class StatusFailure:
    """What a pasted `systemctl status` header says of a unit that failed, told as PID 1 logs it when none of the
    lines under it does: a status that states `Active: failed (Result: core-dump)` and `Main PID: 22649
    (code=dumped, signal=ABRT)` over a stack trace's frames reported nothing (trial 60's 35: systemctl shows the
    unit's last lines, often its program's alone). The words are PID 1's own (src/core/service.c:
    service_sigchld_event's `Main process exited, code=%s, status=%i/%s`, service_enter_dead's `Failed with result
    '%s'.`), at the time the header gives, so the rules about PID 1's lines judge it as they would the journal's."""

    def __init__(self, unit: str):
        self.unit = unit
        self.result = ""
        self.since: tuple[str, str] | None = None
        """The state change's date and time of day, as written (read in the paste's zone by the caller)."""
        self.main = ""
        """PID 1's `Main process exited, ...` for the main process's end, or ""."""
        self.host = ""
        """The host the lines under the header name (the header names none)."""
        self.told = False
        """A line under the header already says it (PID 1's `Failed with result` for the unit, with the header's
        result: an earlier run's 'exit-code' does not tell its start limit hit since). systemd 219's `Unit X entered
        failed state.` does not: it tells the failure, not its result nor how the main process ended (trial 72's 02,
        05, 20 lost the header's `status=255`, `start-limit` and `timeout` from their cards)."""
        self.exited_told = False
        self.run_end_told = False
        """A line under the header tells how a run of the unit ended (its `Main process exited`, or a `Failed with
        result` of any result: a crash loop's last run's, which a start limit's refused restart follows)."""
        self.limit_told = False
        """A line under the header says PID 1 gave up (`Start request repeated too quickly.`)."""
        self.manager = "1"
        self.user = False
        """The unit file is a user manager's (_USER_FILE): with no line of its manager's to give its PID, the failure
        is still that manager's, never PID 1's."""
        self._dead_since: tuple[str, str] | None = None
        """The PID of the service manager whose lines under the header name the unit: PID 1, or a user manager's
        (`systemctl --user status`: `systemd[1477]: app.service: ...`), whose unit's start limit is
        systemd-user-start-limit-hit's, not PID 1's."""

    def property(self, line: str) -> None:
        """Take what a header line says."""
        if (failed := _FAILED.match(line)) is not None:
            self.result, self.since = failed["result"], (failed["date"], failed["hms"])
        elif (main := _MAIN_PID.match(line)) is not None:
            if main["signal"] is not None:
                number = getattr(signal.Signals, f"SIG{main['signal']}", None)
                status = f"{number.value}/{main['signal']}" if number is not None else main["signal"]
            else:
                status = main["status"] + (f"/{main['name']}" if main["name"] else "")
            self.main = f"Main process exited, code={main['code']}, status={status}"
        elif (dead := _DEAD.match(line)) is not None:
            self._dead_since = (dead["date"], dead["hms"])
        elif (spawn := _SPAWN_FAILED.match(line)) is not None and self._dead_since is not None:
            self.result, self.since = "exit-code", self._dead_since
            self.main = self.main or f"Main process exited, code=exited, status={spawn['status']}/{spawn['name']}"
        elif _USER_FILE.match(line) is not None:
            self.user = True

    def saw(self, fields: Mapping[str, str]) -> None:
        """A line under the header (the unit's fields): does it tell the failure already, and whose manager's lines
        name the unit?"""
        message = fields["MESSAGE"]
        self.host = fields.get("_HOSTNAME") or self.host
        if fields.get("SYSLOG_IDENTIFIER") == "systemd" \
                and message.startswith(f"{self.unit}: ") and (pid := fields.get("_PID")) is not None \
                and pid.isdigit() and pid != "0":
            self.manager = pid
        if message == f"{self.unit}: Failed with result '{self.result}'.":
            self.told = True
        elif message.startswith(f"{self.unit}: Main process exited"):
            self.exited_told = self.run_end_told = True
        elif message.startswith(f"{self.unit}: Failed with result "):
            self.run_end_told = True
        elif message in (f"{self.unit}: Start request repeated too quickly.",
                         f"start request repeated too quickly for {self.unit}"):
            self.limit_told = True

    def untold(self) -> list[str]:
        """PID 1's lines for the failure the header states and no line under it told, in the order PID 1 logs them:
        a start limit's `Start request repeated too quickly.` too (unit.c), which systemd-start-limit-hit pages (trial
        67: `Active: failed (Result: start-limit-hit)` over lines that ended at the restart before it was an error).
        A start limit's `Main PID:` is the last run's, which ended before the refused restart: its exit is told first,
        unless a line under the header told that run's end (helper-223: a paste of the header alone said nothing of
        how its main process ended). systemd 219's `Unit X entered failed state.` tells none of these."""
        if not self.result or self.since is None or self.told:
            return []
        limit = self.result in START_LIMIT and not self.limit_told
        ended = self.exited_told or (self.result in START_LIMIT and self.run_end_told)
        return [*([f"{self.unit}: {self.main}"] if self.main and not ended else []),
                *([f"{self.unit}: Start request repeated too quickly."] if limit else []),
                f"{self.unit}: Failed with result '{self.result}'."]
