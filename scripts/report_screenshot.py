#!/usr/bin/env python3
"""The README's picture: the HTML report (`logsentry scan --html`) of the 2020 outage replay, opened in headless
Chromium (Debian's `chromium`; installed by scripts/setup) and screenshotted.

    .venv/bin/python scripts/report_screenshot.py [OUT.png]     # default docs/report.png

Chromium runs with no network of its own (the page needs none: everything is inline) and a new empty profile.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from logsentry.demo.outage import outage_entries
from logsentry.sources.journal_files import build_journal, export_bytes

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--proxy-server=127.0.0.1:9"]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "report.png"
    chromium = shutil.which("chromium") or sys.exit("chromium is needed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="logsentry-shot-") as tmp:
        work = Path(tmp)
        journal = build_journal(export_bytes(list(outage_entries())), work / "cachix-2020-12-20.journal")
        page = work / "outage.html"
        subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(journal), "--html", str(page)],
                       check=True, stdout=subprocess.DEVNULL, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}", "--window-size=1200,1250",
                        "--virtual-time-budget=5000", f"--screenshot={out}", page.as_uri()],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    print(f"{out}: {out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
