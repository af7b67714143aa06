"""Plain dmesg's times are seconds since boot: the terminal report, the HTML page and -o json's human fields show
them so (`1843.202 s after boot`), never as a 1970 date (timespec.BOOT_RELATIVE). A new user's NVMe card read
`first matching line 1970-01-01 00:30:43.202 UTC` (nu240's 8). The paste is what util-linux dmesg prints of a kernel
buffer (`dmesg -F`), the NVMe lines drivers/nvme/host/pci.c's; -o json's realtime_usec stays the µs read."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import json_events, of_type, run_cli

DMESG = shutil.which("dmesg") or "/usr/bin/dmesg"
BOOT = [(6, 0.0, "Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) #49-Ubuntu SMP PREEMPT_DYNAMIC"),
        *((6, 0.1 + n / 10, f"pci 0000:00:{n:02x}.0: [8086:a0{n:02x}] type 00 class 0x060000") for n in range(30)),
        (6, 4.2, "nvme nvme0: pci function 0000:02:00.0")]
TIMEOUTS = [(4, 1843.202 + n / 1000, f"nvme nvme0: I/O {421 + n} QID 3 timeout, aborting") for n in range(3)]
RESETS = [(4, 1873.7105, "nvme nvme0: I/O 421 QID 3 timeout, reset controller")]


def strings(value: Any) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def test_dmesg_times_are_shown_as_seconds_after_boot(tmp_path: Path) -> None:
    raw = tmp_path / "kmsg.raw"
    raw.write_text("".join(f"<{pri}>[{seconds:12.6f}] {text}\n" for pri, seconds, text in BOOT + TIMEOUTS + RESETS))
    paste = tmp_path / "dmesg.txt"
    paste.write_text(subprocess.run([DMESG, "-F", str(raw)], capture_output=True, text=True, check=True).stdout)
    assert paste.read_text().startswith("[    0.000000] Linux version")

    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1", "TZ": "UTC"}
    html = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(paste), "--html", str(html)],
                          capture_output=True, text=True, env=env, timeout=60, check=True)
    report = done.stdout
    assert "first matching line 1843.202 s after boot;" in report, report
    assert "entries from 0.000 s after boot to 1873.710 s," in report, report
    assert "1970" not in report, report
    assert "seconds since boot" in done.stderr  # (the reader's note: -o json's µs count from 1970-01-01)
    page = re.sub(r"<script.*?</script>", "", html.read_text(), flags=re.S)  # (plotly's own code names 1970)
    assert "first matching line 1843.202 s after boot" in page and "1970" not in page, page
    assert '"type":"linear"' in html.read_text()  # (the chart's axis: seconds, not dates)

    result = run_cli("scan", "--file", str(paste), "-o", "json")
    events = json_events(result)
    [end] = of_type(events, "incident_end")
    assert end["rule"] == "kernel-nvme-timeout" and end["first_usec"] == 1_843_202_000
    said = [text for event in events if event["type"] != "match" for text in strings(event)]
    assert any("s after boot" in text for text in said), said  # (the `why` of the rules that judged it new)
    assert not [text for text in said if "1970" in text], said
