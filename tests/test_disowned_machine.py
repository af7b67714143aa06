"""A journal-remote file's sender writes every field, _MACHINE_ID included: a host of a fleet could claim to be
the collector and have it restart its own units. Only this machine's own journald's files (its `MACHINE_ID/`
directory) vouch for its _MACHINE_ID; an entry of any other file claiming it is disowned (sources/fanin.py,
follow.disowned_entry): judged as an entry of no known machine, never restarted. Real journal files written by
systemd-journal-remote, the real fan-in reader and the real service."""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import LOCAL_MACHINE, entry
from test_service import BOOM_RULE, config_text

from logsentry.model import Entry, Screen, ScreenedRun
from logsentry.sources.fanin import FanInFollower
from logsentry.sources.journal_files import build_journal, export_bytes, export_field
from logsentry.sources.selection import Selection

pytestmark = pytest.mark.skipif(not LOCAL_MACHINE, reason="needs /etc/machine-id")
OTHER = "0123456789abcdef0123456789abcdef"


def journal(path: Path, lines: list[tuple[str, str]], machine: str) -> Path:
    """A journal file at `path` of (unit, message) lines, each claiming `machine`."""
    now = time.time_ns() // 1000
    records = [entry(message, unit=unit, _MACHINE_ID=machine, __REALTIME_TIMESTAMP=now + n,
                     __MONOTONIC_TIMESTAMP=now + n) for n, (unit, message) in enumerate(lines)]
    path.parent.mkdir(parents=True, exist_ok=True)
    return build_journal(export_bytes(records), path)


def read_all(directory: Path, booms: int) -> list[Entry | ScreenedRun]:
    """What the fan-in reader hands over of the directory until it has handed over `booms` BOOM lines and
    caught up (each host's file is read by its own scanner as it becomes ready)."""
    screen = Screen(literals=(("BOOM", None),), always=())  # the quiet lines are summarised in runs
    items: list[Entry | ScreenedRun] = []
    follower = FanInFollower(directory, Selection(), screen, (), {}, wait_s=0.2, local_machine=LOCAL_MACHINE)
    deadline = time.monotonic() + 20
    for item in follower:
        if isinstance(item, Entry | ScreenedRun):
            items.append(item)
        seen = sum(isinstance(each, Entry) and each.message.startswith("BOOM") for each in items)
        if item is None and (seen >= booms or time.monotonic() > deadline):
            break
    return items


def test_only_this_machines_own_files_vouch_for_its_machine_id(tmp_path: Path, caplog) -> None:
    directory = tmp_path / "journal"
    quiet = [("app.service", f"GET /health {n} 200") for n in range(5)]
    journal(directory / LOCAL_MACHINE / "system.journal", [*quiet, ("app.service", "BOOM local")], LOCAL_MACHINE)
    journal(directory / "remote-evil.journal", [*quiet, ("app.service", "BOOM forged")], LOCAL_MACHINE)
    journal(directory / "remote-web.journal", [*quiet, ("app.service", "BOOM web")], OTHER)
    with caplog.at_level(logging.WARNING, logger="logsentry"):
        items = read_all(directory, 3)
    # (a vouched machine's boot's first entry comes in full, its boot told to Python: engine/host_boots.py)
    firsts = [item for item in items if isinstance(item, Entry) and item.message == "GET /health 0 200"]
    assert sorted(item.machine_id for item in firsts) == sorted([LOCAL_MACHINE, OTHER])
    entries = {item.message: item for item in items if isinstance(item, Entry) and item not in firsts}
    # the lines no rule can match are summarised, the forged file's as of no machine (the scanner's
    # `disown_screened`, in C: not each in full, to be disowned in Python), the rest under their claims
    assert not [message for message in entries if "GET" in message]
    assert all(item.machine_id == "" and "_MACHINE_ID" not in item.fields
               for message, item in entries.items() if message != "BOOM local" and message != "BOOM web")
    assert entries["BOOM local"].machine_id == LOCAL_MACHINE  # this machine's journald wrote it
    assert entries["BOOM web"].machine_id == OTHER  # another host's claim to be itself is no claim on us
    spans = [span for item in items if isinstance(item, ScreenedRun) for span in item.spans]
    assert sorted((span[6], span[1]) for span in spans) == sorted([(LOCAL_MACHINE, 4), (OTHER, 4), ("", 5)])
    said = [record.getMessage() for record in caplog.records if "claims this machine" in record.getMessage()]
    assert len(said) == 1 and "remote-evil.journal" in said[0] and "never restarted here" in said[0], said


