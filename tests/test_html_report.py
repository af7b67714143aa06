"""`scan --html`: one self-contained page, opened in a real headless Chromium with no network; log text in it
is text, never markup or script."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import entry, run_cli

CHROMIUM = shutil.which("chromium")
CHROMIUM_OWN = {"accounts.google.com", "update.googleapis.com", "clients1.google.com", "clients2.google.com",
                "clientservices.googleapis.com", "safebrowsing.googleapis.com", "redirector.gvt1.com",
                "optimizationguide-pa.googleapis.com", "content-autofill.googleapis.com"}
"""Hosts Chromium itself calls (updates, sign-in, time) in the background, whatever the page."""
HOSTILE_UNIT = 'x</script><script>document.title="pwned"</script>.service'
HOSTILE_LINE = ('Out of memory: Killed process 4242 (node) '
                '</pre><img id="pwn" src=x onerror="document.title=\'pwned\'"><script>alert(1)</script>')
MVAR = "cachix-server: thread blocked indefinitely in an MVar operation"


def _scan_html(make_journal: Callable[..., Path], tmp_path: Path) -> Path:
    entries = [entry("starting", at=0, _HOSTNAME="web1", unit=HOSTILE_UNIT)]
    entries += [entry(MVAR, at=10 + i, priority=3, _HOSTNAME="web1", unit=HOSTILE_UNIT) for i in range(5)]
    entries += [entry(HOSTILE_LINE, unit=None, at=30, priority=3,
                      _TRANSPORT="kernel", SYSLOG_IDENTIFIER="kernel", _HOSTNAME="db1")]
    journal = make_journal(entries)
    page = tmp_path / "report.html"
    result = run_cli("scan", "--file", str(journal), "--html", str(page))
    assert result.exit_code == 0, result.output
    return page


def test_html_is_self_contained_and_escaped(make_journal: Callable[..., Path], tmp_path: Path) -> None:
    page = _scan_html(make_journal, tmp_path).read_text()
    # everything inline: no script, style, image or link fetched from anywhere
    assert not re.search(r"<(?:script|img|link|iframe)[^>]*\s(?:src|href)\s*=", page, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page, re.I) and "fonts.googleapis" not in page
    assert "Plotly.newPlot" in page or "plotly" in page.lower()
    # the input's markup is text: none of it survives as a tag, in the page or in the chart's data
    assert "<img id=" not in page and 'document.title="pwned"</script>' not in page
    assert "&lt;img id=&quot;pwn&quot;" in page and "&lt;/script&gt;" in page
    assert page.count("<script") == page.count("</script>")
    # cards: evidence lines, journalctl command, both hosts, the dry-run actions
    assert "journalctl --file" in page and " -u " in page and "web1" in page and "db1" in page and "(dry run)" in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is needed (scripts/setup installs it)")
def test_html_renders_in_chromium_without_network(make_journal: Callable[..., Path], tmp_path: Path) -> None:
    assert CHROMIUM is not None
    page = _scan_html(make_journal, tmp_path)
    dom, urls = _open(page, tmp_path / "page")
    assert 'class="main-svg"' in dom  # plotly's JS ran and drew the chart
    assert "<title>logsentry scan</title>" in dom  # no injected script renamed the page
    assert '<img id="pwn"' not in dom and '&lt;img id="pwn"' in dom  # text, not an element
    assert urls == set()  # nothing fetched
    control = tmp_path / "control.html"  # the network log does see a page's fetches
    control.write_text('<img src="http://127.0.0.1:9/logo.png">')
    assert "http://127.0.0.1:9/logo.png" in _open(control, tmp_path / "control")[1]


def _open(page: Path, work: Path) -> tuple[str, set[str]]:
    """The DOM after the page's scripts ran in headless Chromium, and the URLs it requested (its network log;
    Chromium's own time queries are turned off)."""
    assert CHROMIUM is not None
    netlog = work / "net.json"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-features=NetworkTimeServiceQuerying", f"--user-data-dir={work / 'profile'}",
             f"--log-net-log={netlog}", "--virtual-time-budget=4000"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    urls = set(re.findall(r'"url":"([^"]*)"', netlog.read_text()))
    return dom, {url for url in urls if re.sub(r"^\w+://([^/:]*).*", r"\1", url) not in CHROMIUM_OWN}


def test_html_without_the_extra_names_it(make_journal: Callable[..., Path], tmp_path: Path) -> None:
    journal = make_journal([entry("hello", at=0)])
    code = ("import sys; sys.modules['plotly'] = None\n"  # as if the report extra were not installed
            "from logsentry.cli import main; main()")
    result = subprocess.run([sys.executable, "-c", code, "scan", "--file", str(journal), "--html",
                             str(tmp_path / "r.html")], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "100"})
    assert result.returncode == 2 and "pip install '.[report]'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "r.html").exists()


def _traces(page: str, group: str) -> dict[str, list[float]]:
    """The chart's rate traces of one legend group ("rule" or "unit"): name -> y values."""
    data = json.loads(re.search(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*\{", page, re.S).group(1))
    return {trace["name"]: trace["y"] for trace in data if trace.get("legendgroup") == group}


def test_rates_are_counts_per_bin_below_a_minute_and_per_minute_above(make_journal: Callable[..., Path],
                                                                       tmp_path: Path) -> None:
    """A page over seconds has 1 s bins: three matches in one of them were drawn as 180 a minute (helper U3);
    below a minute a bin shows its own count, and says so. Over hours, rates stay per minute."""
    short = make_journal([entry(MVAR, at=s, priority=3) for s in (2, 2.3, 2.6, 7)], name="short.journal")
    page = tmp_path / "short.html"
    assert run_cli("scan", "--file", str(short), "--html", str(page)).exit_code == 0
    html = page.read_text()
    rules = _traces(html, "rule")
    assert rules, html
    for values in rules.values():  # (the MVar line matches more than one rule: the unit's trace adds them up)
        assert sorted(values)[-2:] == [1, 3] and sum(values) == 4, rules
    assert "matches per 1 s by unit" in html and "matches per minute" not in html
    long = make_journal([entry(MVAR, at=s, priority=3) for s in (0, 1, 2, 3, 4, 5, 3 * 3600)], name="long.journal")
    page = tmp_path / "long.html"
    assert run_cli("scan", "--file", str(long), "--html", str(page)).exit_code == 0
    html = page.read_text()
    number, unit = re.search(r"matches per minute by rule \((\d+)(m|h) bins\)", html).groups()
    width = int(number) * (60 if unit == "m" else 3600)
    for values in _traces(html, "rule").values():
        assert max(values) == 6 * 60 / width and sum(values) == 7 * 60 / width, values
