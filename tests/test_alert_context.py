"""What an alert quotes and says beside its hit: the unit's last lines up to the hit even when a line holds bytes
that are not UTF-8 (the scanner's runs keep raw bytes, hits carry the decoded text), the program's name for
lines of no unit ("(cron)"), and `rules check`'s and the README's words about the anomaly rules' bar.

Real parts: journals written by systemd-journal-remote (a file, and a live one fed through a FIFO to
`logsentry run`, alerting by apprise json:// to a receiver on 127.0.0.1); the ScreenedRuns the C scanner makes of
them. The renderings and ServiceAlerts' choice of copy are pure functions tested as such."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import OrderedDict, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import BOOT, LiveJournal, entry, run_cli
from test_alert_words import burst_alert
from test_readme_journal_remote import WEB7, recipe
from test_rules_check_anomaly import SHIPPED, said_about

from logsentry.actions.alert import MAX_LINE, body, headline, incident_payload, title
from logsentry.engine.detector import Detector
from logsentry.model import Incident, ScreenedRun, Severity, entry_key
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.screened_lines import lines_up_to
from logsentry.service_alerts import HitLines, Line
from logsentry.service_journal import ServiceReading
from logsentry.sources import Selection, open_entries
from logsentry.sources.journal_files import export_bytes
from logsentry.timespec import format_usec

SEC = 1_000_000
MINUTE = 60 * SEC
LAGGING = "shard {} lagging \xff behind its leader"
"""A warning whose one byte 0xff is no UTF-8 (written as latin-1): the journal keeps it as it came."""


def test_a_hit_on_a_line_that_is_not_utf8_is_found_in_its_run(make_journal: Callable[..., Path]) -> None:
    """lines_up_to finds each entry of every run the scanner made (bad bytes, a 4-byte character, a line of
    2,100 bytes cut inside a character by its 2,004-byte look), by its decoded message as a hit carries it: the
    lines up to it are its unit's, as a walk of run.entries() gives them. Before, any line with a bad byte in
    its first 200 bytes was never found (its bytes were compared with the decoded text re-encoded)."""
    texts: list[str | bytes] = [b"shard 1 lagging \xff behind", "caf\u00e9 \U0001f600 served", "\u20ac" * 700,
                                b"\xff" * 600, "x" * 1998 + "\u00e9" * 10, "plain line", b"\xc3 cut \xe2\x82"]
    rows = [entry(texts[n % len(texts)] if n % 3 else f"GET /item/{n} 200", unit=("a.service", "b.service")[n % 2],
                  at=n * 0.01) for n in range(300)]
    rows.insert(199, entry(b"same time, other text \xfe", unit="b.service", at=198 * 0.01))  # a.service's time
    detector = Detector(load_rules([shipped_rules_dir()]).rules)
    items = list(open_entries(Selection(), files=[make_journal(rows)], extra_fields=detector.needed_fields,
                              screen=detector.screen()))
    runs = [item for item in items if isinstance(item, ScreenedRun)]
    assert sum(run.count for run in runs) == len(rows) - 1  # (the boot's first entry comes in full: host_boots.py)
    checked = 0
    for run in runs:
        seen: dict[str, list[Line]] = {}
        after = 0
        for index, one in enumerate(run.entries(), start=run.first_index):
            key = entry_key(one)
            seen.setdefault(key, []).append((one.realtime_usec, one.message[:MAX_LINE]))
            got, at = lines_up_to(run, key, one.realtime_usec, one.message, 4, after)
            assert (got, at) == (seen[key][-4:], index), (one.message[:40], index)
            after = at
            checked += "\ufffd" in one.message
    assert checked > 50


def test_a_hit_whose_text_is_not_in_the_run_takes_the_lines_up_to_its_time(make_journal: Callable[..., Path]) \
        -> None:
    """No entry at the hit's time has its text (never expected, but a decoding may differ): the lines up to the
    unit's entry at that time beat none."""
    rows = [entry(f"line {n}", unit="a.service", at=n * 0.5) for n in range(40)]
    items = list(open_entries(Selection(), files=[make_journal(rows)], screen=Detector([]).screen()))
    [run] = [item for item in items if isinstance(item, ScreenedRun)]  # (line 0, the boot's first, comes in full)
    tenth = list(run.entries())[9]
    got, at = lines_up_to(run, entry_key(tenth), tenth.realtime_usec, "no such text", 3)
    assert [line for _, line in got] == ["line 8", "line 9", "line 10"] and at == run.first_index + 9
    assert lines_up_to(run, entry_key(tenth), tenth.realtime_usec + 1, "line 10", 3) == ([], 0)  # no such time


class _Context(ServiceReading):
    """The two line stores of ServiceAlerts alone (Service.__init__ sets the rest): pure logic."""

    def __init__(self) -> None:
        self.context = OrderedDict()
        self.hit_context = OrderedDict()