def test_a_forged_files_quiet_lines_are_summarised_as_of_no_machine_and_said(tmp_path: Path, caplog) -> None:
    """A file whose every line claims this machine (a forger, or a host cloned with this machine's id) and that no
    rule can match: summarised as of no machine in C (each in full cost the full path per line: 2 to 5 times the
    service's CPU an entry), and still said once, though no entry of it came in full to be disowned in Python."""
    directory = tmp_path / "journal"
    journal(directory / LOCAL_MACHINE / "system.journal", [("app.service", "BOOM local")], LOCAL_MACHINE)
    journal(directory / "remote-clone.journal", [("app.service", f"GET /health {n} 200") for n in range(7)],
            LOCAL_MACHINE)
    with caplog.at_level(logging.WARNING, logger="logsentry"):
        items = read_all(directory, 1)
        deadline = time.monotonic() + 10
        while sum(span[1] for item in items if isinstance(item, ScreenedRun) for span in item.spans) < 7:
            assert time.monotonic() < deadline, items
            items += read_all(directory, 1)  # (the clone's file may come after the first catch-up)
    assert [item.message for item in items if isinstance(item, Entry)][:1] == ["BOOM local"]
    spans = [span for item in items if isinstance(item, ScreenedRun) for span in item.spans]
    assert {span[6] for span in spans} == {""} and sum(span[1] for span in spans) >= 7
    said = [record.getMessage() for record in caplog.records if "claims this machine" in record.getMessage()]
    assert said and "remote-clone.journal" in said[0] and "never restarted here" in said[0], said


def _spelled(machine: str, how: str) -> str:
    uuid = "-".join((machine[:8], machine[8:12], machine[12:16], machine[16:20], machine[20:]))
    return {"capitals": machine.upper(), "uuid": uuid, "UUID": uuid.upper()}[how]


def assert_forged_lines_disowned(directory: Path) -> None:
    """The directory's remote-evil.journal (5 quiet lines and BOOM forged, claiming this machine somehow) reached
    Python disowned: BOOM forged in full without the claim (hosts.claims), each quiet line either summarised in a
    span of no machine (the scanner's `disown_screened`, in C) or, where C cannot read the claim as one plain id,
    in full and disowned; this machine's own file's BOOM local kept its id."""
    items = read_all(directory, 2)
    entries = {item.message: item for item in items if isinstance(item, Entry)}
    assert all(item.machine_id == "" for message, item in entries.items() if message != "BOOM local"), entries
    assert entries["BOOM local"].machine_id == LOCAL_MACHINE
    assert "BOOM forged" in entries
    spans = [span for item in items if isinstance(item, ScreenedRun) for span in item.spans]
    assert all(span[6] == "" for span in spans), spans
    summarised = sum(span[1] for span in spans)
    assert summarised + sum("GET" in message for message in entries) == 5


@pytest.mark.parametrize("how", ["capitals", "uuid", "UUID"])
def test_a_claim_in_another_spelling_is_disowned_too(tmp_path: Path, how: str) -> None:
    """sd_id128_from_string reads this machine's id in capitals or as a UUID: a sender that spells it so claims
    it as much (helper B, last stop: it was taken as another host, whose hooks got this machine's id). Its lines
    come in full (the scanner's `disowned`, in C) and are disowned (hosts.claims, in Python)."""
    directory = tmp_path / "journal"
    quiet = [("app.service", f"GET /health {n} 200") for n in range(5)]
    journal(directory / LOCAL_MACHINE / "system.journal", [("app.service", "BOOM local")], LOCAL_MACHINE)
    journal(directory / "remote-evil.journal", [*quiet, ("app.service", "BOOM forged")], _spelled(LOCAL_MACHINE, how))
    assert_forged_lines_disowned(directory)


