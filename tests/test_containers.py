"""Docker's journald log driver writes every container's lines into dockerd's own unit (docker.service), with
CONTAINER_NAME: read as docker.service, one container's deadlock restarted dockerd (stopping every container) and
all containers shared one unit's windows, baselines and silence. A line dockerd wrote for a container
(`_COMM=dockerd`, CONTAINER_NAME) is about `docker.service/NAME` (sources/selection.subject_unit): its own unit
for the engine, selected by `-u docker.service/NAME`, shown by `journalctl -u docker.service CONTAINER_NAME=NAME`,
never restarted. Real journal files (systemd-journal-remote) and a real systemd and journald.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import entry, json_events, run_cli
from sandbox import Sandbox
from test_restart_systemd import alert_reasons, start_logsentry, wait_until
from test_screening import SHIPPED, Record, assert_same_events, flatten, raw_from, screened_items, write_journal

from logsentry.model import ScreenedRun, host_unit, split_host_unit
from logsentry.sources import Selection, open_entries
from logsentry.sources.selection import container_of, subject_unit

DEADLOCK = "cachix-server: thread blocked indefinitely in an MVar operation"
"""ghc-mvar-deadlock, whose action is restart, as the program itself prints it."""


def dockerd(message: str, at: float, container: str | None, priority: int = 6, **fields: Any) -> dict[str, Any]:
    """An entry as dockerd's journald log driver writes it (moby daemon/logger/journald), or dockerd's own line."""
    extra: dict[str, Any] = {"_COMM": "dockerd", "_PID": "900", "SYSLOG_IDENTIFIER": "dockerd"}
    if container is not None:
        extra.update(CONTAINER_NAME=container, CONTAINER_ID="3f4e8a9b1c2d", SYSLOG_IDENTIFIER="3f4e8a9b1c2d",
                     IMAGE_NAME=f"example/{container}:1.0")
    return entry(message, unit="docker.service", at=at, priority=priority, **{**extra, **fields})


def container_records() -> list[Record]:
    records: list[Record] = []
    for i in range(400):
        records.append(dockerd(f'10.0.0.{i % 50} - - "GET /api/items/{i} HTTP/1.1" 200 512', i * 1.0, "web"))
        records.append(dockerd(f"LOG:  checkpoint complete: wrote {i} buffers", i * 1.0 + 0.3, "db"))
        if i % 20 == 0:  # stderr (Docker: 3): Python's logging writes every level there; a level-less line
            records.append(dockerd(f"INFO:app:request {i} served", i * 1.0 + 0.7, "web", priority=3))
            records.append(dockerd(f"2026-01-01 00:00:{i % 60:02d},123 WARNING slow query {i}", i * 1.0 + 0.8, "db",
                                   priority=3))
            records.append(dockerd(f"ERROR:app:request {i} failed", i * 1.0 + 0.9, "web", priority=3))
            records.append(dockerd(f"goroutine {i} [running]:", i * 1.0 + 0.95, "web", priority=3))
        if i % 40 == 0:
            records.append(dockerd("Processing event TaskExit", i * 1.0 + 0.5, None))
            records.append(entry(f"tick {i}", unit="docker", at=i * 1.0 + 0.6, _COMM="dockerd", CONTAINER_NAME="web"))
    records.append(dockerd(DEADLOCK, 401.0, "web", priority=3))
    records.append(dockerd(DEADLOCK, 402.0, "db", priority=3))
    # what makes no container line: another program's CONTAINER_NAME, several names, a name Docker never gives,
    # a dockerd line without _MACHINE_ID (its key: "/docker.service/web", model.host_unit), a unit with no suffix
    records.append(entry(DEADLOCK, unit="app.service", at=403.0, priority=3, _COMM="app", CONTAINER_NAME="web"))
    records.append(raw_from(dockerd(DEADLOCK, 404.0, "web", priority=3), ("CONTAINER_NAME", "db")))
    records.append(dockerd(DEADLOCK, 405.0, "-web", priority=3))
    records.append(dockerd(DEADLOCK, 406.0, "web", priority=3, _MACHINE_ID=""))
    records.append(entry(DEADLOCK, unit="docker", at=407.0, priority=3, _COMM="dockerd", CONTAINER_NAME="web"))
    return records


def test_container_subjects_by_the_fields_journald_and_dockerd_write() -> None:
    def get(**values: str):  # type: ignore[no-untyped-def]
        return values.get

    assert subject_unit(get(_SYSTEMD_UNIT="docker.service", _COMM="dockerd", CONTAINER_NAME="web")) \
        == "docker.service/web"
    assert subject_unit(get(_SYSTEMD_UNIT="docker.service", _COMM="dockerd")) == "docker.service"
    # a program that is not dockerd keeps its own unit, whatever it claims
    assert subject_unit(get(_SYSTEMD_UNIT="app.service", _COMM="app", CONTAINER_NAME="web")) == "app.service"
    for name in ("-web", "web/../x", "", "web\ndb", "wéb"):
        assert subject_unit(get(_SYSTEMD_UNIT="docker.service", _COMM="dockerd", CONTAINER_NAME=name)) \
            == "docker.service", name
    # PID 1's lines about the unit stay the unit's (journalctl -u's terms come first)
    assert subject_unit(get(_SYSTEMD_UNIT="init.scope", _PID="1", UNIT="docker.service", _COMM="dockerd",
                            CONTAINER_NAME="web")) == "docker.service"
    # no unit suffix (a journal-remote sender's forgery): no container; keys are never taken for subjects
    assert subject_unit(get(_SYSTEMD_UNIT="docker", _COMM="dockerd", CONTAINER_NAME="web")) == "docker"
    assert container_of("ab" * 16 + "/docker.service") is None and container_of("host:web01/nginx.service") is None
    assert container_of("docker.service/web") == ("docker.service", "web")
    assert split_host_unit(host_unit("", "docker.service/web")) == ("", "docker.service/web")
    assert split_host_unit(host_unit("ab" * 16, "docker.service/web")) == ("ab" * 16, "docker.service/web")


def test_a_watch_of_dockerd_covers_its_containers_and_a_container_glob_only_them() -> None:
    from logsentry.config import Watch
    assert Watch(("docker.service",)).takes("docker.service/web")
    assert Watch(("docker.service",)).takes("docker.service")
    assert Watch(("docker.service/*",)).takes("docker.service/web")
    assert not Watch(("docker.service/*",)).takes("docker.service")
    assert not Watch(("docker.service/db",)).takes("docker.service/web")
    assert not Watch(("nginx.service",)).takes("docker.service/web")
    assert not Watch(("app.service",)).takes("app.service/x y")  # (no container name: no parent)


def test_each_container_is_its_own_unit_read_in_full_or_through_the_scanner(tmp_path: Path) -> None:
    journal = write_journal(tmp_path, "containers", container_records())
    runs = [item for item in screened_items(journal) if isinstance(item, ScreenedRun)]
    spans = {split_host_unit(key)[1] for run in runs for key in run.units}
    assert {"docker.service/web", "docker.service/db", "docker.service", "docker"} <= spans, spans  # composed in C
    assert "docker/web" not in spans  # (no unit suffix: no container)
    events = assert_same_events(SHIPPED, files=[journal])
    deadlocks = sorted((event["unit"], event["machine_id"] != "") for event in events
                       if event["type"] == "incident" and event["rule"] == "ghc-mvar-deadlock")
    assert deadlocks == [("app.service", True), ("docker", True), ("docker.service", True),  # (two lines: one)
                         ("docker.service/db", True), ("docker.service/web", False), ("docker.service/web", True)]


def test_a_containers_stderr_level_is_its_texts_as_in_the_reference_reader(tmp_path: Path) -> None:
    """Docker's journald driver stores a container's stderr at 3 whatever it says: its text's level counts there
    too (Python's logging writes INFO to stderr), a line that names none is a notice (Go's log package writes every
    line to stderr); dockerd's own lines and any other unit's 3 are the journal's. The C scanner and the reference
    reader give every entry the same."""
    journal = write_journal(tmp_path, "containers", container_records())
    mine = [(e.realtime_usec, e.unit, e.message, e.priority, e.effective_priority, e.level_source)
            for _, e in flatten(screened_items(journal))]
    theirs = [(e.realtime_usec, e.unit, e.message, e.priority, e.effective_priority, e.level_source)
              for e in open_entries(Selection(), files=[journal])]
    assert mine == theirs
    levels = {(unit, message.split(" ")[0] if "WARNING" not in message else "WARNING", effective, source)
              for _, unit, message, priority, effective, source in theirs if priority == 3}
    assert ("docker.service/web", "INFO:app:request", 6, "text") in levels
    assert ("docker.service/db", "WARNING", 4, "text") in levels
    assert ("docker.service/web", "ERROR:app:request", 3, "text") in levels
    assert ("docker.service/web", "goroutine", 5, "stream") in levels  # names none: notice (STDERR_UNLEVELLED)
    assert ("app.service", "cachix-server:", 3, "journal") in levels  # not a container: the journal's 3


def test_scan_selects_a_container_and_its_command_shows_its_lines(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    folder.mkdir()
    write_journal(folder, "containers", container_records())
    result = run_cli("scan", "-D", str(folder), "-u", "docker.service/web", "-o", "json")
    assert result.exit_code == 0, result.output
    events = json_events(result)
    summary = events[-1]
    # web's lines, the nameless host's one included, and the one naming web and db (an sd-journal match holds on
    # any value, as journalctl's would): not another program's, nor "-web"
    assert summary["entries"] == sum(1 for record in container_records() if isinstance(record, dict) and record.get(
        "_SYSTEMD_UNIT") == "docker.service" and record.get("CONTAINER_NAME") == "web") + 1
    incidents = [event for event in events if event["type"] == "incident_end"]
    assert {event["unit"] for event in incidents} == {"docker.service/web", "docker.service"}  # (the two names')
    command = next(event["journalctl"] for event in incidents
                   if event["machine_id"] and event["unit"] == "docker.service/web")
    assert "-u docker.service CONTAINER_NAME=web" in command
    shown = subprocess.run([*shlex.split(command), "-o", "cat"], capture_output=True, text=True, check=True,
                           timeout=30).stdout
    assert shown.strip() == DEADLOCK

    # -u docker.service is journalctl's: dockerd's lines and every container's
    everything = json_events(run_cli("scan", "-D", str(folder), "-u", "docker.service", "-o", "json"))
    assert everything[-1]["entries"] == sum(1 for record in container_records()
                                            if isinstance(record, dict) and record.get("_SYSTEMD_UNIT")
                                            == "docker.service") + 1  # (the raw entry with two names)
    globbed = json_events(run_cli("scan", "-D", str(folder), "-u", "docker.service/*", "-o", "json"))
    assert {event["unit"] for event in globbed if event["type"] == "incident"} \
        == {"docker.service/web", "docker.service/db", "docker.service"}  # (the odd names' lines: dockerd's)

    typo = run_cli("scan", "-D", str(folder), "-u", "docker.service/wbe")
    assert "no entry of docker.service/wbe in this journal (did you mean docker.service/web" in typo.stderr
    bare = run_cli("scan", "-D", str(folder), "-u", "web")  # a container named as a unit: its subject
    assert "no entry of web.service in this journal (did you mean docker.service/web?)" in bare.stderr, bare.stderr


FAKE_DOCKERD = """import ctypes, os, socket, time
ctypes.CDLL(None).prctl(15, b"dockerd", 0, 0, 0)  # PR_SET_NAME: journald stamps _COMM=dockerd, as for the real one

