"""Why a scan's report gives no journalctl command for its incidents: it read an input journalctl cannot read.

journalctl reads journal files only. The note names the input and what it really is (an export, JSON lines, a
text log, stdin), and the way to a command where there is one: journalctl's export format becomes a journal
file with systemd-journal-remote (README, "Another host's logs as a journal"); JSON lines and text cannot, so
for them it is the host's journal, or its export, that can. A newcomer was told their syslog file was "a dump".
"""

from __future__ import annotations

from .escape import visible

TIP = 'README: "Another host\'s logs as a journal"'
"""The README's section on making an export a journal file with systemd-journal-remote."""

KINDS = {
    "export": "journal export format (journalctl -o export)",
    "json": "JSON lines (journalctl -o json)",
    "text": "a text log (syslog or journalctl's text output)",
    "dmesg": "the kernel ring buffer as dmesg prints it",
    "applog": "a program's own log file",
    "csvlog": "PostgreSQL's csvlog",
    "docker": "a Docker json-file log",
    "plain": "text whose lines carry no time",
    "empty": "empty",
}
"""sources.export.sniff's kinds of input other than a journal file, in words."""


def no_command_note(path: str, kind: str | None) -> str:
    """The report's one line for an input of `kind` (sniff's; None: stdin or another pipe, read once and not
    looked at again)."""
    start = "No journalctl command for the incidents: "
    if kind is None:
        what = "the standard input (-)" if path == "-" else f"{visible(path)}, a pipe read once,"
        # (saved to a file, a text log is still no journal file: only an export can be made one, helper-124)
        return (f"{start}{what} is no journal file, which is all journalctl reads. If it was an export (journalctl "
                f"-o export), save it to a file and make that a journal file with systemd-journal-remote ({TIP}); "
                "text cannot be made one: for the commands, scan the host's journal.")
    said = f"{start}{visible(path)} is {KINDS.get(kind, kind)}, which journalctl cannot read (journal files only)"
    if kind == "export":
        return f"{said}. Make it a journal file with systemd-journal-remote and scan that ({TIP})."
    # (helper-187 could not parse "nor made one": who made what?)
    return f"{said}, and cannot be made one: for the commands, scan the host's journal, or a journal file made of " \
           f"its export ({TIP})."