@pytest.mark.parametrize("values", ["local,other", "other,local", "local+newline", "local+nul"])
def test_a_claim_among_several_values_is_disowned_too(tmp_path: Path, values: str) -> None:
    """An entry may carry _MACHINE_ID several times (sd-journal matches `_MACHINE_ID=ID` on any of them; Python
    reads them joined by newlines), a value may end in a newline (the same text to Python) or in a NUL and more
    (a C string of it is this machine's id): each claims this machine as much, else it was taken as another host
    named 'ID\\nOTHER' whose hook got this machine's id, and its quiet lines were summarised under it. Its lines
    come in full (the scanner's `disowned`) and are disowned (hosts.claims)."""
    spelled = {"local,other": [LOCAL_MACHINE, OTHER], "other,local": [OTHER, LOCAL_MACHINE],
               "local+newline": [LOCAL_MACHINE + "\n"], "local+nul": [LOCAL_MACHINE + "\0x"]}[values]
    directory = tmp_path / "journal"
    journal(directory / LOCAL_MACHINE / "system.journal", [("app.service", "BOOM local")], LOCAL_MACHINE)
    now = time.time_ns() // 1000
    lines = [*(f"GET /health {n} 200" for n in range(5)), "BOOM forged"]
    data = b"".join(b"".join(export_field(name, value) for name, value in
                             entry(message, _MACHINE_ID="", __REALTIME_TIMESTAMP=now + n,
                                   __MONOTONIC_TIMESTAMP=now + n).items())
                    + b"".join(export_field("_MACHINE_ID", value) for value in spelled) + b"\n"
                    for n, message in enumerate(lines))
    directory.mkdir(parents=True, exist_ok=True)
    build_journal(data, directory / "remote-evil.journal")
    assert_forged_lines_disowned(directory)


def test_the_service_never_restarts_for_a_remote_files_claim(live_journal, tmp_path: Path) -> None:
    from test_service import RunningService

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM_RULE.format(action="restart", within="60s", group=""))
    running = RunningService(tmp_path, config_text(live_journal, rules, actions='["alert", "restart"]'))
    running.start("--dry-run")
    try:
        forged = journal(tmp_path / "build" / "remote-evil.journal", [("app.service", "BOOM forged")], LOCAL_MACHINE)
        shutil.move(forged, live_journal.directory / "remote-evil.journal")  # a new host's file, read from its head
        log = running.wait_log("would alert app.service (rule boom)", timeout=20)
        assert "would restart" not in log
        assert "no _MACHINE_ID it can trust" in log and "remote-evil.journal" in log
        live_journal.write("BOOM local")  # this machine's own journald's file: its units are restarted
        running.wait_log("would restart app.service (rule boom)", timeout=20)
    finally:
        running.stop()


@pytest.mark.parametrize("where", ["remote", "own"])
def test_tail_act_reads_the_claim_as_the_service_does(tmp_path: Path, where: str) -> None:
    """tail --act restarts too. Its one merged reader cannot tell its entries' files apart: a directory with a file
    that cannot vouch for this machine disowns the claim for all (fanin_files.vouched); this machine's own
    journald's directory keeps it. (The site config's dry_run: the restart is decided, not carried out.)"""
    directory = tmp_path / "journal"
    path = directory / "remote-evil.journal" if where == "remote" else directory / LOCAL_MACHINE / "system.journal"
    journal(path, [("app.service", "BOOM restart-me")], LOCAL_MACHINE)
    action, _ = tail_act(directory, tmp_path)
    assert action["action"] == ("alert" if where == "remote" else "restart"), action
    assert action["dry_run"] is True


def test_restart_machine_id_naming_this_machine_keeps_its_claims_vouched_for(tmp_path: Path) -> None:
    """restart.machine_id names a machine whose journal arrives from elsewhere, whose claims are taken as they come;
    set to this machine's own id (a careless but valid config: it is the machine systemctl restarts), it must not
    turn that off: a remote file's claim to be this machine would restart its units."""
    directory = tmp_path / "journal"
    journal(directory / "remote-evil.journal", [("app.service", "BOOM restart-me")], LOCAL_MACHINE)
    action, _ = tail_act(directory, tmp_path, restart=f'machine_id = "{LOCAL_MACHINE}"')
    assert action["action"] == "alert", action


def tail_act(directory: Path, tmp_path: Path, restart: str = "") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`tail --act -D directory -n 5 -o json` with a restart rule for BOOM lines of app.service and a dry-run
    site config (with `restart`, its [restart] table's lines): its first action record and every record up to it."""
    from test_tail import Tail

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM_RULE.format(action="restart", within="60s", group=""))
    config = tmp_path / "site.toml"
    config.write_text(f'dry_run = true\nstate_dir = "{tmp_path / "state"}"\n'
                      '[[watch]]\nunits = ["app"]\nactions = ["restart", "alert"]\n'
                      + (f"[restart]\n{restart}\n" if restart else ""))
    tail = Tail("-D", str(directory), "-n", "5", "-o", "json", "--act", "-c", str(config), "--rules", str(rules),
                "--no-shipped-rules")
    try:
        records = [json.loads(line) for line in tail.read_until(lambda line: json.loads(line)["type"] == "action")]
    finally:
        tail.kill()
    return next(record for record in records if record["type"] == "action"), records
