"""A host that crashes (no shutdown lines) and boots again is one host-rebooted-uncleanly incident, not one
unit-went-silent page per steady unit (engine/host_boots.py); a unit that stays dead after the reboot still pages,
judged from the new boot; a planned reboot pages nothing; a collector's other host is not mixed in. Real journal
files from systemd-journal-remote, read through the C scanner (its boot's first entry comes in full)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import BASE_USEC, entry, json_events, run_cli
from test_readme_json_schema import OPTIONAL, _schema
from test_screening import write_journal
from test_silence import SHIPPED_SILENCE

from logsentry.engine.absence_stops import UNIT_STARTED, UNIT_STOPPED, UNIT_STOPPING
from logsentry.engine.detector import Detector
from logsentry.model import Incident
from logsentry.pipeline import IncidentEvent, Pipeline
from logsentry.sources import Selection, open_entries

ALPHA, BETA = "a1" * 16, "b2" * 16
OLD, NEW, BETA_OLD, BETA_NEW = "c3" * 16, "d4" * 16, "e5" * 16, "f6" * 16
UNITS = ("api.service", "worker.service", "db.service")
UP = 25 * 3600.0  # the first boot's length: more than unit-went-silent's learn_for (a day)
DOWN = 1200.0


def line(machine: str, boot: str, boot_at: float, unit: str, at: float, message: str = "",
         **fields: Any) -> dict[str, Any]:
    """An entry of `unit` at `at` s, of the machine's boot that began at `boot_at` s (its monotonic clock)."""
    record = entry(message or f"{unit} handled a request", unit=unit, at=at, _MACHINE_ID=machine,
                   _HOSTNAME="alpha" if machine == ALPHA else "beta", _BOOT_ID=boot, **fields)
    record["__MONOTONIC_TIMESTAMP"] = int((at - boot_at) * 1_000_000) + 1_000_000
    return record


