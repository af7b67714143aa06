"""A chain's row for a rule whose lines the failure's open incident took says so, not "below its trigger": squid's
transparent proxy failing (trial 74's 05) had `excerpt-failure-template (469 lines in this failure, below its
trigger)` under new-error-template's card, for a rule that fires at 3 lines in 10 minutes: its lines came while
the unit's incident was open and were that incident's evidence, never counted against its own trigger. A rule that
was counted and stayed below its trigger still says that. A real program's log through `scan --file`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from logsentry.views.counts import JOINED


def report(path: Path) -> str:
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1", "TZ": "UTC"}
    return subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                          text=True, env=env, timeout=120, check=True).stdout


def squid(tmp_path: Path, failing: int) -> Path:
    """squid's cache.log: its start, then every intercepted connection's two ERROR lines, `failing` of them."""
    lines = [f"2021/05/22 09:15:{n:02d} kid1| Accepting HTTP Socket connections at local=[::]:{8000 + n} remote=[::] "
             f"FD {12 + n} flags=9" for n in range(20)]
    for n in range(failing):
        minute, second = divmod(20 + n * 2, 60)
        at, peer = f"2021/05/22 09:{15 + minute:02d}:{second:02d} kid1|", f"remote=192.168.0.{32 + n % 5}"
        lines += [f"{at} ERROR: NAT/TPROXY lookup failed to locate original IPs on local=192.168.0.30:8080 "
                  f"{peer}:{49616 + n} FD 11 flags=33",
                  f"{at} ERROR: NF getsockopt(ORIGINAL_DST) failed on local=192.168.0.30:8080 {peer}:{49640 + n} "
                  f"FD 11 flags=33: (2) No such file or directory"]
    path = tmp_path / "cache.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_rule_whose_lines_the_open_incident_took_says_so(tmp_path: Path) -> None:
    card = report(squid(tmp_path, 120))
    rows = [line for line in card.splitlines() if "excerpt-failure-template (" in line]
    assert rows and all(f"lines in this failure, {JOINED})" in row for row in rows), card
    assert "below its trigger" not in card, card


def test_a_rule_counted_below_its_trigger_still_says_so(tmp_path: Path) -> None:
    """Two failing connections: error-burst (50 lines in a minute) counted them and stayed below its trigger."""
    card = report(squid(tmp_path, 2))
    assert "error-burst (4 lines in this failure, below its trigger)" in card and JOINED not in card, card
