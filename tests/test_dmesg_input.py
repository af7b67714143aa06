"""`dmesg` output, the kernel log a bug report pastes, read in each layout the real util-linux dmesg prints.

The records are the kernel's own wordings (mm/oom_kill.c __oom_kill_process, kernel/hung_task.c, fs/ext4/super.c
__ext4_error, fs/buffer.c buffer_io_error, arch/x86/mm/fault.c show_signal_msg), written in the kernel buffer's
raw form (`<PRI>[seconds] text`, what `dmesg -r` prints and `dmesg -F FILE` reads back); dmesg itself then prints
them in each of its layouts. Before sources/dmesg.py such a paste was read as journalctl's short-monotonic text
(the first word taken for a host): 0 matches, "Nothing found", for an OOM kill, a hung task and a disk error.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import json_events, of_type, run_cli

DMESG = shutil.which("dmesg") or "/usr/bin/dmesg"

RECORDS = [
    (6, 0.0, "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1"),
    (30, 4.2, "systemd[1]: Detected virtualization kvm."),
    (3, 3601.123456, "INFO: task kworker/u16:2:123 blocked for more than 120 seconds."),
    (3, 3612.551234, "EXT4-fs error (device sda1): ext4_find_entry:1683: inode #2: comm ls: "
                     "reading directory lblock 0"),
    (3, 3612.552, "Buffer I/O error on dev sda1, logical block 0, lost sync page write"),
    (6, 3615.0, "python3[9507]: segfault at 0 ip 00007f39b3eb3219 sp 00007ffcbcc05618 error 4 in "
                "libc.so.6[156219,7f39b3d83000+156000] likely on CPU 1 (core 1, socket 0)"),
    (3, 3620.0, "Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:6123456kB, file-rss:0kB, "
                "shmem-rss:0kB, UID:1000 pgtables:12345kB oom_score_adj:0"),
]
FOUND = ["kernel-hung-task", "kernel-ext4-error", "kernel-block-io-error", "kernel-segfault", "kernel-oom-kill"]
LAYOUTS = {"default": [], "ctime": ["-T"], "decode": ["-x"], "raw": ["-r"], "iso": ["--time-format", "iso"],
           "decode-ctime": ["-x", "-T"], "human": ["--time-format", "reltime"], "delta": ["--time-format", "delta"]}


@pytest.fixture(scope="module")
def buffer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dmesg") / "kmsg.raw"
    path.write_text("".join(f"<{pri}>[{seconds:12.6f}] {text}\n" for pri, seconds, text in RECORDS))
    return path


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_dmesg_layout_finds_the_kernel_failures(buffer: Path, tmp_path: Path, layout: str) -> None:
    printed = subprocess.run([DMESG, "-F", str(buffer), *LAYOUTS[layout]], capture_output=True, text=True,
                             check=True).stdout
    assert printed.count("\n") == len(RECORDS) and "Out of memory" in printed
    paste = tmp_path / f"dmesg-{layout}.txt"
    paste.write_text(printed)
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    assert result.exit_code == 0, result.output
    levels = layout in ("decode", "raw", "decode-ctime")  # the level is in the text
    everything = of_type(json_events(result), "match")
    matches = [m for m in everything if m["rule"] != "error-burst"]
    assert [m["rule"] for m in matches] == FOUND
    # the generic rule counts the lines at err or worse: it sees them only where dmesg printed the level
    assert len(everything) - len(matches) == (4 if levels else 0)
    assert all(m["from_text"] and m["unit"] == "kernel" for m in matches)
    oom = matches[-1]
    assert oom["message"] == RECORDS[-1][2]  # the kernel's text whole, no time or level left before it
    segfault = matches[3]
    assert segfault["message"].startswith("python3[9507]: segfault at 0")  # the kernel's line, not python3's
    assert of_type(json_events(result), "incident")
    monotonic = layout in ("default", "decode", "raw", "delta")
    assert ("seconds since boot" in result.stderr) is monotonic
    if monotonic and layout != "delta":
        assert oom["realtime_usec"] == 3_620_000_000
    if layout == "delta":  # each time after the record before's: the hung task to the OOM kill, 18.876544 s
        assert oom["realtime_usec"] - matches[0]["realtime_usec"] == 18_876_544
    if layout == "human":
        # dmesg prints a line's minute (`[Dec 2 20:22]`) where the minute changes, else its time after the line
        # before (`[ +2.448000]`); which lines get their minute depends on when the test runs (dmesg -F takes boot
        # time as now less the uptime), so each line is held to what dmesg printed for it
        shown = re.findall(r"^\[(?:[A-Z][a-z]{2} +\d+ (\d\d:\d\d)|\s*\+([0-9.]+))\] ", printed, re.M)
        assert len(shown) == len(RECORDS) and shown[0][0]
        kernel = shown[len(RECORDS) - len(matches):]  # the matched records are the last five, one after another
        for k, (minute, delta) in enumerate(kernel):
            usec = matches[k]["realtime_usec"]
            if minute:
                assert usec % 60_000_000 == 0, (minute, matches[k])
            else:  # the hung task is an hour after the record before it: always its minute
                after = usec - matches[k - 1]["realtime_usec"]
                assert k > 0 and after == round(float(delta) * 1e6), (delta, matches[k])
    elif layout == "iso":
        stamp = re.search(r"^(\S+) Out of memory", printed, re.M)
        assert stamp is not None
        from datetime import datetime

        expected = datetime.strptime(stamp[1].replace(",", "."), "%Y-%m-%dT%H:%M:%S.%f%z")
        assert oom["realtime_usec"] == int(expected.timestamp() * 1_000_000)
    if levels:  # err, and the segfault's info
        assert [m["priority"] for m in matches] == [3, 3, 3, 6, 3]


@pytest.mark.parametrize("layout", ["decode", "raw"])
def test_a_process_line_in_the_kernel_log_is_not_the_kernels(buffer: Path, tmp_path: Path, layout: str) -> None:
    """`-x` and `-r` say a record's facility: systemd's own line (daemon) is systemd's, as journald reads it."""
    printed = subprocess.run([DMESG, "-F", str(buffer), *LAYOUTS[layout]], capture_output=True, text=True,
                             check=True).stdout
    paste = tmp_path / "dmesg.txt"
    paste.write_text(printed)
    from logsentry.sources import Selection, open_entries

    entries = list(open_entries(Selection(), files=[paste]))
    assert len(entries) == len(RECORDS)
    systemd = entries[1]
    assert systemd.message == "Detected virtualization kvm."
    assert systemd.unit != "kernel" and "systemd" in systemd.unit
    assert entries[0].unit == "kernel" and entries[0].message.startswith("Linux version")



