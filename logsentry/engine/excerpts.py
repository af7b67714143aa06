"""Which lines read from text the rules that judge excerpts (AnomalySpec.excerpts) judge from their unit's first
line: a pasted log or a program's own log file was cut out to show a failure and has no history to learn a normal
from, so its lines are not made to wait for a warm-up as a journal's are. Not every line of a text, though: some
are no program's own account of itself (below)."""

from __future__ import annotations

import re

from ..model import Entry
from ..rules.anomaly import AnomalySpec
from ..sources.text_line import SOURCE_MONOTONIC
from .access_levels import NOT_ACCESS, access_level
from .host_boots import TEXT_BOOT

BOOT_USEC = 120_000_000
"""A text's lines within this long (µs) after a kernel's banner (`Linux version ...`) are a boot's, of every unit:
device enumeration, firmware loading and the services' and a desktop session's start-up, which on a healthy machine
say "failed", "can't", "unavailable" at info level, a line per disk or plugin (the kernel's "pages in unavailable
ranges", "Direct firmware load ... failed", udev's `snap auto-import ... failed with exit code 1` for each of 28 disks,
smartd's `can't monitor`, bluetoothd's `Failed (0x03)`, networkd-dispatcher's `ERROR:Unknown state for interface`).
Normal `dmesg` and `journalctl -b` pastes had excerpt-failure-template fire on them (trial 66: 15 of its 18 false
alarms). A boot's failures are the signature rules' (systemd's `Failed to start X`, a disk's, a panic), which this
leaves alone; an excerpt cut out of a bug report holds no banner. Any host's: a boot's host name changes as it goes
(an initramfs's `archlinux`, then the machine's own).

A long log often holds a boot without its banner (a kern.log or syslog cut after it, an Armbian journal, a daemon's
log): a kernel line whose own printk time is within BOOT_USEC of its boot dates the boot (`[    0.512345] system
00:02: [mem ...] could not be reserved`, drivers/pnp/system.c's dev_info, "usually harmless"; dmesg's and
short-monotonic's times are it too: `dmesg | tail -n 500` or a wrapped ring buffer starts after its banner, and the
boot's "pages in unavailable ranges" was excerpt-failure-template's, trial 71's 25), and journald's start
(`Journal started`, `Runtime journal is using ...`) or rsyslogd's (`[origin software="rsyslogd" ...] start`) is a
boot's as the banner is (trial 68: 12 of its 38 false alarms, in 9 of 32 long logs). A desktop session's start and
end are the same (a display manager's PAM session opened or closed: `pam_unix(gdm-password:session): session opened
for user ...`), and so is a shutdown (PID 1's or a user manager's `Stopped target Graphical Interface.`, `Reached
target Shutdown.`): GNOME's, KDE's and their portals' `Failed to ...` at a login, NetworkManager's `Refusing
activation, D-Bus is shutting down` at a logout (trial 68: 10 false alarms in 3 desktop journals)."""
SESSION_EDGE = re.compile(r"pam_unix\((?:gdm|sddm|lightdm|xdm|lxdm|slim|kdm|nx|gnome)[\w-]{0,40}:session\): "
                          r"session (?:opened|closed) for user ")
"""A display manager's (or NoMachine's) session opened or closed, as pam_unix logs it (pam_unix_sess.c)."""
STOPPING = re.compile(r"(?:Reached target (?:System )?Shutdown|Stopped target (?:Graphical Interface|Multi-User "
                      r"System|Main User Target))\.$")
"""A service manager's shutdown (PID 1's) or a user manager's at a logout (src/core/job.c's target lines)."""
BOOT_LOGGERS = frozenset({"systemd-journald", "systemd-journal", "rsyslogd"})
"""The programs whose start opens a boot's window (`systemd-journal`: journald's comm, 15 characters)."""
BOOT_STARTED = re.compile(r"Journal started$|Runtime [Jj]ournal (?:\(|is using )|"
                          r"\[origin software=\"rsyslogd\"[^\]\n]{0,300}\] start$")
