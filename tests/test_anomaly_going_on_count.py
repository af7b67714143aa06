"""A line the incident's own rule hits is one of its lines, not also a line of its failure going on
(engine/owners.py going_on, for a failure's lines its rule does not hit)."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import json_events, of_type, run_cli

START = 1_796_400_000


def test_a_new_error_repeating_is_counted_once_not_also_as_going_on(tmp_path: Path) -> None:
    """helper-170's trial: a new error line every 10 s for 20 min, 120 lines, was told "120 matching lines in all and
    117 more lines of its failure": each line the incident's own rule hits was counted again as its failure going
    on (engine/owners.py going_on), which is for lines its rule does not hit."""
    out = []
    for i in range(3 * 3600 // 2):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(START + i * 2))
        out.append(f"{stamp} web01 cartd[300]: INFO cart updated id={i % 977} items={i % 7}")
        if 2 * 3600 <= i * 2 < 2 * 3600 + 1200 and i * 2 % 10 == 0:
            out.append(f"{stamp} web01 cartd[300]: ERROR could not acquire connection from pool: timeout after "
                       "30000ms (pool size 20, active 20)")
    path = tmp_path / "cartd.log"
    path.write_text("\n".join(out) + "\n")
    lines = sum("pool" in o for o in out)
    ended = [r for r in of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident_end")
             if r["rule"] == "new-error-template"]
    assert len(ended) == 1 and ended[0]["count"] + ended[0]["going_on"] == lines == 120, (lines, ended)
