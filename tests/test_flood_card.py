"""A new-template-flood incident's card tells what its rule judged (a fresh user's trial): it said "first hit" of
the firing line and "trigger: 1 hit within 1m", while 601 lines of the new template within 1m against the unit's
usual 60 fired it. The report, the HTML card and `tail` tell the flood's own counts, the numbers of its `why`
(which `-o json` carries), through the real CLI on a journal file written by systemd-journal-remote."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from test_anomaly import HOUR, by_time
from test_anomaly_flood import GATEWAY, served, storm
from test_persistence_card import ROOT, _cli, _tail_incident

RULES = ("--no-shipped-rules", "--rules", str(ROOT / "rules" / "anomaly" / "new-template-flood.toml"))


def test_the_flood_card_tells_the_floods_counts(make_journal: Callable[..., Path], tmp_path: Path) -> None:
    fail = 30 * HOUR  # past the rule's day of warm-up; a request every 10 s (10,800 of them) is history enough
    journal = make_journal(by_time(served(GATEWAY, 0, fail + 300, 10.0), storm(GATEWAY, fail, 300)))
    [incident] = [json.loads(line) for line in _cli("scan", "--file", str(journal), *RULES, "-o", "json").splitlines()
                  if '"type":"incident"' in line]
    why = re.match(r"(\d+) lines within 1m .*, first seen (\S+ \S+); the unit logs ([\d.]+) lines .* at most (\d+) in "
                   r"two minutes usually", incident["why"])
    assert why is not None, incident["why"]
    seen, first, usual, busiest = int(why[1]), why[2], why[3], int(why[4])
    told = (f"new template first seen {first}; fired 2026-01-02 06:00:"  # (the storm began at 06:00:00)
            r"\d\d\.\d{3} at " f"{seen:,} lines of it within 1m, against the unit's usual {usual} lines of all its "
            f"templates in 1m and its busiest template's {busiest} in two minutes; last line 2026-01-02 06:04:"
            r"\d\d\.\d{3}: [\d,]+ lines since it fired, over 4m \d+s")
    report = " ".join(_cli("scan", "--file", str(journal), *RULES, "--html", str(tmp_path / "r.html"))
                      .replace("│", " ").split())  # the card's wrapped lines as one
    card = report[report.index("new-template-flood"):]
    assert re.search(told, card), card
    assert "trigger: 1 hit" not in card and "first hit" not in card, card
    page = " ".join((tmp_path / "r.html").read_text().replace("&#x27;", "'").split())
    assert re.search(told, page) and "trigger: 1 hit" not in page
    line = _tail_incident(journal, RULES)
    assert re.search(r" lines since 06:00:\d\d\.\d{3} \(fired at " f"{seen:,} within 1m; usual {usual} of all its "
                     f"lines, its busiest template {busiest} in two minutes\\)", line), line
    assert "fires at 1 within" not in line
