"""A text's boot window (engine/excerpts.py): a daemon.log holds no kernel line and no syslog daemon's start (those go
to syslog or messages), but PID 1's boot-only work (`Starting Update UTMP about System Boot/Shutdown...`, its
`Startup finished in ... = T`) opens the window too (trial 70's Raspberry Pi daemon.logs: wpa_supplicant's `Could
not read interface wlan0 flags` at each boot). And the window holds a warm unit's boot chatter too, for the rules
below crit that judge new templates (engine/anomaly.py at_boot): a kernel warm from the boot before says `BAR 13:
can't assign io` 41 times in its banner's second (trial 70's CentOS 6 VMs), a VMware guest's vmwgfx `*ERROR*` 11 s
in. A crit line still fires. Real files read by `scan --file`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from conftest import json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES


def incidents(path: Path) -> list[str]:
    events = json_events(run_cli("scan", "--file", str(path), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                                 "-o", "json"))
    return [incident["rule"] for incident in of_type(events, "incident")]


WLAN = "wpa_supplicant[371]: Could not read interface wlan{n} flags: No such device"


def daemon_log(tmp_path: Path, pid1: list[str], second: int = 20) -> Path:
    """PID 1's lines at 11:17:19, then three Wi-Fi failure lines from `second` on."""
    path = tmp_path / "daemon.log"
    path.write_text("".join(f"Jan 30 11:17:19 pi {line}\n" for line in pid1)
                    + "".join(f"Jan 30 11:{17 + (second + n) // 60:02d}:{(second + n) % 60:02d} pi "
                              f"{WLAN.format(n=n)}\n" for n in range(3)))
    return path


def test_pid1s_boot_only_work_opens_a_daemon_logs_boot(tmp_path: Path) -> None:
    for boot in ("systemd[1]: Starting Update UTMP about System Boot/Shutdown...",
                 "systemd[1]: Started Create Volatile Files and Directories.",
                 "systemd[1]: Starting Trigger Flushing of Journal to Persistent Storage...",
                 "systemd[1]: Finished systemd-tmpfiles-setup.service - Create System Files and Directories.",
                 "systemd[1]: Reached target Local File Systems.",
                 "systemd: Started Remount Root and Kernel File Systems."):  # (RHEL 7's rsyslog: no PID)
        assert incidents(daemon_log(tmp_path, [boot])) == [], boot
        # the same lines five minutes later are judged
        assert incidents(daemon_log(tmp_path, [boot], second=320)) == ["excerpt-failure-template"], boot
    # a unit of no boot's, a user manager's, a stop at shutdown: no boot
    for other in ("systemd[1]: Started Daily apt download activities.",
                  "systemd[592]: Started Create Volatile Files and Directories.",
                  "systemd[1]: Stopping Update UTMP about System Boot/Shutdown...",
                  "systemd[1]: Starting Update UTMP about System Runlevel Changes..."):
        assert incidents(daemon_log(tmp_path, [other])) == ["excerpt-failure-template"], other


def test_startup_finished_dates_the_boot_back(tmp_path: Path) -> None:
    """`Startup finished in 19.732s (kernel) + 21.728s (userspace) = 41.460s.`: the boot began 41.46 s before, and its
    window runs two minutes from then (the lines 30 s after are in it; 100 s after, not). A user manager's `Startup
    finished in 223ms.` is no boot."""
    finished = "systemd[1]: Startup finished in 19.732s (kernel) + 21.728s (userspace) = 41.460s."
    assert incidents(daemon_log(tmp_path, [finished], second=49)) == []
    assert incidents(daemon_log(tmp_path, [finished], second=19 + 100)) == ["excerpt-failure-template"]
    slow = "systemd[1]: Startup finished in 3.5s (kernel) + 1min 30.2s (userspace) = 1min 33.7s."
    assert incidents(daemon_log(tmp_path, [slow], second=19 + 20)) == []
    assert incidents(daemon_log(tmp_path, [slow], second=19 + 40)) == ["excerpt-failure-template"]
    user = "systemd[592]: Startup finished in 223ms."
    assert incidents(daemon_log(tmp_path, [user], second=20)) == ["excerpt-failure-template"]