def steady(machine: str, boot: str, boot_at: float, start: float, end: float, units: tuple[str, ...] = UNITS,
           ) -> list[dict[str, Any]]:
    """Each unit logs every 20 s (shifted by its index) from `start` to `end`."""
    return [line(machine, boot, boot_at, unit, start + n * 20.0 + i) for n in range(int((end - start) // 20))
            for i, unit in enumerate(units)]


def pid1(machine: str, boot: str, at: float, message: str, **fields: str) -> dict[str, Any]:
    return line(machine, boot, 0.0, "init.scope", at, message, _PID="1", _UID="0", SYSLOG_IDENTIFIER="systemd",
                **fields)


def shutdown(machine: str, boot: str, at: float) -> list[dict[str, Any]]:
    """PID 1's lines of a planned reboot: each unit stopped, then shutdown.target reached."""
    out = []
    for i, unit in enumerate(UNITS):
        name = unit.removesuffix(".service")
        out += [pid1(machine, boot, at + i * 0.1, f"Stopping {name}...", UNIT=unit, MESSAGE_ID=UNIT_STOPPING),
                pid1(machine, boot, at + i * 0.1 + 0.05, f"Stopped {name}.", UNIT=unit, MESSAGE_ID=UNIT_STOPPED)]
    return [*out, pid1(machine, boot, at + 1, "Reached target shutdown.target - System Shutdown.",
                       UNIT="shutdown.target", MESSAGE_ID=UNIT_STARTED)]


def crashed(machine: str = ALPHA, down: float = DOWN, after: tuple[str, ...] = UNITS,
            old: str = OLD, new: str = NEW) -> list[dict[str, Any]]:
    """The machine's first boot for UP s, then nothing for `down` s (a crash), then its next boot for an hour with
    the units of `after`."""
    back = UP + down
    return [*steady(machine, old, 0.0, 0.0, UP), *steady(machine, new, back, back, back + 3600, after)]


def scan(path: Path, *args: str) -> list[dict[str, Any]]:
    done = run_cli("scan", "--file", str(path), "--no-anomalies", "-o", "json", *args)
    assert done.exit_code in (0, 3), done.output
    return [event for event in json_events(done) if event["type"] == "incident"]


def journal(tmp_path: Path, name: str, records: list[dict[str, Any]]) -> Path:
    return write_journal(tmp_path, name, sorted(records, key=lambda record: int(record["__REALTIME_TIMESTAMP"])))


def test_a_crash_is_one_host_incident_and_no_unit_page(tmp_path: Path) -> None:
    incidents = scan(journal(tmp_path, "crash", crashed()))
    assert [(i["rule"], i["host"], i["unit"]) for i in incidents] == [("host-rebooted-uncleanly", "alpha", "(host)")]
    (crash,) = incidents
    last = BASE_USEC + int((UP - 20 + 2) * 1_000_000)  # db.service's last line, the host's last
    assert crash["first_usec"] == last and crash["realtime_usec"] == BASE_USEC + int((UP + DOWN) * 1_000_000)
    assert crash["within_usec"] == crash["realtime_usec"] - last and crash["machine_id"] == ALPHA
    assert OLD in crash["why"] and NEW in crash["why"] and crash["severity"] == "error"
    assert "(db.service: db.service handled a request)" in crash["message"] and "down 20m 18s" in crash["message"]


def test_the_card_tells_the_downtime_not_matching_lines(tmp_path: Path) -> None:
    done = run_cli("scan", "--file", str(journal(tmp_path, "card", crashed())), "--no-anomalies")
    text = " ".join(done.output.split())
    assert "host-rebooted-uncleanly" in text and "unit-went-silent" not in text
    card = text[text.index("╭"):]  # (the header says its rule needs no matching line: views/report.py)
    assert "down 20m 18s, no shutdown between" in card and "matching line" not in card
    assert "watched units silent over it (3): api.service, db.service, worker.service" in text


def test_a_watchdog_reset_of_seconds_is_still_an_incident(tmp_path: Path) -> None:
    incidents = scan(journal(tmp_path, "reset", crashed(down=8.0)))
    assert [i["rule"] for i in incidents] == ["host-rebooted-uncleanly"]


def test_a_unit_that_stays_dead_after_the_crash_pages_from_the_new_boot(tmp_path: Path) -> None:
    incidents = scan(journal(tmp_path, "dead", crashed(after=("api.service", "worker.service"))))
    assert [(i["rule"], i["unit"]) for i in incidents] == [("host-rebooted-uncleanly", "(host)"),
                                                          ("unit-went-silent", "db.service")]
    crash, dead = incidents
    assert dead["realtime_usec"] > crash["realtime_usec"]  # due from the boot, not during the downtime
    assert "20m 18s of it its host down over a reboot: not counted" in dead["why"]


def test_a_planned_reboot_pages_nothing(tmp_path: Path) -> None:
    back = UP + 2 + DOWN
    records = [*steady(ALPHA, OLD, 0.0, 0.0, UP), *shutdown(ALPHA, OLD, UP), *steady(ALPHA, NEW, back, back,
                                                                                        back + 3600)]
    path = journal(tmp_path, "planned", records)
    assert scan(path) == []
    assert scan(path, "-u", "api") == []  # (-u reads no shutdown.target line: the unit's stop says it)


def test_two_hosts_in_one_file_only_the_crashed_one_is_told(tmp_path: Path) -> None:
    # beta reboots cleanly at once (a new boot without a gap) while alpha is down; alpha crashes
    beta_back = UP - 600 + 2
    beta = [*steady(BETA, BETA_OLD, 0.0, 0.0, UP - 600), *shutdown(BETA, BETA_OLD, UP - 600),
            *steady(BETA, BETA_NEW, beta_back, beta_back, UP + DOWN + 3600)]
    incidents = scan(journal(tmp_path, "two", [*crashed(), *beta]))
    assert [(i["rule"], i["host"], i["machine_id"]) for i in incidents] == [
        ("host-rebooted-uncleanly", "alpha", ALPHA)]


def test_a_scan_of_one_unit_tells_its_hosts_crash_once(tmp_path: Path) -> None:
    path = journal(tmp_path, "one", crashed())
    incidents = scan(path, "-u", "api")
    assert [(i["rule"], i["unit"]) for i in incidents] == [("host-rebooted-uncleanly", "(host)")]
    assert "api.service" in incidents[0]["message"]


def test_a_scan_of_the_unit_that_never_came_back_tells_the_crash_and_judges_it_from_the_boot(
        tmp_path: Path) -> None:
    """`scan -u db` where db has no line of the next boot: the scan read no boot change, told no host incident and
    counted db silent inside the downtime (helper-174); the journal's later boot is read at the end
    (sources/journal_tail.py), as the whole journal's scan tells it. A planned reboot stays quiet so."""
    path = journal(tmp_path, "dead", crashed(after=("api.service", "worker.service")))
    whole = scan(path)
    narrowed = scan(path, "-u", "db")
    assert [(i["rule"], i["unit"]) for i in narrowed] == [("host-rebooted-uncleanly", "(host)"),
                                                         ("unit-went-silent", "db.service")]
    crash, dead = narrowed
    assert crash["first_usec"] == whole[0]["first_usec"]  # the host's last line, any unit's (not db's own)
    assert crash["realtime_usec"] == whole[0]["realtime_usec"]
    assert dead["realtime_usec"] == whole[1]["realtime_usec"] > crash["realtime_usec"]
    back = UP + 2 + DOWN
    planned = journal(tmp_path, "planned", [*steady(ALPHA, OLD, 0.0, 0.0, UP), *shutdown(ALPHA, OLD, UP),
                                            *steady(ALPHA, NEW, back, back, back + 3600, ("api.service",))])
    assert scan(planned, "-u", "db") == scan(planned) == []  # (systemd stopped db: no silence, no host incident)


def test_the_service_restarted_after_its_hosts_crash_tells_it(tmp_path: Path) -> None:
    """`logsentry run` on the host that crashed restarts with its saved state and reads on from its cursor: the
    next boot's lines only. The boot it read last and its host's last line are saved with the rhythms."""
    detector = Detector(list(SHIPPED_SILENCE))
    back = UP + DOWN  # (a boot opens with the kernel's lines: of no unit, they come in full)
    banner = line(ALPHA, NEW, back, "kernel", back, "Linux version 6.1.0-28-amd64", _TRANSPORT="kernel")
    del banner["_SYSTEMD_UNIT"]
    before = journal(tmp_path, "before", steady(ALPHA, OLD, 0.0, 0.0, UP))
    after = journal(tmp_path, "after", [banner, *steady(ALPHA, NEW, back, back + 1, back + 3600)])

    def run(pipeline: Pipeline, path: Path) -> list[Incident]:
        items = open_entries(Selection(), files=(path,), extra_fields=detector.needed_fields, screen=detector.screen())
        return [event.incident for event in pipeline.run(items) if isinstance(event, IncidentEvent)]

    first = Pipeline(detector)
    assert run(first, before) == []
    saved = json.loads(json.dumps(first.silence.snapshot()))  # (as state.py keeps it)
    again = Pipeline(detector)
    again.silence.restore(saved)
    (crash,) = run(again, after)
    assert (crash.rule_id, crash.machine_id) == ("host-rebooted-uncleanly", ALPHA)
    assert crash.first_usec == BASE_USEC + int((UP - 20 + 2) * 1_000_000)  # db.service's last line, as saved
    assert crash.within_usec == int((DOWN + 18) * 1_000_000) and OLD in crash.why and NEW in crash.why
    assert crash.fired_usec == BASE_USEC + int(back * 1_000_000)


def test_its_records_keep_to_the_readmes_schema(tmp_path: Path) -> None:
    done = run_cli("scan", "--file", str(journal(tmp_path, "schema", crashed())), "--no-anomalies", "-o", "json")
    schema = _schema()
    records = [record for record in json_events(done) if record.get("rule") == "host-rebooted-uncleanly"]
    assert [record["type"] for record in records] == ["incident", "action", "incident_end"]
    for record in records:
        said = schema[record["type"]]
        assert set(record) <= said and said - OPTIONAL.get(record["type"], set()) <= set(record), record["type"]
    assert records[-1]["last_usec"] == records[0]["realtime_usec"]  # (the next boot's first line)


def test_the_views_name_the_engines_rule() -> None:
    """alert.py and views/counts.py spell the id out (a delivery child imports no engine): the same."""
    from logsentry.actions.alert import BUILTIN_TITLES, REBOOT_RULE
    from logsentry.engine.host_boots import RULE_ID
    assert REBOOT_RULE == RULE_ID and RULE_ID in BUILTIN_TITLES
    assert RULE_ID in (Path(__file__).resolve().parent.parent / "logsentry" / "views" / "counts.py").read_text()
