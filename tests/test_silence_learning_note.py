"""A scan says which units' silences it did not look for yet (helper-168 §13: a journal of 34 h, 14 of them a
suspend, and a hang in its last hour: "Nothing found." with no word that no unit was watched)."""

from __future__ import annotations

from typing import Any

from conftest import entry, json_events, of_type, run_cli

SEC = 1_000_000
STEP_S = 20


def steady(hours: float, asleep_after_h: float | None = None, asleep_h: float = 0.0) -> list[dict[str, Any]]:
    """api and worker every 20 s for `hours` of awake time; the host sleeps `asleep_h` after `asleep_after_h`."""
    out = []
    for i in range(int(hours * 3600) // STEP_S):
        mono = i * STEP_S
        wall = mono + (asleep_h * 3600 if asleep_after_h is not None and mono >= asleep_after_h * 3600 else 0)
        for unit, second in (("api.service", 1), ("worker.service", 3)):
            out.append(entry(f"{unit} {i}", unit=unit, at=wall + second, __MONOTONIC_TIMESTAMP=(mono + second) * SEC))
    return out


def summary(events: list[dict[str, Any]]) -> dict[str, Any]:
    return of_type(events, "summary")[0]["silence"]


def test_a_scan_shorter_than_a_day_says_no_unit_was_watched(make_journal):
    journal = make_journal(steady(20, asleep_after_h=10, asleep_h=14))  # 34 h of stamps, 20 of them awake
    said = summary(json_events(run_cli("scan", "--file", str(journal), "-o", "json")))
    assert (said["rule"], said["units"], said["watched_units"], said["learning_units"]) == \
        ("unit-went-silent", 2, 0, 2)
    assert 19 * 3600 * SEC < said["most_learnt_usec"] < 20 * 3600 * SEC  # awake time: the 14 h asleep left out
    report = " ".join(run_cli("scan", "--file", str(journal)).output.split())
    assert "Silence (unit-went-silent): no unit was watched yet: the lines of each of the 2 units with lines " \
           "enough cover less than the 1d a unit is watched after (the most 19h 59m" in report, report
    assert "so their silences were not looked for." in report


def test_a_scan_of_more_than_a_day_watches_them_and_says_nothing_of_it(make_journal):
    journal = make_journal(steady(26))
    said = summary(json_events(run_cli("scan", "--file", str(journal), "-o", "json")))
    assert (said["watched_units"], said["learning_units"]) == (2, 0)
    assert "Silence (" not in run_cli("scan", "--file", str(journal)).output


def test_a_unit_that_came_late_is_named_among_the_watched_ones(make_journal):
    late = [entry(f"late {i}", unit="late.service", at=25 * 3600 + i * 20 + 5,
                  __MONOTONIC_TIMESTAMP=(25 * 3600 + i * 20 + 5) * SEC) for i in range(70)]  # (min_entries: 60)
    journal = make_journal(sorted(steady(26) + late, key=lambda e: e["__REALTIME_TIMESTAMP"]))
    said = summary(json_events(run_cli("scan", "--file", str(journal), "-o", "json")))
    assert (said["watched_units"], said["learning_units"]) == (2, 1)
    report = " ".join(run_cli("scan", "--file", str(journal)).output.split())
    assert "Silence (unit-went-silent): 1 of 3 units were not watched yet" in report, report


def test_a_text_that_ended_hours_ago_says_a_silence_after_it_is_not_in_it(tmp_path):
    """helper-170's trial: `journalctl -u myapp | logsentry scan --file -`, myapp hung 3 h before: its last line is
    the input's, and the report said "Nothing found." as an all-clear."""
    import time
    end = int(time.time()) - 3 * 3600
    lines = [time.strftime("%Y-%m-%dT%H:%M:%S+0000 web01 myapi[42]: tick ok", time.gmtime(end - k * 20))
             for k in range(26 * 3600 // 20)][::-1]
    text = "\n".join(lines) + "\n"
    report = " ".join(run_cli("scan", "--file", "-", input=text.encode()).output.split())
    assert "ago: a silence after its last lines, longer than the " in report, report
    assert "that pages a watched unit, is not in it. To judge one, scan the journal itself" in report
    short = "\n".join(lines[-10:]) + "\n"  # (no unit watched: no silence it could page)
    assert "is not in it" not in run_cli("scan", "--file", "-", input=short.encode()).output


def test_a_paste_of_minutes_says_nothing_of_silence(tmp_path, make_journal):
    """A paste of a few minutes is a moment of its units' rhythm: "its lines cover 1m 10s, less than the 1d a unit is
    watched after" was noise under its card (rough edge 65's 7). An hour or more of lines still says it."""
    paste = tmp_path / "paste.txt"
    paste.write_text("".join(f"Dec  4 09:{i // 60:02d}:{i % 60:02d} app01 api[812]: GET /health 200 {i}\n"
                             for i in range(0, 70 * 2, 2)))
    said = summary(json_events(run_cli("scan", "--file", str(paste), "-o", "json")))
    assert (said["units"], said["watched_units"], said["learning_units"]) == (1, 0, 1), said
    assert "Silence (" not in run_cli("scan", "--file", str(paste)).output
    report = " ".join(run_cli("scan", "--file", str(make_journal(steady(1.1)))).output.split())
    assert "Silence (unit-went-silent): no unit was watched yet" in report, report


def test_a_log_of_hours_says_nothing_of_silence_but_its_json_does(tmp_path):
    """A saved log of 4 h (no journal) got "Silence (unit-went-silent): the unit was not watched yet: its lines cover
    3h 55m, less than the 1d ..." under every scan: noise on a log read for its failures (newuser76's 15). The
    JSON summary keeps it; a log of most of a day still says it."""
    def log(hours: int) -> str:
        return "".join(f"2026-12-04T{h:02d}:{m:02d}:00+0000 app01 api[812]: GET /health 200\n"
                       for h in range(hours) for m in range(0, 60, 2))
    path = tmp_path / "api.log"
    path.write_text(log(4))
    said = summary(json_events(run_cli("scan", "--file", str(path), "-o", "json")))
    assert (said["units"], said["watched_units"], said["learning_units"]) == (1, 0, 1), said
    assert "Silence (" not in run_cli("scan", "--file", str(path)).output
    path.write_text(log(14))
    assert "Silence (unit-went-silent): the unit was not watched yet" in \
        " ".join(run_cli("scan", "--file", str(path)).output.split())
