"""A boot logged under a placeholder host name is the host's own (read_text): until its real name is set, a machine's
first lines of a boot carry the name it booted with, the kernel's `(none)`, `localhost`, or an image's template
(OVH's `hostname`), and a syslog file of one host holds `ns331245`'s lines, then its next boot's as `hostname` (trial
70's 29). Keyed apart (model.text_host_key), that boot was another machine's: an unclean stop before it was never
claimed (engine/host_boots.py saw no next boot of `ns331245`), and each unit's history began again.

Conservative, as a collector's merged syslog of two real hosts must stay two: a placeholder's lines are the real
host's only in a text of one real name so far, from a boot's start (PLACEHOLDER_BOOT: the kernel's banner or its
early lines, a syslog daemon's or journald's start) at least REBOOT_USEC after the real host's latest line, until
the real name comes back (the rename). A placeholder that logs otherwise once a real name was seen (not at a
boot's start, again after the real host came back within its boot, or beside a second real name) is a host of its
own for the rest of the text; its lines before any real name stay its own. A distribution's default name
(`debian`, `ubuntu`, `raspberrypi`) is no placeholder: many hosts keep it for good, and a machine carries it from its
first boot, not only until a rename at each boot."""

from __future__ import annotations

import re

from .text_line import SOURCE_MONOTONIC

PLACEHOLDERS = frozenset({"hostname", "localhost", "localhost.localdomain", "(none)"})
"""Names a host carries only until its real one is set: the kernel's default (`(none)`), the loopback's, and the
literal of an image's template (OVH's and cloud templates' `hostname`)."""
REBOOT_USEC = 10_000_000
"""A reboot takes longer than this from a host's last line to its next boot's first (trial 70's 29: 66 s; firmware,
kernel and a syslog daemon's start take more than 10 s, a VM's too): a placeholder's boot that begins sooner after the
real host's line is another machine's beside it."""
EARLY_USEC = 120_000_000
"""A kernel line whose printk time is within this of its boot is the boot's start (engine/excerpts.py's BOOT_USEC)."""
PLACEHOLDER_BOOT = re.compile(r"Linux version \d|Initializing cgroup subsys |Journal started$|"
                              r"\[origin software=\"rsyslogd\" [^]]*\] start$|syslog-ng starting up;|restart\.$")
"""A boot's first lines: the kernel's banner (or the cgroup lines it prints before it), journald's start, a syslog
daemon's (rsyslogd's, syslog-ng's, sysklogd's `syslogd 1.5.0#6.2: restart.`)."""
BOOT_LOGGERS = frozenset({"kernel", "systemd-journald", "rsyslogd", "syslog-ng", "syslogd"})


class PlaceholderHosts:
    """Per text: the real host a placeholder's lines belong to (`own`)."""

    def __init__(self) -> None:
        self.real: str | None = None
        """The text's one real host name so far."""
        self.several = False
        """A second real name: a collector's text, whose hosts are kept as they are."""
        self.real_usec = 0
        """When the real host last logged (µs)."""
        self.booting: str | None = None
        """The placeholder whose boot's lines are the real host's now."""
        self.back = False
        """The real host logged again after that boot's start (its rename): the placeholder's next line is not its."""
        self.apart: set[str] = set()
        """Placeholders that logged as a host of their own."""

    def own(self, fields: dict[str, str], usec: int) -> None:
        """Give a placeholder's line of the real host's boot the real host's name (`_HOSTNAME`, in place)."""
        host = fields.get("_HOSTNAME", "")
        if not host:
            return
        if host not in PLACEHOLDERS:
            if self.real is None:
                self.real = host
            elif host != self.real:
                self.several, self.booting = True, None
            self.real_usec = max(self.real_usec, usec)
            self.back = self.booting is not None
            return
        if self.real is None:
            return  # (a text that begins with a boot under it: its lines before the real name stay keyed to it)
        if self.several or host in self.apart:
            self.apart.add(host)
            return
        if self.booting == host and not self.back:
            fields["_HOSTNAME"] = self.real
        elif usec - self.real_usec >= REBOOT_USEC and boot_start(fields):
            self.booting, self.back = host, False
            fields["_HOSTNAME"] = self.real
        else:
            self.apart.add(host)
            self.booting = None if self.booting == host else self.booting


def boot_start(fields: dict[str, str]) -> bool:
    """Is the line one of a boot's first (PLACEHOLDER_BOOT, or a kernel line's early printk time)?"""
    ident = fields.get("SYSLOG_IDENTIFIER", "")
    if ident not in BOOT_LOGGERS:
        return False
    uptime = fields.get(SOURCE_MONOTONIC, "")
    return bool(PLACEHOLDER_BOOT.search(fields.get("MESSAGE", ""), 0, 400)) or (
        ident == "kernel" and uptime.isdigit() and int(uptime) < EARLY_USEC)