def test_no_empty_copy_is_kept_for_a_hit_whose_unit_has_lines() -> None:
    """A hit whose lines could not be taken (no copy) is quoted from the unit's lines kept by its alert's time
    up to the hit; before, an empty copy was kept and the alert quoted none."""
    service = _Context()
    service._remember_hit("api.service", 2 * SEC, "boom", [])
    service.context["api.service"] = deque([(SEC, "before"), (2 * SEC, "boom"), (3 * SEC, "after")])
    hit = Incident(rule_id="r", severity=Severity.ERROR, unit="api.service", key="", first_usec=2 * SEC,
                   fired_usec=2 * SEC, last_usec=2 * SEC, count=1, threshold=1, within_usec=MINUTE, cursor="",
                   samples=("boom",), action="alert")
    kept: deque[HitLines] = service.hit_context.get("api.service", deque())
    assert list(kept) == []
    assert service._context_of(hit) == ([f"{format_usec(SEC)} before", f"{format_usec(2 * SEC)} boom"],
                                        [f"{format_usec(3 * SEC)} after"])


def test_an_alert_quotes_the_lines_up_to_a_hit_on_a_line_that_is_not_utf8(live_journal: LiveJournal,
                                                                         tmp_path: Path) -> None:
    """A warm api.service logs twelve warnings of a new template with a byte 0xff in each (summarised in a
    screened run, where new-warning-template finds its 10th hit): the alert quotes the run's lines up to the
    10th, each with U+FFFD for the byte. Before, it quoted no line at all."""
    firing = burst_alert(live_journal, tmp_path, lambda n: LAGGING.format(n).encode("latin-1"))
    text = firing["message"]
    assert "keeps logging a warning it never logged before" in firing["title"], text
    block = text[text.index("last lines of api.service up to the hit that fired it ("):].splitlines()[1:]
    assert [line.strip().split(" ", 2)[2] for line in block] == [
        LAGGING.format(n).replace("\xff", "\ufffd") for n in range(10)], text


def payload(unit: str, rule_title: str = "A unit logs an error it never logged before") -> dict[str, Any]:
    made = incident_payload("firing", Incident(
        rule_id="new-error-template", severity=Severity.ERROR, unit=unit, key="", first_usec=SEC, fired_usec=SEC,
        last_usec=SEC, count=3, threshold=3, within_usec=MINUTE, cursor="c", samples=("boom",), action="alert"),
        "vm", "error incident", source=())
    made["rule_title"] = rule_title
    return made


def test_an_alert_of_lines_of_no_unit_names_their_program() -> None:
    """A cron job's lines (no trusted unit: "(cron)", the identifier) are named as a unit is; a host's alert
    ("(host)") is not, its title names the host."""
    assert title(payload("(cron)")) == ("[logsentry vm] ERROR (cron) logs an error it never logged before "
                                        "(new-error-template)")
    assert body(payload("(cron)")).splitlines()[0] == ("(cron) logs an error it never logged before (rule "
                                                       "new-error-template, error)")
    assert headline(payload("(cron)", "Redis: background save failed")) == "(cron): Redis: background save failed"
    assert headline({**payload("(host)", ""), "rule": "host-went-silent"}) == "the host's journal stopped arriving"


def test_rules_check_says_the_bar_the_engine_uses(tmp_path: Path) -> None:
    """The bar is 1.5x the busiest two minutes of the last 14 days (engine/baseline.py Minutes, PEAK_DAYS),
    scaled up to a rate rule's window longer than two minutes (_spike), never for a share rule (_share)."""
    out = run_cli("rules", "check", "--explain", "ERROR: connection refused by db-1").stdout
    assert said_about(out, "error-rate-spike")[0].endswith(
        "and more than 1.5x the busiest two minutes of the unit's error-level lines in the last 14 days")
    assert said_about(out, "template-rate-spike")[0].endswith(
        "and more than 1.5x the busiest two minutes of the template's lines in the last 14 days")
    assert said_about(out, "error-share-sustained")[0].endswith(
        "and more than 1.5x the busiest two minutes of the unit's error-level lines in the last 14 days, not "
        "scaled up to the 30m window")
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (SHIPPED / "error-rate-spike.toml").read_text()
    (rules / "slow-error-rate.toml").write_text(text.replace('id = "error-rate-spike"', 'id = "slow-error-rate"')
                                     .replace('within = "1m"', 'within = "10m"').split("[[scenario]]")[0])
    out = run_cli("rules", "check", "--explain", "--no-shipped-rules", "--rules", str(rules), "ERROR: boom").stdout
    assert said_about(out, "slow-error-rate")[0].endswith("in the last 14 days, times 5 for the 10m window"), out


def test_the_readme_recipe_run_twice_gives_each_entry_once(tmp_path: Path) -> None:
    """systemd-journal-remote appends to an output file that exists: the recipe removes it first, so a second
    run (the same export, or a newer one) does not count each entry twice."""
    (tmp_path / "web-7.export").write_bytes(export_bytes(
        [entry(f"GET /item/{i} 200", unit="api.service", at=i, _MACHINE_ID=WEB7, _HOSTNAME="web-7", _BOOT_ID=BOOT)
         for i in range(6)]))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    for _ in range(2):
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(recipe())], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert "logsentry scan: 6 entries" in done.stdout, done.stdout