"""journald's (src/journal/journald-server.c: "Journal started", "Runtime Journal (%s) is %s, max %s", older "Runtime
journal is using %s") and rsyslogd's start lines (tools/rsyslogd.c, logged at startup and at a restart)."""
BOOT_LOGGER_STOPPED = re.compile(r"Journal stopped$|\[origin software=\"rsyslogd\"[^\]\n]{0,300}\] exiting on signal ")
"""Their stop lines: one RESTART_USEC or less before a start makes it a restart, no boot. A package upgrade or a
config change restarts rsyslog or journald on a running host (`systemctl restart rsyslog`: "exiting on signal 15."
then "start" in the same second), and a boot's window there left the next two minutes of every unit unjudged (a
database's `connection refused` three times, new-error-template's error incident, gone)."""
RESTART_USEC = 5_000_000
"""A reboot takes longer than this from the logger's stop at shutdown to its start in the new boot."""
BOOT_UNITS = re.compile(
    r"(?:Starting|Started|Finished) (?:[\w@.-]{1,80}\.(?:service|target) - )?(?:Update UTMP about System Boot/Shutdown|"
    r"Record System Boot/Shutdown in UTMP|Create (?:Volatile|System) Files and Directories|Create Static Device Nodes "
    r"in /dev|(?:Trigger )?Flush(?:ing)? (?:of )?Journal to Persistent Storage|Remount Root and Kernel File Systems|"
    r"udev Coldplug all Devices|Coldplug All udev Devices|File System Check on Root Device)(?: gracefully)?"
    r"(?:\.\.\.|\.)$|"
    r"Reached target (?:local-fs\.target - |sysinit\.target - )?(?:Local File Systems|System Initialization)\.$")
"""PID 1's boot-only work, in the words systemd itself writes (the units' Description=, src/core/job.c's
"Starting %s...", "Started %s.", "Finished %s." since v246, with the unit's name before " - " since v253):
systemd-update-utmp ("Update UTMP about System Boot/Shutdown", "Record System Boot/Shutdown in UTMP" since v246),
systemd-tmpfiles-setup ("Create Volatile Files and Directories", "Create System Files and Directories" since v251),
systemd-tmpfiles-setup-dev, systemd-journal-flush ("Trigger Flushing of Journal to Persistent Storage", "Flush Journal
to Persistent Storage"), systemd-remount-fs, systemd-udev-trigger ("udev Coldplug all Devices", "Coldplug All udev
Devices"), systemd-fsck-root, local-fs.target and sysinit.target reached. Each runs once a boot, before the services:
a daemon.log has them where it has no kernel line and no syslog daemon's start (those go to syslog or messages), and
its Wi-Fi, networking and NTP start-up chatter came after them (trial 70's Raspberry Pi daemon.logs: 6 false alarms)."""
STARTUP_FINISHED = re.compile(r"Startup finished in .{1,200} = ((?:\d{1,9}(?:\.\d{1,6})?(?:h|min|s|ms|us) ?){1,4})\.$")
"""PID 1's `Startup finished in 19.732s (kernel) + 21.728s (userspace) = 41.460s.` (src/core/manager.c): the boot
began that long before it (a user manager's has no kernel part, no " = "). Nine digits at most: a text's line may be
anyone's (a pasted log, `logger -t 'systemd[1]'`), and 309 were a float's infinity, the scan's OverflowError."""
_SPAN = re.compile(r"(\d{1,9}(?:\.\d{1,6})?)(h|min|ms|us|s)")
_SPAN_USEC = {"h": 3_600_000_000, "min": 60_000_000, "s": 1_000_000, "ms": 1_000, "us": 1}

CRIT_LEVEL = 2
"""syslog's crit: a rule at it or worse names a fatal line (fatal)."""


def fatal(spec: AnomalySpec) -> bool:
    """A rule of crit or worse (new-fatal-template): start-up windows do not hide its excerpt lines (Excerpts)."""
    return spec.level is not None and spec.level <= CRIT_LEVEL


def at_boot(spec: AnomalySpec) -> bool:
    """Does the rule leave a text's boot window (Excerpts.booting) unjudged in a warm unit too? A new-template rule
    below crit that judges no flood (new-failure-, new-error-, first-error-, new-warning-template, quiet-unit-new-
    errors): a boot's chatter is new templates of units warm from the boot before. Not new-fatal-template (a program
    that cannot start), not the floods and surges (how much is logged), nor the signature rules."""
    return spec.kind == "new-template" and not spec.flood and not fatal(spec)


def excerpt_line(entry: Entry) -> bool:
    """Is this line read from text judged as an excerpt's? Not systemd's as PID 1 (a container's PID 1,
    `dnsmasq[1]:`, is judged): its lines about a unit are the systemd rules' (one for each way a unit ends), and
    new-failure-template's hit on `Failed with result 'exit-code'.` put "saying "Failed"" in the why of every
    systemd-unit-failed card of a paste. Nor an access log's: a 5xx is one request's failure, and three in ten
    minutes are a busy site's normal; the share of them is the signal (error-share-jump judges it)."""
    fields = entry.fields
    message = entry.message
    end = message.find("\n")
    return entry.from_text and not (fields.get("_PID") == "1" and fields.get("SYSLOG_IDENTIFIER") == "systemd") \
        and access_level(message if end < 0 else message[:end]) == NOT_ACCESS


