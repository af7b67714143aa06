"""An access log line cut to a table's or a card's width keeps its request and status: the report's "below
threshold" table showed an nginx line's client and time and its user agent's end, `10.0.0.5 - - …me/120.0.0.0
Safari/537.36"`, its 502 and the path cut out. A real access log through the real CLI, and fit() itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from logsentry.views.fit import fit

AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
         "Safari/537.36")
LINES = [f'10.0.0.5 - - [05/Dec/2026:10:00:00 +0000] "GET /api/v2/orders?page=1 HTTP/1.1" 200 5123 "-" "{AGENT}"',
         f'10.0.0.5 - - [05/Dec/2026:10:00:01 +0000] "GET /api/v2/orders/88123/invoice.pdf HTTP/1.1" 502 166 '
         f'"https://shop.example.com/account/orders" "{AGENT}"',
         f'10.0.0.9 - - [05/Dec/2026:10:00:02 +0000] "POST /api/v2/checkout HTTP/1.1" 502 166 "-" "{AGENT}"']


def test_the_below_threshold_example_shows_the_request_and_status(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_text("\n".join(LINES) + "\n")
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    report = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(path)], capture_output=True,
                            text=True, env=env, timeout=60, check=True).stdout
    [row] = [line for line in report.splitlines() if "error-burst" in line]
    example = row.rstrip("│ ").rsplit("│", 1)[1].strip()
    assert example.startswith('…"GET /api/v2/') and example.endswith('.pdf…" 502 166…'), report


def test_fit_keeps_the_request_and_status_at_any_width() -> None:
    line = LINES[1]
    for width in range(24, len(line)):
        shown = fit(line, width)
        assert len(shown) <= width and '" 502 166' in shown and shown.startswith('…"GET /'), (width, shown)
    envoy = ('[2026-12-05T10:00:01.312Z] "POST /grpc.health.v1.Health/Check HTTP/2" 503 UF 0 91 1 - "10.0.0.7" '
             '"grpc-go/1.59.0" "2f8e0c54-4b5f-4a39-9a4e-0e0b3c7a1b2d" "backend:8080" "10.0.0.12:8080"')
    assert fit(envoy, 60) == '…"POST /grpc.health.v1.Health/Check HTTP/2" 503…', fit(envoy, 60)
