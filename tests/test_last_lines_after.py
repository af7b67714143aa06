"""A text's incident of a rule that names its cause shows its unit's first lines after its last hit, within its
window: a Redis replica that retried its master ("Error condition on socket for SYNC: Connection refused" each
second) and then shut down carded its retries and the lines before them, and its "User requested shutdown..." and
"Redis is now ready to exit, bye bye..." were on no card. Real files through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import json_events, of_type, run_cli

RULE = "redis-replica-master-unreachable"
AFTER = ["1:S 04 Dec 2026 09:01:10.200 # User requested shutdown...",
         "1:S 04 Dec 2026 09:01:10.201 * Removing the pid file.",
         "1:S 04 Dec 2026 09:01:10.202 # Redis is now ready to exit, bye bye..."]


def redis_log(tmp_path: Path) -> Path:
    """A replica's own log: started, its master refuses each second for 70 s, then it is stopped."""
    lines = ["1:C 04 Dec 2026 09:00:00.001 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
             "1:S 04 Dec 2026 09:00:00.004 * Ready to accept connections tcp"]
    for second in range(70):
        at = f"04 Dec 2026 09:{second // 60:02d}:{second % 60:02d}"
        lines += [f"1:S {at}.101 * Connecting to MASTER 10.0.0.7:6379",
                  f"1:S {at}.101 * MASTER <-> REPLICA sync started",
                  f"1:S {at}.102 # Error condition on socket for SYNC: Connection refused"]
    path = tmp_path / "redis.log"
    path.write_text("\n".join([*lines, *AFTER]) + "\n")
    return path


def test_the_lines_after_its_last_hit(tmp_path: Path) -> None:
    path = redis_log(tmp_path)
    ends = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident_end")
    [end] = [event for event in ends if event["rule"] == RULE]
    assert [line["message"] for line in end["lines_after"]] == AFTER, end
    env = {**os.environ, "COLUMNS": "120", "TERM": "dumb", "NO_COLOR": "1", "TZ": "UTC"}
    report = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                            text=True, env=env, timeout=60, check=True).stdout
    card = report[report.index(f"(redis)  {RULE}"):]
    card = card[:card.index("╰")]
    shown = card[card.index("its program's lines after its last one:"):].splitlines()[1:]
    # (Redis's own time shown once, in the time column: views/own_stamp.py)
    assert [line.strip("│ ") for line in shown] == [f"{line[16:28]} 1:S {line[29:]}" for line in AFTER], card
    # Lines after its window are no outcome of it: none.
    later = "1:S 04 Dec 2026 09:20:00.000 * MASTER <-> REPLICA sync: Finished with success"
    path.write_text(path.read_text().replace("\n".join(AFTER), later))
    ends = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident_end")
    [end] = [event for event in ends if event["rule"] == RULE]
    assert "lines_after" not in end, end


SEGFAULTS = """\
[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP
[ 1234.567890] myapp[4242]: segfault at 0 ip 000055d0c0a1b2c3 sp 00007ffd4c3b2a10 error 4 in \
myapp[55d0c0a00000+20000] likely on CPU 1 (core 1, socket 0)
[ 1234.567901] Code: 48 8b 45 f8 48 89 c7 e8 5c fe ff ff 48 8b 45 f8 <8b> 00 89 c6 48 8d 05 9a 0e 00 00 48 89 c7
[ 1300.000000] usb 1-1: new high-speed USB device number 2 using xhci_hcd
[ 1400.100000] worker[5151]: segfault at 8 ip 00007f1e2c3d4e5f sp 00007ffc1a2b3c40 error 6 in \
libfoo.so.1[7f1e2c3d0000+8000] likely on CPU 0 (core 0, socket 0)
[ 1400.100010] Code: 00 00 00 48 89 df e8 aa bb cc dd 48 8b 43 08 <48> 89 28 5b 5d c3 0f 1f 80 00 00 00 00 f3 0f
"""


def test_each_segfaults_code_line_is_on_its_own_card(tmp_path: Path) -> None:
    """helper-223: two incidents of one rule in one unit (the kernel's segfaults, one per command, all `kernel`'s):
    the lines after each are those after its own last hit, up to the rule's next hit there. The lines after the
    latest hit were every incident's: the first segfault's card showed the second's `Code: ...` line (show_opcodes,
    printed right after show_signal_msg's line), and its own was on no card but as the next one's lines before."""
    path = tmp_path / "dmesg.txt"
    path.write_text(SEGFAULTS)
    ends = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident_end")
    after = {end["key"]: [line["message"] for line in end.get("lines_after", ())]
             for end in ends if end["rule"] == "kernel-segfault"}
    # (USB's line 65 s on is no kernel line near myapp's segfault: sources/last_lines.py kernel_near)
    assert after == {"myapp": [SEGFAULTS.splitlines()[2][15:]],
                     "worker": [SEGFAULTS.splitlines()[5][15:]]}, ends
