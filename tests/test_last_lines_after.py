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
