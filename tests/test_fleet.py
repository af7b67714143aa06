"""Fleet (issue 17): journals of several machines (built with systemd-journal-remote: distinct _MACHINE_ID,
the same unit names) scanned as a collector would: hosts kept apart in windows and every record, only the
local machine's units restarted, -M/-H select hosts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import LOCAL_MACHINE, entry, json_events, of_type, run_cli
from test_tail import records, start_tail, tail_rules  # noqa: F401  (fixtures)

from logsentry.sources.journal_files import export_bytes

REMOTE = "feedfacefeedfacefeedfacefeedface"
MVAR = "api: thread blocked indefinitely in an MVar operation"


def host_entries(machine: str, host: str, offset: float) -> list[dict[str, object]]:
    return [entry(f"GET /x {i}", unit="api.service", at=offset + i, _MACHINE_ID=machine, _HOSTNAME=host)
            for i in range(5)] + [entry(MVAR, unit="api.service", at=offset + 5.5, _MACHINE_ID=machine,
                                        _HOSTNAME=host)]


@pytest.fixture
def fleet(make_journal, tmp_path: Path) -> Path:
    """A collector's directory: one file per host, as journal-remote's --split-mode=host writes them."""
    directory = tmp_path / "remote"
    directory.mkdir()
    assert LOCAL_MACHINE, "/etc/machine-id is needed"
    for machine, host, offset in ((LOCAL_MACHINE, "alpha", 0.0), (REMOTE, "web-7", 0.2)):
        make_journal(host_entries(machine, host, offset), name=f"remote/remote-{host}.journal")
    return directory


def scan(*args: str) -> list[dict[str, object]]:
    result = run_cli("scan", *args, "-o", "json", "--no-anomalies")
    assert result.exit_code == 0, result.output
    return json_events(result)


def test_hosts_kept_apart_and_only_the_local_unit_is_restarted(fleet: Path):
    events = scan("-D", str(fleet))
    incidents = of_type(events, "incident")
    mvar = [i for i in incidents if i["rule"] == "ghc-mvar-deadlock"]
    assert {(i["machine_id"], i["host"], i["unit"]) for i in mvar} == \
        {(LOCAL_MACHINE, "alpha", "api.service"), (REMOTE, "web-7", "api.service")}  # two incidents, one unit
    for kind in ("match", "incident", "action", "incident_end"):
        assert all(e["machine_id"] in (LOCAL_MACHINE, REMOTE) and e["host"] in ("alpha", "web-7")
                   for e in of_type(events, kind)), kind
    actions = {(a["machine_id"], a["action"]): a["reason"] for a in of_type(events, "action")
               if a["rule"] == "ghc-mvar-deadlock"}
    assert (LOCAL_MACHINE, "restart") in actions
    assert (REMOTE, "restart") not in actions
    assert actions[(REMOTE, "alert")].startswith(f"restart api.service on host web-7 (machine {REMOTE})")


def test_machine_and_host_filters(fleet: Path, tmp_path: Path):
    only_remote = scan("-D", str(fleet), "-M", REMOTE)
    assert {m["machine_id"] for m in of_type(only_remote, "match")} == {REMOTE}
    assert of_type(only_remote, "summary")[0]["entries"] == 6
    only_alpha = scan("-D", str(fleet), "-H", "alpha", "-u", "api")
    assert {m["host"] for m in of_type(only_alpha, "match")} == {"alpha"}
    assert scan("-D", str(fleet), "-H", "alpha", "-u", "other")[-1]["entries"] == 0  # ANDed with -u
    both = scan("-D", str(fleet), "-H", "alpha", "-H", "web-7")
    assert both[-1]["entries"] == 12
    # the same on a dump (export format): the Python twin of the journal matches
    dump = tmp_path / "fleet.export"
    dump.write_bytes(export_bytes(host_entries(LOCAL_MACHINE, "alpha", 0) + host_entries(REMOTE, "web-7", 0.2)))
    assert {m["machine_id"] for m in of_type(scan("--file", str(dump), "-M", REMOTE), "match")} == {REMOTE}
    bad = run_cli("scan", "-D", str(fleet), "-M", "not-an-id")
    assert bad.exit_code == 2 and "32 hex digits" in bad.output


def test_tail_follows_only_the_machine_asked_for(live_journal, tail_rules, start_tail):  # noqa: F811
    tail = start_tail("-D", str(live_journal.directory), "-o", "json", "-M", REMOTE, *tail_rules())
    deadline = time.monotonic() + 20
    while True:  # readiness: a probe of the remote machine shows
        assert time.monotonic() < deadline, "tail never showed a probe"
        live_journal.write("PROBE", priority=3, _MACHINE_ID=REMOTE)
        line = tail.next_line(0.2)
        if line is not None and "PROBE" in line:
            break
    live_journal.write("BOOM local")  # this machine's: not selected
    live_journal.write("BOOM remote", _MACHINE_ID=REMOTE, _HOSTNAME="web-7")
    [match] = records(tail.read(1))
    assert (match["message"], match["machine_id"], match["host"]) == ("BOOM remote", REMOTE, "web-7")
