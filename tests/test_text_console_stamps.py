"""A console's printk-stamped line (`[ 1109.950000] systemd-journald[644]: ...`) among a text's clock-timed lines:
its time since boot is no time of theirs (sources/syslog_text.wall_clocked). Trial 72's 33, a shell session on a
BMC pasted with its syslog lines, read the console's line, and the prompt's lines before it, from 1970."""

from __future__ import annotations

from pathlib import Path

from logsentry.sources import Selection, open_entries

SESSION = """\
root@bmc:~# kill -ABRT 1
root@bmc:~# [ 1109.950000] systemd: 36 output lines suppressed due to ratelimiting
[ 1109.950000] systemd-journald[644]: Failed to send WATCHDOG=1 notification message: Connection refused

Apr 20 17:47:44 bmc systemd[1]: Caught <ABRT>, dumped core as pid 1082.
Apr 20 17:47:44 bmc systemd[1]: Freezing execution.
[ 1110.120000] systemd-journald[644]: Failed to send WATCHDOG=1 notification message: Connection refused
Apr 20 17:47:45 bmc kernel: watchdog: watchdog0: watchdog did not stop!
"""


def _read(path: Path) -> list[tuple[int, str, str]]:
    return [(entry.realtime_usec, entry.unit, entry.message) for entry in open_entries(Selection(), files=[path])]


def test_a_consoles_line_among_clock_times_is_read_at_theirs(tmp_path: Path) -> None:
    path = tmp_path / "session.txt"
    path.write_text(SESSION)
    read = _read(path)
    caught = next(usec for usec, _, message in read if message.startswith("Caught <ABRT>"))
    assert min(usec for usec, _, _ in read) == caught, read  # (none from 1970)
    journald = [(usec, message) for usec, unit, message in read if unit == "(systemd-journald)"]
    assert journald == [(caught, "Failed to send WATCHDOG=1 notification message: Connection refused")] * 2, read


def test_a_short_monotonic_paste_keeps_its_times_since_boot(tmp_path: Path) -> None:
    path = tmp_path / "monotonic.txt"
    path.write_text("[    5.000000] node1 systemd[1]: Starting Journal Service...\n"
                    "[    7.250000] node1 systemd[1]: Started Journal Service.\n")
    assert [usec for usec, _, _ in _read(path)] == [5_000_000, 7_250_000]