def warm_kernel(lines: list[str], hours: int, per_hour: int) -> list[str]:
    """A kernel's ordinary lines over `hours` (warm for every rule), its syslog daemon's clean stop, a reboot."""
    start = datetime(2025, 12, 19, 0, 0, 0)
    out = [f"{(start + timedelta(seconds=n * 3600 // per_hour)):%b %d %H:%M:%S} moban kernel: "
           f"e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None (round {n})"
           for n in range(hours * per_hour)]
    end = start + timedelta(hours=hours)
    out.append(f"{end:%b %d %H:%M:%S} moban rsyslogd: [origin software=\"rsyslogd\" swVersion=\"5.8.10\" "
               f"x-pid=\"1304\" x-info=\"http://www.rsyslog.com\"] exiting on signal 15.")
    booted = end + timedelta(minutes=2)
    out.append(f"{booted:%b %d %H:%M:%S} moban kernel: Linux version 2.6.32-431.el6.x86_64 "
               f"(mockbuild@c6b8.bsys.dev.centos.org) #1 SMP Fri Nov 22 03:15:09 UTC 2013")
    return out + [f"{booted:%b %d %H:%M:%S} moban kernel: {line}" for line in lines]


def test_a_warm_kernels_boot_chatter_is_the_boots(tmp_path: Path) -> None:
    """new-failure-template: 41 lines of `BAR 13: can't assign io` in the banner's second, in a kernel warm from the
    boot before (an hour and 200 lines): the boot's. Ten minutes after the banner, the same lines fire."""
    bars = [f"pci 0000:00:{n // 8 + 21:02x}.{n % 8}: BAR 13: can't assign io (size 0x1000)" for n in range(41)]
    path = tmp_path / "messages"
    lines = warm_kernel(bars, hours=3, per_hour=100)
    path.write_text("\n".join(lines) + "\n")
    assert incidents(path) == []
    booted = datetime(2025, 12, 19, 3, 2, 0)
    late = warm_kernel([], hours=3, per_hour=100) + [
        f"{booted + timedelta(minutes=10):%b %d %H:%M:%S} moban kernel: {bar}" for bar in bars]
    path.write_text("\n".join(late) + "\n")
    assert incidents(path) == ["new-failure-template"]


def test_a_clean_units_first_error_at_a_boot_is_the_boots(tmp_path: Path) -> None:
    """first-error-template: a VMware guest's `[drm:vmw_host_log [vmwgfx]] *ERROR* Failed to send host log message.`
    11 s into a boot, in a kernel with a clean day behind it. Ten minutes in, it fires; a crit line at the boot fires
    too (new-fatal-template: a boot's failures that stop a machine are no chatter)."""
    error = "[drm:vmw_host_log [vmwgfx]] *ERROR* Failed to send host log message."
    path = tmp_path / "syslog"
    lines = warm_kernel([], hours=26, per_hour=6)
    booted = datetime(2025, 12, 20, 2, 2, 0)
    path.write_text("\n".join([*lines, f"{booted + timedelta(seconds=11):%b %d %H:%M:%S} moban kernel: {error}"])
                    + "\n")
    assert incidents(path) == []
    path.write_text("\n".join([*lines, f"{booted + timedelta(minutes=10):%b %d %H:%M:%S} moban kernel: {error}"])
                    + "\n")
    assert incidents(path) == ["first-error-template"]
    fatal = "journal superblock corrupt, cannot mount root"  # at crit (<2>: syslog's PRI)
    path.write_text("\n".join([*lines, f"<2>{booted + timedelta(seconds=11):%b %d %H:%M:%S} moban kernel: {fatal}"])
                    + "\n")
    assert "new-fatal-template" in incidents(path)


def test_a_startup_finished_too_long_to_be_real_is_no_boot_and_no_crash(tmp_path: Path) -> None:
    """A text's `systemd[1]` line is anyone's (a paste, `logger -t 'systemd[1]'`): 320 digits were a float's infinity
    and the scan's OverflowError. Nine digits at most are a time; more, and the line dates no boot."""
    forged = "systemd[1]: Startup finished in 1s (kernel) + 1s (userspace) = " + "9" * 320 + "s."
    assert incidents(daemon_log(tmp_path, [forged], second=20)) == ["excerpt-failure-template"]
    longest = "systemd[1]: Startup finished in 1s (kernel) + 1s (userspace) = 999999999h 59min 59.999999s."
    assert incidents(daemon_log(tmp_path, [longest], second=20)) == ["excerpt-failure-template"]