def test_dmesg_through_grep_is_still_dmesg(buffer: Path, tmp_path: Path) -> None:
    """`dmesg | grep -C1 ...` puts `--` between its groups (not journalctl's marker), and `dmesg | grep nvme` gives
    lines that all start with one subsystem's name (not a host): both are dmesg's lines still (helper B)."""
    printed = subprocess.run([DMESG, "-F", str(buffer)], capture_output=True, text=True, check=True).stdout
    grepped = subprocess.run(["grep", "-C1", "-e", "Out of memory", "-e", "virtualization"], input=printed,
                             capture_output=True, text=True, check=True).stdout
    assert "\n--\n" in grepped
    paste = tmp_path / "grepped.txt"
    paste.write_text(grepped)
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    assert result.exit_code == 0, result.output
    rules = [m["rule"] for m in of_type(json_events(result), "match")]
    assert "kernel-oom-kill" in rules and "kernel-hung-task" in rules
    nvme = tmp_path / "nvme.raw"
    nvme.write_text("".join(f"<4>[{12345 + k}.678901] nvme nvme0: I/O {100 + k} QID 4 timeout, aborting\n"
                            for k in range(4)))
    lines = subprocess.run([DMESG, "-F", str(nvme)], capture_output=True, text=True, check=True).stdout
    paste.write_text(subprocess.run(["grep", "nvme"], input=lines, capture_output=True, text=True).stdout)
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    matches = of_type(json_events(result), "match")
    assert [m["rule"] for m in matches] == ["kernel-nvme-timeout"] * 4 and matches[0]["unit"] == "kernel"