def send(message, **fields):
    fields = {"MESSAGE": message, "PRIORITY": "3", "SYSLOG_IDENTIFIER": fields.get("CONTAINER_ID", "dockerd"),
              **fields}
    data = "".join(f"{name}={value}\\n" for name, value in fields.items()).encode()
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(data, "/run/systemd/journal/socket")

send("API listen on /run/docker.sock", PRIORITY="6")
while not os.path.exists("/share/container"):
    time.sleep(0.1)
send(LINE, CONTAINER_NAME="web", CONTAINER_ID="3f4e8a9b1c2d", IMAGE_NAME="cachix/server:1.0")
while not os.path.exists("/share/daemon"):
    time.sleep(0.1)
send(LINE)  # dockerd's own line: the unit's, restarted as any service's
time.sleep(3600)
""".replace("LINE", repr(DEADLOCK))

DOCKER = """[Unit]
DefaultDependencies=no
ConditionPathExists=/share/dockerd.py
[Service]
ExecStart=/usr/bin/python3 /share/dockerd.py
"""


def test_a_containers_deadlock_never_restarts_dockerd_and_dockerds_own_does(tmp_path: Path) -> None:
    box = Sandbox({"docker.service": DOCKER})
    proc = None
    try:
        (box.dir / "share" / "dockerd.py").write_text(FAKE_DOCKERD)
        box.run("start", "docker.service")
        wait_until(lambda: box.show("docker.service", "ActiveState") == "active", 15, "docker.service")
        # a watch of docker.service, as before containers had units of their own: it goes on covering them
        proc, alerts, log = start_logsentry(box, tmp_path, "", units=("docker.service",))
        first = box.show("docker.service", "InvocationID")
        (box.dir / "share" / "container").write_text("")
        wait_until(lambda: any("docker.service/web" in reason for reason in alert_reasons(alerts)), 20,
                   "the alert about container web")
        reason = next(reason for reason in alert_reasons(alerts) if "docker.service/web" in reason)
        assert "container web of docker.service" in reason and "not restarted" in reason, reason
        assert box.show("docker.service", "InvocationID") == first
        assert "restarted docker.service" not in log.read_text()

        (box.dir / "share" / "container").unlink()
        (box.dir / "share" / "daemon").write_text("")
        try:
            wait_until(lambda: box.show("docker.service", "InvocationID") != first, 20,
                       "logsentry to restart docker.service for dockerd's own deadlock")
        except AssertionError as error:
            raise AssertionError(f"{error}; logsentry's log:\n{log.read_text()[-4000:]}") from None
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
        box.close()



def test_systemd_stopping_docker_stops_its_containers_on_purpose(make_journal: Any) -> None:
    """A day of two containers logging every 10 s (a rhythm trusted), then `systemctl stop docker`: systemd's
    lines name docker.service only, and its containers fall silent with it, on purpose. Without those lines
    both containers' silences are incidents (each its own unit), and another unit's stop stops none of them."""
    day = 86_400
    ticks = [dockerd(f"tick {n}", n * 10.0 + offset, name) for n in range(day // 10 + 10)
             for name, offset in (("web", 0.0), ("db", 0.5))]
    end = day + 100.0
    stop = [entry(message, unit="init.scope", at=end + n * 0.1, _PID="1", UNIT="docker.service",
                  MESSAGE_ID=message_id) for n, (message, message_id) in enumerate((
                      ("Stopping docker.service - Docker Application Container Engine...",
                       "de5b426a63be47a7b6ac3eaac82e2f6f"),
                      ("Stopped docker.service - Docker Application Container Engine.",
                       "9d1aaa27d60140bd96365438aad20286")))]
    other = [entry(message, unit="init.scope", at=end, _PID="1", UNIT="other.service",
                   MESSAGE_ID="9d1aaa27d60140bd96365438aad20286") for message in ("Stopped other.service.",)]
    later = [entry(f"later {i}", unit="later.service", at=end + 1 + 600 * i) for i in range(7)]  # an hour goes by

    def silent(records: list[Any]) -> set[str]:
        result = run_cli("scan", "--file", str(make_journal(records)), "-o", "json")
        assert result.exit_code == 0, result.output
        return {event["unit"] for event in json_events(result)
                if event["type"] == "incident" and event["rule"] == "unit-went-silent"}

    assert silent([*ticks, *stop, *later]) == set()
    assert silent([*ticks, *other, *later]) == {"docker.service/web", "docker.service/db"}


def test_dockerd_is_not_paged_silent_after_the_upgrade_that_split_its_containers_off() -> None:
    """State saved before containers had units of their own: docker.service's rhythm was learnt from every
    container's lines (a line every 10 s for a day). After the upgrade its containers log under their own keys and
    dockerd alone seldom does: its old rhythm starts again at its first container's line, not paging it silent."""
    from logsentry.engine.absence import SilenceTracker
    from logsentry.model import Entry
    from logsentry.rules.loader import load_rules, shipped_rules_dir
    silence = [rule for rule in load_rules([shipped_rules_dir()]).rules if rule.id == "unit-went-silent"]
    sec, base, old = 1_000_000, 1_767_225_600_000_000, SilenceTracker(silence)
    for n in range(9000):  # 25 h, before the upgrade
        old.observe(Entry(base + n * 10 * sec, f"GET /{n} 200", "docker.service", 6, ""))
    assert old.rhythm("unit-went-silent", "docker.service")[1]  # type: ignore[index]  # watched
    new = SilenceTracker(silence)
    new.restore(old.snapshot())
    start = base + 9000 * 10 * sec
    fired = []
    new.observe(Entry(start, "API listen on /run/docker.sock", "docker.service", 6, ""))
    for n in range(720):  # two hours of the container's lines, dockerd's own every half hour
        at = start + (n + 1) * 10 * sec
        new.observe(Entry(at, f"GET /{n} 200", "docker.service/web", 6, ""))
        if n % 180 == 179:
            new.observe(Entry(at, "Processing event TaskExit", "docker.service", 6, ""))
        fired += [incident.unit for incident in new.expire(at)]
    assert "docker.service" not in fired, fired
    # and a state saved after the split keeps dockerd's own rhythm: restored, not started again
    again = SilenceTracker(silence)
    again.restore(new.snapshot())
    learnt = new.rhythm("unit-went-silent", "docker.service")
    assert learnt is not None and learnt[0].gaps == 4
    assert again.rhythm("unit-went-silent", "docker.service") == learnt