class Excerpts:
    """excerpt_line, and not a text's boot (BOOT_USEC): the latest kernel banner's time, as read."""

    def __init__(self) -> None:
        self._booted: int | None = None
        """The latest kernel banner's time read from text (µs)."""
        self._logger_stopped: int | None = None
        """When journald or rsyslogd last said it stopped (µs): its start soon after is a restart."""

    def judged(self, entry: Entry, note: bool = True, fatal: bool = False) -> bool:
        """Is the entry judged as an excerpt's line? `note`: a banner seen here is kept (asked once per line as it is
        observed; not when a line is asked about again later). `fatal`: by a rule of crit or worse (judged_by)."""
        by_fatal, by_others = self.judged_by(entry, note)
        return by_fatal if fatal else by_others

    def judged_by(self, entry: Entry, note: bool = True) -> tuple[bool, bool]:
        """Is the entry judged as an excerpt's line (by a rule of crit or worse, by the others)? The start-up windows
        and a line's recurrence in its file (Entry.recurring) do not silence the first (new-fatal-template): a program
        that cannot start says FATAL in its first second, at a boot too (trial 68's NAS: upsd's `Fatal error: at least
        one UPS must be defined in ups.conf`, 2 s in)."""
        if not entry.from_text:
            return False, False
        usec = entry.realtime_usec
        if note:
            self._note(entry, usec)
        if not excerpt_line(entry):
            return False, False
        # (a line its file shows again after an hour without it is its unit's normal: sources/text_recurring.py)
        return True, not entry.recurring and not self.booting(entry)

    def booting(self, entry: Entry) -> bool:
        """Is the entry a line read from text within a boot's window (BOOT_USEC after its start, or a desktop
        session's edge, a shutdown's)? The rules below crit that judge new templates leave such lines unjudged, in a
        warm unit too (engine/anomaly.py): a kernel warm from the boot before says `pci 0000:00:18.6: BAR 13: can't
        assign io` 41 times in its banner's second, a VMware guest's vmwgfx `*ERROR* Failed to send host log
        message.` 11 s in (trial 70's 24, 27, 30). A journal's lines are never in it: text opens it."""
        booted = self._booted
        return entry.from_text and booted is not None and booted <= entry.realtime_usec < booted + BOOT_USEC

    def _note(self, entry: Entry, usec: int) -> None:
        """A line that dates a boot: the kernel's banner, a kernel line's early printk time, journald's or rsyslogd's
        start, PID 1's boot-only work (BOOT_UNITS) or its `Startup finished` (STARTUP_FINISHED, dated back); or a
        desktop session's start or end, or a shutdown's."""
        fields = entry.fields
        if entry.unit == "kernel":
            if TEXT_BOOT.match(entry.message):
                self._booted = usec
            elif (uptime := fields.get(SOURCE_MONOTONIC)) is not None and uptime.isdigit() \
                    and int(uptime) < BOOT_USEC and (self._booted is None or self._booted < usec - int(uptime)):
                self._booted = usec - int(uptime)
        elif fields.get("SYSLOG_IDENTIFIER") in BOOT_LOGGERS and BOOT_LOGGER_STOPPED.search(entry.message):
            self._logger_stopped = usec
        elif self._edge(fields.get("SYSLOG_IDENTIFIER"), entry.message, usec):
            self._booted = usec
        elif fields.get("_PID", "1") == "1" and fields.get("SYSLOG_IDENTIFIER") == "systemd":  # (RHEL 7: "systemd:")
            if BOOT_UNITS.match(entry.message):
                if self._booted is None or self._booted < usec - BOOT_USEC:
                    self._booted = usec  # (not later within the boot's window: its first such line opened it)
            elif (finished := STARTUP_FINISHED.match(entry.message)) is not None:
                began = usec - sum(round(float(number) * _SPAN_USEC[unit])
                                   for number, unit in _SPAN.findall(finished[1]))
                if self._booted is None or self._booted < began:
                    self._booted = began

    def _edge(self, ident: str | None, message: str, usec: int) -> bool:
        """journald's or rsyslogd's start (not a restart: RESTART_USEC), a desktop session's start or end, a
        shutdown's."""
        if ident in BOOT_LOGGERS and BOOT_STARTED.search(message):
            stopped = self._logger_stopped
            return stopped is None or not 0 <= usec - stopped <= RESTART_USEC
        return bool(SESSION_EDGE.search(message, 0, 120) or (ident == "systemd" and STOPPING.match(message)))