def test_a_segfault_of_a_task_whose_name_has_a_space_is_the_kernels(tmp_path: Path) -> None:
    """The kernel names a task by its comm, which may hold a space (Plex's `PMS Butler`, Firefox's `Web Content`):
    `[  601.611409] PMS Butler[3444]: segfault at 9c ...` looks like journalctl's short-monotonic host and
    identifier. A one-line paste of it was read so, and its segfault was the unknown `(Butler)`'s (trial 67), and
    such a line among a dmesg's others made all of them journalctl's."""
    raw = tmp_path / "kmsg.raw"
    segfault = ("PMS Butler[3444]: segfault at 9c ip 00007f01278bf80e sp 00007f0120eb5170 error 4 in "
                "Plex Media Server[7f01273c6000+c02000]")
    raw.write_text(f"<6>[  601.611409] {segfault}\n")
    paste = tmp_path / "dmesg.txt"
    paste.write_text(subprocess.run([DMESG, "-F", str(raw)], capture_output=True, text=True, check=True).stdout)
    (match,) = of_type(json_events(run_cli("scan", "--file", str(paste), "-o", "json")), "match")
    assert (match["rule"], match["unit"], match["captures"]["comm"]) == ("kernel-segfault", "kernel", "PMS Butler")
    raw.write_text(f"<6>[  600.000001] usb 1-1: new high-speed USB device number 2 using xhci_hcd\n"
                   f"<6>[  601.611409] {segfault}\n<3>[ 3620.000000] {RECORDS[-1][2]}\n")
    paste.write_text(subprocess.run([DMESG, "-F", str(raw)], capture_output=True, text=True, check=True).stdout)
    matches = of_type(json_events(run_cli("scan", "--file", str(paste), "-o", "json")), "match")
    assert [(m["rule"], m["unit"]) for m in matches] == [("kernel-segfault", "kernel"), ("kernel-oom-kill", "kernel")]


def test_systemds_own_lines_in_a_dmesg_without_facilities_are_systemds(tmp_path: Path) -> None:
    """systemd writes to /dev/kmsg while journald is down: a journald crash loop is told only in `dmesg -T`
    (systemd/systemd#4449). With no facility printed its `systemd[1]:` lines were the kernel's, and
    systemd-unit-failed never saw them (trial 67). The kernel's segfault of PID 1 stays the kernel's."""
    raw = tmp_path / "kmsg.raw"
    raw.write_text("<30>[ 3000.000000] systemd-journald[115912]: Received SIGTERM from PID 1 (systemd).\n"
                   "<27>[ 3000.100000] systemd[1]: Unit systemd-journald.service entered failed state.\n"
                   "<30>[ 3000.200000] systemd[1]: systemd-journald.service has no holdoff time, scheduling restart.\n"
                   "<6>[ 3100.000000] systemd[1]: segfault at 0 ip 000055d1c1f0a3b2 sp 00007ffd2c9f8e80 error 4 in "
                   "systemd[55d1c1e00000+1c6000]\n")
    paste = tmp_path / "dmesg-T.txt"
    for layout in ([], ["-T"]):
        paste.write_text(subprocess.run([DMESG, "-F", str(raw), *layout], capture_output=True, text=True,
                                        check=True).stdout)
        events = json_events(run_cli("scan", "--file", str(paste), "-o", "json"))
        matches = [(m["rule"], m["unit"]) for m in of_type(events, "match")]
        assert ("systemd-unit-failed", "(systemd-journald.service)") in matches, (layout, matches)
        assert ("kernel-segfault", "kernel") in matches, (layout, matches)


def test_a_kernel_line_in_brackets_is_no_apache_level(tmp_path: Path) -> None:
    """`dmesg -T`'s time in brackets looks like Apache's error log, told apart by Apache's level after it
    (`[error]`, `[proxy:error]`); a kernel line starting `[sched_debug]` is none (helper B)."""
    raw = tmp_path / "kmsg.raw"
    raw.write_text("<6>[   10.000000] [sched_debug] cpu0 runqueue balanced\n"
                   f"<3>[ 3620.000000] {RECORDS[-1][2]}\n")
    paste = tmp_path / "dmesg-T.txt"
    paste.write_text(subprocess.run([DMESG, "-F", str(raw), "-T"], capture_output=True, text=True, check=True).stdout)
    result = run_cli("scan", "--file", str(paste), "-o", "json")
    assert [m["rule"] for m in of_type(json_events(result), "match")] == ["kernel-oom-kill"]


@pytest.mark.parametrize("layout", ["default", "ctime", "iso"])
def test_p_err_keeps_the_kernels_failures_without_levels(buffer: Path, tmp_path: Path, layout: str) -> None:
    """dmesg without -x/-r prints no level: the kernel's words are none (hung_task.c logs "INFO: task ..." with
    pr_err), so -p err keeps each failure by its worst matching rule's level, the hung task with the others."""
    printed = subprocess.run([DMESG, "-F", str(buffer), *LAYOUTS[layout]], capture_output=True, text=True,
                             check=True).stdout
    paste = tmp_path / f"dmesg-{layout}.txt"
    paste.write_text(printed)
    result = run_cli("scan", "--file", str(paste), "-p", "err", "-o", "json")
    assert result.exit_code == 0, result.output
    assert [m["rule"] for m in of_type(json_events(result), "match")] == FOUND