def test_baselines_per_container_shown_and_forgotten_by_name(tmp_path: Path) -> None:
    """`baseline learn` over a journal with two containers keeps a baseline each; `show -u` and `forget -u` take
    the container's subject (also with -M, where `MACHINE/unit` is a key: the subject is not taken apart)."""
    folder = tmp_path / "journal"
    folder.mkdir()
    write_journal(folder, "containers", container_records())
    state = tmp_path / "state"
    learnt = run_cli("baseline", "learn", "--state-dir", str(state), "-D", str(folder), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    shown = run_cli("baseline", "show", "--state-dir", str(state), "-o", "json")
    units = {record["unit"] for record in json_events(shown) if record.get("type") == "unit"}
    assert {"docker.service/web", "docker.service/db", "docker.service"} <= units, units
    machine = next(record["machine_id"] for record in json_events(shown) if record.get("unit") == "docker.service/db")
    web = run_cli("baseline", "show", "--state-dir", str(state), "-u", "docker.service/web", "-o", "json")
    assert {record["unit"] for record in json_events(web) if record.get("type") == "unit"} == {"docker.service/web"}
    for args in (("-u", "docker.service/web"), ("-u", "docker.service/db", "-M", machine)):
        forgot = run_cli("baseline", "forget", "--state-dir", str(state), *args)
        assert forgot.exit_code == 0, forgot.output
    left = {record["unit"] for record in json_events(run_cli("baseline", "show", "--state-dir", str(state),
                                                                 "-o", "json")) if record.get("type") == "unit"}
    assert "docker.service" in left and not {"docker.service/web", "docker.service/db"} & left, left


def test_tail_follows_one_container_live(live_journal: Any, tmp_path: Path) -> None:
    """`tail -u docker.service/web` on a journal written live (systemd-journal-remote fed through a FIFO): web's
    failure is shown, db's same line and dockerd's own are not."""
    import json
    import time

    def dockerd_line(message: str, container: str | None) -> None:
        fields = {"_COMM": "dockerd", "_PID": "900", "PRIORITY": 3}
        if container is not None:
            fields |= {"CONTAINER_NAME": container, "SYSLOG_IDENTIFIER": "3f4e8a9b1c2d"}
        live_journal.write(message, unit="docker.service", **fields)

    dockerd_line("API listen on /run/docker.sock", None)
    live_journal.wait_written()
    out = tmp_path / "tail.jsonl"
    with open(out, "wb") as stdout:
        tail = subprocess.Popen([sys.executable, "-m", "logsentry", "tail", "-D", str(live_journal.directory),
                                 "-u", "docker.service/web", "-o", "json"], stdout=stdout, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while '"incident"' not in out.read_text() and time.monotonic() < deadline:  # (tail starts at the end:
            for container in ("db", None, "web"):  # the lines again until it has started and shows one)
                dockerd_line("fatal error: all goroutines are asleep - deadlock!", container)
            live_journal.wait_written()
            time.sleep(0.5)
        records = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        assert {(r["type"], r["unit"]) for r in records if r["type"] in ("match", "incident")} == {
            ("match", "docker.service/web"), ("incident", "docker.service/web")}, records
    finally:
        tail.terminate()
        tail.wait(timeout=20)


def test_a_docker_json_file_logs_stderr_levels_are_its_texts(tmp_path: Path) -> None:
    """The same for Docker's json-file log read as text (`scan --file`): stderr's 3 is the stream's default."""
    import json
    log = tmp_path / "3f4e8a9b1c2d-json.log"
    lines = (("INFO:app:started", "stderr"), ("ERROR:app:request failed", "stderr"),
             ("goroutine 1 [running]:", "stderr"), ("INFO: ok", "stdout"))
    log.write_text("".join(json.dumps({"log": text + "\n", "stream": stream, "time": f"2026-12-05T10:00:0{n}.0Z"})
                           + "\n" for n, (text, stream) in enumerate(lines)))
    result = run_cli("scan", "--file", str(log), "-o", "json")
    assert result.exit_code == 0, result.output
    matched = {(event["message"], event["effective_priority"], event["level_source"])
               for event in json_events(result) if event["type"] == "match"}
    assert matched == {("ERROR:app:request failed", 3, "text")}, matched  # (a stderr line naming none: a notice)


def test_a_healthy_go_container_logging_to_stderr_is_no_error_burst(tmp_path: Path) -> None:
    """Go's log package writes every line to stderr, with no level (`2026/12/05 08:00:30 processed job 94427 in
    4ms`): at Docker's 3 a healthy container held error-burst firing for its whole life (helper-163's trial). Such
    a line is a notice; the same container's `panic:` is its text's level, and its crash is still caught."""
    records = [dockerd(f"2026/12/05 08:{n // 100 % 60:02d}:{n % 60:02d} processed job {94000 + n} in 4ms", n * 0.6,
                       "gosvc", priority=3) for n in range(3000)]
    records.append(dockerd("panic: runtime error: invalid memory address or nil pointer dereference", 1801.0, "gosvc",
                           priority=3))
    journal = write_journal(tmp_path, "go", records)
    incidents = {(event["unit"], event["rule"]) for event in assert_same_events(SHIPPED, files=[journal])
                 if event["type"] == "incident"}
    assert ("docker.service/gosvc", "error-burst") not in incidents, incidents
    assert any(rule.startswith("go-") or rule == "new-fatal-template" for _, rule in incidents), incidents


def test_the_stream_level_is_one_in_c_and_python() -> None:
    from logsentry.engine.levels import STDERR_UNLEVELLED
    from logsentry.model import STREAM_LEVEL
    from logsentry.sources import _journalscan
    assert (_journalscan.STDERR_UNLEVELLED, _journalscan.STREAM_LEVEL) == (STDERR_UNLEVELLED, STREAM_LEVEL)
