"""Entries the scanner summarises (ScreenedRun spans) keep their `_HOSTNAME`: a collector's records, alerts and
reports name the host of an anomaly or silence found on them, as they do for entries read in full. Each span
has one host name; an entry whose machine changed its name within a run is read in full."""

from __future__ import annotations

from pathlib import Path

from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies, steady
from test_screening import SHIPPED, assert_same_events, flatten, screened_items, write_journal

from logsentry.model import ScreenedRun

ALPHA, BETA = "a" * 32, "b" * 32


def on(machine: str, host: str | None, records: list[dict]) -> list[dict]:
    fields = {"_MACHINE_ID": machine, **({"_HOSTNAME": host} if host is not None else {})}
    return [{**record, **fields} for record in records]


def test_an_anomaly_on_summarised_lines_names_its_host(make_journal):
    """Two hosts of a collector, the same unit on each; beta's starts failing in new words. The anomaly rules
    alone screen every entry out (no signature needs one in full), so the incident is found on run entries."""
    unit = "api.service"
    errors = [entry(f"payment backend refused order {n}: circuit open", unit=unit, at=2 * HOUR + n, priority=3)
              for n in range(4)]
    journal = make_journal(by_time(on(ALPHA, "alpha", steady(unit, 0, 2.1 * HOUR, 5)),
                                   on(BETA, "beta", steady(unit, 1, 2.1 * HOUR, 5, seed=2)),
                                   on(BETA, "beta", errors)))
    found = scan_anomalies(journal)
    assert [(i["rule"], i["machine_id"], i["host"]) for i in found] == [("new-error-template", BETA, "beta")]


def test_a_machine_renamed_within_a_run_keeps_each_entrys_name(tmp_path: Path):
    """hostnamectl set-hostname while a unit logs: the entries before say the old name, those after the new one
    (and odd values: none, empty, several, non-ASCII), whether read in full or summarised."""
    names: list[str | None] = ["old", "old", "new", None, "new", "", "wéb", "new"]
    records = []
    for n in range(400):
        host = names[n // 50]
        fields = {"_HOSTNAME": host} if host is not None else {}
        records.append(entry(f"request {n} served", unit="web.service", at=n * 0.5, _MACHINE_ID=ALPHA, **fields))
    journal = write_journal(tmp_path, "renamed", records)
    items = screened_items(journal)
    assert any(isinstance(item, ScreenedRun) and item.count > 10 for item in items), "nothing was summarised"
    spans = {span[7] for item in items if isinstance(item, ScreenedRun) for span in item.spans}
    assert {"old", "new", ""} <= spans, spans
    seen = [got.host for _, got in flatten(items)]
    assert seen == [name or "" for name in names for _ in range(50)]
    assert_same_events(SHIPPED, files=[journal])


def test_a_silence_whose_last_line_was_summarised_names_its_host(tmp_path: Path):
    """The silence tracker folds a run without replaying its entries: the unit's last sign of life is then the
    run's span, whose host the silence's incident and gap name (a plain `scan -D` of a collector's directory gave
    host "", helper N's fresh-user try)."""
    from test_screening import pipeline_events, silence_records

    records = [{**record, "_MACHINE_ID": ALPHA, "_HOSTNAME": "alpha"} for record in silence_records()
               if isinstance(record, dict)]
    journal = write_journal(tmp_path, "silent", records)
    events, _ = pipeline_events(SHIPPED, True, files=[journal])
    silences = [e for e in events if e.get("rule") == "unit-went-silent" and e["type"] in ("incident", "gap")]
    assert silences and {e["host"] for e in silences} == {"alpha"}, silences
