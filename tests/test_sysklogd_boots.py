"""sysklogd's own lines (Debian's sysklogd 1.5, old appliances): it writes its stop with no tag (`exiting on signal 15`)
and its start tagged with its version (`syslogd 1.5.0#6.2: restart.`), and it starts seconds before the kernel
lines it reads. Trial 70's Kurobox NAS: its stop line was folded into the line before as a continuation and each
clean reboot was an ERROR card "host down 3.0s without a shutdown" whose last line was the new boot's syslogd start.
A real syslog file read by `scan --file`."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import json_events, of_type, run_cli

from logsentry.sources import Selection, open_entries

BEFORE = """Jul  7 06:25:37 nas syslogd 1.5.0#6.2: restart.
Jul  7 06:38:25 nas smbd[2030]:   failed to retrieve printer list: NT_STATUS_UNSUCCESSFUL
Jul  7 06:40:00 nas -- MARK --
Jul  7 06:45:49 nas shutdown[20311]: shutting down for system reboot
Jul  7 06:45:49 nas init: Switching to runlevel: 6
Jul  7 06:45:50 nas kernel: Kernel log daemon terminating.
Jul  7 06:45:52 nas rpc.mountd[1998]: Caught signal 15, un-registering and exiting.
"""
STOP = "Jul  7 06:45:55 nas exiting on signal 15\n"
AFTER = """Jul  7 06:47:41 nas syslogd 1.5.0#6.2: restart.
Jul  7 06:47:42 nas /usr/sbin/cron[2190]: (CRON) INFO (Running @reboot jobs)
Jul  7 06:47:43 nas kernel: Inspecting /usr/src/linux/System.map
Jul  7 06:47:44 nas kernel: Linux version 3.4.0 (root@nas) (gcc version 4.6.3 (Debian 4.6.3-1) ) #1 Sat Jul 7 2012
Jul  7 06:47:44 nas kernel: Using Buffalo Linkstation machine description
Jul  7 06:47:50 nas smbd[2301]: started
Jul  7 06:47:51 nas smbd[2301]: last message repeated 2 times
Jul  7 06:47:52 nas last message repeated 2 times
"""


def incidents(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident")


def test_a_clean_reboot_of_a_sysklogd_host_is_no_incident(tmp_path: Path) -> None:
    path = tmp_path / "messages"
    path.write_text(BEFORE + STOP + AFTER)
    assert incidents(path) == []
    lines = [(e.unit, e.message) for e in open_entries(Selection(), files=[path])]
    assert ("(syslogd)", "exiting on signal 15") in lines  # its own line, not the line before's continuation
    assert ("(rpc.mountd)", "Caught signal 15, un-registering and exiting.") in lines
    assert ("(syslogd)", "restart.") in lines and ("(syslogd)", "-- MARK --") in lines
    assert ("(syslogd)", "last message repeated 2 times") in lines


def test_an_unclean_one_names_the_old_boots_last_line(tmp_path: Path) -> None:
    """No stop line: the host went down after rpc.mountd's line; the new boot's lines from its syslogd's start on, 3 s
    before the banner, are that boot's (LOGGER_LEAD_USEC), not the old one's last."""
    path = tmp_path / "messages"
    path.write_text(BEFORE + AFTER)
    (incident,) = incidents(path)
    assert incident["rule"] == "host-rebooted-uncleanly", incident
    said = json.dumps(incident)
    assert "06:45:52" in said and "rpc.mountd" in said and "restart." not in said, said


RSYSLOG = ('Jan 26 {t} moe rsyslogd: [origin software="rsyslogd" swVersion="8.2302.0" x-pid="{pid}" '
           'x-info="https://www.rsyslog.com"] {what}\n')
BANNER = "Jan 26 {t} moe kernel: [    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1\n"


def test_a_syslog_daemon_restarted_in_a_boot_does_not_make_it_shut_down(tmp_path: Path) -> None:
    """rsyslogd stopped and started again at a package upgrade, an hour before the host crashed: that stop was no
    shutdown (HostBoots._restarted_since_stop), and the crash is an unclean reboot (helper-229's break round: the
    boot stayed "shut down" for good). A stop with its daemon's next start 3 s before the banner stays a clean one."""
    path = tmp_path / "syslog"
    path.write_text(BANNER.format(t="09:00:00") + "Jan 26 09:00:05 moe cron[400]: (CRON) INFO (pidfile fd = 3)\n"
                    + RSYSLOG.format(t="10:00:00", pid=500, what="exiting on signal 15.")
                    + RSYSLOG.format(t="10:00:00", pid=900, what="start")
                    + "Jan 26 11:00:00 moe cron[400]: (root) CMD (run-parts /etc/cron.hourly)\n"
                    + BANNER.format(t="11:05:00") + "Jan 26 11:05:05 moe cron[401]: (CRON) INFO (pidfile fd = 3)\n")
    (incident,) = incidents(path)
    assert incident["rule"] == "host-rebooted-uncleanly" and "11:00:00" in incident["message"], incident
    path.write_text(BANNER.format(t="09:00:00") + "Jan 26 09:00:05 moe cron[400]: (CRON) INFO (pidfile fd = 3)\n"
                    + RSYSLOG.format(t="11:00:00", pid=500, what="exiting on signal 15.")
                    + RSYSLOG.format(t="11:04:57", pid=300, what="start")
                    + BANNER.format(t="11:05:00") + "Jan 26 11:05:05 moe cron[401]: (CRON) INFO (pidfile fd = 3)\n")
    assert incidents(path) == []