@pytest.mark.parametrize("locale", ["nl_NL", "fr_FR", "pl_PL"])
def test_dmesg_ctime_in_another_language_is_read(buffer: Path, tmp_path: Path, locale: str) -> None:
    """`dmesg -T` prints its weekday and month in the language it runs in (`[wo jul 28 05:19:43 2021]`): read as no
    layout before, every line was at the file's time and not the kernel's, and a read-only ext4 went unseen
    (helper-172: SickChill/sickchill#7362). The real dmesg, in a locale built by glibc's localedef."""
    built = tmp_path / "locales"
    built.mkdir()
    subprocess.run(["localedef", "-i", locale, "-f", "UTF-8", str(built / f"{locale}.UTF-8")], check=True,
                   capture_output=True)
    env = {"PATH": "/usr/bin:/bin", "LOCPATH": str(built), "LC_ALL": f"{locale}.UTF-8", "TZ": "UTC"}
    printed = subprocess.run([DMESG, "-F", str(buffer), "-T"], capture_output=True, text=True, check=True, env=env)
    english = subprocess.run([DMESG, "-F", str(buffer), "-T"], capture_output=True, text=True, check=True,
                             env={**env, "LC_ALL": "C"})
    assert printed.stdout != english.stdout  # the stamps are in the locale's words
    paste = tmp_path / "dmesg-T.txt"
    paste.write_text(printed.stdout)
    matches = of_type(json_events(run_cli("scan", "--file", str(paste), "-o", "json")), "match")
    assert [m["rule"] for m in matches] == FOUND
    assert all(m["unit"] == "kernel" for m in matches)
    reference = tmp_path / "dmesg-T-C.txt"
    reference.write_text(english.stdout)
    assert [m["realtime_usec"] for m in matches] == [
        m["realtime_usec"] for m in of_type(json_events(run_cli("scan", "--file", str(reference), "-o", "json")),
                                            "match")]


@pytest.mark.parametrize("layout", ["human", "delta", "show-delta"])
def test_dmesg_relative_times_with_a_decimal_comma_are_read(buffer: Path, tmp_path: Path, layout: str) -> None:
    """dmesg prints `-H`'s and `delta`'s seconds with the locale's decimal point (`[  +0,000002]` in German) and its
    month in the locale's words (`[Dez 6 02:36]`; older releases without a blank, `[Apr19 18:52]`): none of it was
    read as dmesg, so a btrfs corruption was no kernel line (helper-176: maharmstone/btrfs#788). `-d` (`[ 1.000000
    <    0,000000>]`) likewise. The real dmesg, in German, built by glibc's localedef."""
    built = tmp_path / "locales"
    built.mkdir()
    subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", str(built / "de_DE.UTF-8")], check=True,
                   capture_output=True)
    options = {"human": ["--time-format", "reltime"], "delta": ["--time-format", "delta"], "show-delta": ["-d"]}
    env = {"PATH": "/usr/bin:/bin", "LOCPATH": str(built), "LC_ALL": "de_DE.UTF-8", "TZ": "UTC"}
    printed = subprocess.run([DMESG, "-F", str(buffer), *options[layout]], capture_output=True, text=True,
                             check=True, env=env).stdout
    assert "," in printed  # the decimal comma
    paste = tmp_path / f"dmesg-{layout}.txt"
    paste.write_text(printed)
    matches = of_type(json_events(run_cli("scan", "--file", str(paste), "-o", "json")), "match")
    assert [m["rule"] for m in matches] == FOUND
    assert all(m["unit"] == "kernel" for m in matches)
    if layout != "human":  # the hung task to the OOM kill: 18.876544 s, by the deltas or the boot times
        assert matches[-1]["realtime_usec"] - matches[0]["realtime_usec"] == 18_876_544
    old = tmp_path / "dmesg-old-H.txt"  # an older util-linux: `%b%d %H:%M`, no blank
    old.write_text("[Apr19 18:52] BTRFS: error (device nvme0n1p2) in btrfs_commit_transaction:2564: errno=-5 IO "
                   "failure\n[  +0,000002] BTRFS info (device nvme0n1p2): forced readonly\n")
    entries = of_type(json_events(run_cli("scan", "--file", str(old), "-o", "json")), "match")
    assert entries and all(m["unit"] == "kernel" for m in entries)
