"""A klog line is shown one way on a card: whole, its header `I1207 09:58:01.399999    1123 file.go:245]` as the
program wrote it, in its quoted lines, its chain and its program's last lines alike (views/own_stamp.py). Its level
letter and date are one word: the last lines cut its time out and read `I 1123 reconciler_common.go:245]` under
the quoted `I1207 10:00:02.500000    1123 eviction_manager.go:366]` (a new user's trial, nu240's 9). A
`journalctl -u kubelet` paste through the real CLI, kubelet's klog lines as its eviction manager writes them
(pkg/kubelet/eviction/eviction_manager.go)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import json_events, of_type, run_cli

KLOG = [
    ("09:58:01", 'I1207 09:58:01.399999    1123 reconciler_common.go:245] "operationExecutor.'
                 'VerifyControllerAttachedVolume started for volume \\"kube-api-access-7xq2m\\"" '
                 'pod="default/web-7d9f8b6c4-x2x9z"'),
    ("10:00:01", 'W1207 10:00:01.500000    1123 eviction_manager.go:349] "Eviction manager: attempting to reclaim" '
                 'resourceName="ephemeral-storage"'),
    ("10:00:02", 'I1207 10:00:02.500000    1123 eviction_manager.go:366] "Eviction manager: must evict pod(s) to '
                 'reclaim" resourceName="ephemeral-storage"'),
]
FRAGMENT = re.compile(r"(?<!\S)[IWEF] +\d+ +\S+\.go:\d+\]")
"""klog's header with its date and time cut out of it, the level letter left alone."""


def test_klog_lines_are_shown_whole_in_every_part_of_a_card(tmp_path: Path) -> None:
    path = tmp_path / "kubelet.txt"
    path.write_text("".join(f"Dec 07 {at} node3 kubelet[1123]: {line}\n" for at, line in KLOG))
    os.utime(path, (1_796_700_000, 1_796_700_000))  # (2026-12-07: the year-less times are 2026's)
    [end] = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident_end")
    assert end["rule"] == "kubelet-evicting-pods", end
    assert [line["message"] for line in end["last_lines"]] == [KLOG[0][1], KLOG[1][1]], end
    env = {**os.environ, "COLUMNS": "400", "TERM": "dumb", "NO_COLOR": "1", "TZ": "UTC"}
    card = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                          text=True, env=env, timeout=60, check=True).stdout
    before = card[card.index("its program's last lines before it:"):]
    assert "I1207 09:58:01.399999    1123 reconciler_common.go:245]" in before, card
    assert "W1207 10:00:01.500000    1123 eviction_manager.go:349]" in before, card
    assert "I1207 10:00:02.500000    1123 eviction_manager.go:366]" in card[:card.index(before)], card
    assert FRAGMENT.search(card) is None, card
    html = tmp_path / "report.html"
    subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path), "--html", str(html)],
                   capture_output=True, env=env, timeout=60, check=True)
    page = html.read_text()
    assert "W1207 10:00:01.500000    1123 eviction_manager.go:349]" in page and FRAGMENT.search(page) is None
