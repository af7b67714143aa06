"""`docker stop web` leaves no line naming web: Docker logs nothing at info when a container stops, so a container
that logged to a trusted rhythm was paged silent after every `docker stop` or `docker compose down`. What the
journal does say, from PID 1: under systemd's cgroup driver (Docker's default on cgroup v2) each container runs in
the transient scope `docker-ID.scope` (runc libcontainer/cgroups/systemd), and its end is "docker-ID.scope:
Deactivated successfully."; each line the journald log driver writes for the container carries the same ID as
CONTAINER_ID_FULL (moby daemon/logger/journald). The silence tracker ties the two (engine/absence_stops.py
ContainerScopes); the C scanner hands a container's first line over in full so that it can, whatever the screen.
Real journal files (systemd-journal-remote), both readers, and a real systemd and journald with a real scope.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from conftest import BASE_USEC, entry, json_events, run_cli
from sandbox import Sandbox
from test_containers import dockerd
from test_restart_systemd import start_logsentry, wait_until
from test_screening import SHIPPED, assert_same_events, screened_items, write_journal

from logsentry.engine.absence import SilenceTracker
from logsentry.model import ScreenedRun

WEB_ID, DB_ID = "a1" * 32, "b2" * 32
UNIT_SUCCESS = "7ad2d189f7e94e70a38c781354912448"  # "X: Deactivated successfully." (systemd's catalog)


def container(message: str, at: float, name: str, container_id: str) -> dict[str, Any]:
    return dockerd(message, at, name, CONTAINER_ID=container_id[:12], CONTAINER_ID_FULL=container_id,
                   SYSLOG_IDENTIFIER=container_id[:12])


def scope_ended(container_id: str, at: float) -> dict[str, Any]:
    return entry(f"docker-{container_id}.scope: Deactivated successfully.", unit="init.scope", at=at, _PID="1",
                 UNIT=f"docker-{container_id}.scope", MESSAGE_ID=UNIT_SUCCESS)


def a_day_then(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """web and db log every 10 s for a day (a rhythm trusted), both stop logging at `end`, then `stops`, then an
    hour of another unit's lines (journal time goes on)."""
    day = 86_400
    ticks = [container(f"tick {n}", n * 10.0 + offset, name, container_id) for n in range(day // 10 + 10)
             for name, offset, container_id in (("web", 0.0, WEB_ID), ("db", 0.5, DB_ID))]
    end = day + 100.0
    later = [entry(f"later {i}", unit="later.service", at=end + 1 + 600 * i) for i in range(7)]
    return [*ticks, *(dict(stop, __REALTIME_TIMESTAMP=BASE_USEC + int((end + 2) * 1e6) + n,
                           __MONOTONIC_TIMESTAMP=int((end + 2) * 1e6) + n + 1)  # (its clock as journald's: no jump)
                      for n, stop in enumerate(stops)), *later]


def silences(events: list[dict[str, Any]]) -> set[str]:
    return {event["unit"] for event in events if event["type"] == "incident" and event["rule"] == "unit-went-silent"}


def test_a_containers_scope_ending_is_its_stop_read_in_full_or_through_the_scanner(tmp_path: Path) -> None:
    silence = [rule for rule in SHIPPED if rule.id == "unit-went-silent"]
    journal = write_journal(tmp_path, "stopped", a_day_then([scope_ended(WEB_ID, 0)]))
    runs = [item for item in screened_items(journal, silence) if isinstance(item, ScreenedRun)]
    assert sum(run.count for run in runs) > 17_000  # the ticks pass the scanner's screen: it reads them in runs...
    in_full = [item for item in screened_items(journal, silence) if not isinstance(item, ScreenedRun)
               and item.unit.startswith("docker.service/")]
    assert [item.unit for item in in_full] == ["docker.service/web", "docker.service/db"]  # ...but each first line
    assert in_full[0].fields["CONTAINER_ID_FULL"] == WEB_ID
    # web's scope ended: web stopped on purpose; db fell silent with no word: its silence is an incident
    assert silences(assert_same_events(SHIPPED, files=[journal])) == {"docker.service/db"}

    # another container's scope (an ID no line carried), or web's ID in another unit's name: both are silent
    for stop in (scope_ended("c3" * 32, 0), entry(f"docker-{WEB_ID}.service: Deactivated successfully.",
                                                   unit="init.scope", at=0, _PID="1", UNIT=f"docker-{WEB_ID}.service",
                                                   MESSAGE_ID=UNIT_SUCCESS)):
        journal = write_journal(tmp_path, f"other-{stop['UNIT'][-7:]}", a_day_then([stop]))
        assert silences(assert_same_events(SHIPPED, files=[journal])) == {"docker.service/web", "docker.service/db"}
    # the scope's line from anyone but PID 1 stops nothing
    forged = dict(scope_ended(WEB_ID, 0), _PID="4242")
    journal = write_journal(tmp_path, "forged", a_day_then([forged]))
    assert silences(assert_same_events(SHIPPED, files=[journal])) == {"docker.service/web", "docker.service/db"}


def test_the_scopes_survive_a_restart_of_the_service() -> None:
    """The service saves the containers' scopes with the rhythms: after a restart a scope that ends before the
    container logs again still stops it."""
    silence = [rule for rule in SHIPPED if rule.id == "unit-went-silent"]
    from logsentry.model import Entry

    def line(name: str, container_id: str) -> Entry:
        return Entry(1_000_000, "tick", f"docker.service/{name}", 6, "c",
                     {"_MACHINE_ID": "m" * 32, "CONTAINER_ID_FULL": container_id})

    tracker = SilenceTracker(silence)
    tracker.observe(line("web", WEB_ID))
    tracker.observe(line("db", "not-an-id"))
    saved = json.loads(json.dumps(tracker.snapshot()))
    assert saved["/container scopes"] == {f"{'m' * 32}/{WEB_ID}": f"{'m' * 32}/docker.service/web"}
    again = SilenceTracker(silence)
    again.restore(saved)
    assert again.snapshot()["/container scopes"] == saved["/container scopes"]
    again.restore({"/container scopes": {"x": 3, "y": "not-a-container"}})  # malformed: left out
    assert again.snapshot()["/container scopes"] == saved["/container scopes"]


def test_the_service_reads_pid_1s_lines_about_container_scopes_whatever_it_watches() -> None:
    from logsentry.sources.selection import Selection
    watching = Selection(units=("nginx.service",), container_scopes=True)
    scope = {"_PID": ["1"], "_SYSTEMD_UNIT": ["init.scope"], "UNIT": [f"docker-{WEB_ID}.scope"]}
    assert watching.accepts(scope, 0)
    assert not Selection(units=("nginx.service",)).accepts(scope, 0)  # scan's and tail's -u: journalctl's
    assert not watching.accepts({**scope, "_PID": ["4242"]}, 0)  # UNIT= is PID 1's word only
    assert not watching.accepts({**scope, "UNIT": ["docker-web.scope"]}, 0)
    assert not watching.accepts({**scope, "UNIT": ["other.service"]}, 0)


FAKE_DOCKERD = """import ctypes, os, socket, time
ctypes.CDLL(None).prctl(15, b"dockerd", 0, 0, 0)  # PR_SET_NAME: journald stamps _COMM=dockerd, as for the real one
IDS = {"web": WEB_ID, "db": DB_ID}

def send(message, name):
    fields = {"MESSAGE": message, "PRIORITY": "6", "SYSLOG_IDENTIFIER": IDS[name][:12], "CONTAINER_NAME": name,
              "CONTAINER_ID": IDS[name][:12], "CONTAINER_ID_FULL": IDS[name]}
    data = "".join(f"{key}={value}\\n" for key, value in fields.items()).encode()
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(data, "/run/systemd/journal/socket")

i = 0
while True:
    for name in IDS:
        if not os.path.exists(f"/share/stop-{name}"):
            send(f"GET /healthz 200 {i}", name)
    i += 1
    time.sleep(1)
""".replace("WEB_ID", repr(WEB_ID)).replace("DB_ID", repr(DB_ID))

DOCKER = """[Unit]
DefaultDependencies=no
[Service]
ExecStart=/usr/bin/python3 /share/dockerd.py
"""


def write_history(box: Sandbox, hours: int = 25) -> None:
    """`hours` of both containers logging every second, up to a few seconds ago, as an earlier boot's lines: a
    journal file (systemd-journal-remote) in the sandbox machine's journal directory, which vouches for it."""
    from logsentry.sources.journal_files import build_journal, export_bytes
    newest = subprocess.run(["journalctl", "-D", str(box.journal), "-o", "json", "-n", "1", "--no-pager"],
                            capture_output=True, text=True, check=True, timeout=30).stdout
    machine = json.loads(newest)["_MACHINE_ID"]
    end = time.time_ns() // 1000 - 5_000_000
    records = [dict(container(f"GET /healthz 200 {second}", 0, name, container_id), _MACHINE_ID=machine,
                    __REALTIME_TIMESTAMP=end - second * 1_000_000,
                    __MONOTONIC_TIMESTAMP=hours * 3600_000_000 - second * 1_000_000 + 1)
               for second in range(hours * 3600, 0, -1) for name, container_id in (("web", WEB_ID), ("db", DB_ID))]
    build_journal(export_bytes(records), box.journal / machine / "history.journal")


def test_docker_stop_is_no_silence_and_a_hung_container_is(tmp_path: Path) -> None:
    """A real systemd: dockerd (a stand-in with dockerd's _COMM) writes web's and db's lines every second, as the
    journald log driver does, after a day of them; web runs in a real transient scope `docker-ID.scope`. Stopping
    the scope (what `docker stop web` comes to) and web's lines stop: no silence; db's lines stop with no word
    (hung): its silence is paged."""
    box = Sandbox({"docker.service": DOCKER})
    scope = proc = None
    try:
        (box.dir / "share" / "dockerd.py").write_text(FAKE_DOCKERD)
        write_history(box)
        box.run("start", "docker.service")
        scope = subprocess.Popen([*box.systemctl[:-1], "systemd-run", "--scope", f"--unit=docker-{WEB_ID}.scope",
                                  "-p", "DefaultDependencies=no", "sleep", "3600"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_until(lambda: box.show(f"docker-{WEB_ID}.scope", "ActiveState") == "active", 15, "web's scope")
        proc, alerts, log = start_logsentry(box, tmp_path, "", units=("docker.service",))

        def silent() -> list[str]:
            lines = alerts.read_text().split("\n")[:-1] if alerts.exists() else []  # whole lines only
            records = [json.loads(line) for line in lines if line.strip()]
            return [r["unit"] for r in records if r.get("rule") == "unit-went-silent" and r.get("event") == "firing"]

        wait_until(lambda: "learnt baselines from" in log.read_text(), 60, "the history learnt")
        time.sleep(8)  # both log live: watched (thresholds of 5 s), and not silent
        assert not silent(), silent()
        (box.dir / "share" / "stop-web").write_text("")  # docker stop web: its lines end, then its scope
        time.sleep(1.5)
        box.run("stop", f"docker-{WEB_ID}.scope")
        (box.dir / "share" / "stop-db").write_text("")  # db hangs: its lines end, its scope goes on
        try:
            wait_until(lambda: "docker.service/db" in silent(), 30, "db's silence")
        except AssertionError as error:
            raise AssertionError(f"{error}; logsentry's log:\n{log.read_text()[-3000:]}") from None
        time.sleep(10)  # far past web's threshold too
        assert silent() == ["docker.service/db"], silent()
        journal = subprocess.run(["journalctl", "-D", str(box.journal), "-o", "cat", "--no-pager", "_PID=1"],
                                 capture_output=True, text=True, check=False).stdout
        assert f"docker-{WEB_ID}.scope: Deactivated successfully." in journal, journal[-2000:]
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        if scope is not None:
            scope.kill()
            scope.wait(timeout=10)
        box.close()


def test_a_scan_narrowed_to_the_containers_sees_their_stops_and_runs_to_the_journals_end(tmp_path: Path) -> None:
    """`scan -u docker.service` (or a glob, or one container) reads PID 1's scope lines too, as the service does:
    web's stop is no silence there either (it was, before: -u left the scope's line out). And the input ends
    where the journal does, not at the selection's last line: db's silence, an hour before the end, is found
    with -u as without (it was "Nothing found": the narrowed input ended at db's own last line)."""
    journal = write_journal(tmp_path, "narrowed", a_day_then([scope_ended(WEB_ID, 0)]))
    for selected in (["docker.service"], ["docker.service/*"], ["docker.service/db", "docker.service/web"]):
        result = run_cli("scan", "--file", str(journal), *(arg for unit in selected for arg in ("-u", unit)),
                         "--no-anomalies", "-o", "json")
        assert result.exit_code == 0, result.output
        assert silences(json_events(result)) == {"docker.service/db"}, selected
    alone = run_cli("scan", "--file", str(journal), "-u", "docker.service/db", "--no-anomalies", "-o", "json")
    assert silences(json_events(alone)) == {"docker.service/db"}
    # its export and JSON dumps end where they do too (helper-166's F13: they ended at db's own last line)
    for output in ("export", "json"):
        dump = tmp_path / f"narrowed.{output}"
        dump.write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", output], capture_output=True,
                                        check=True).stdout)
        alone = run_cli("scan", "--file", str(dump), "-u", "docker.service/db", "--no-anomalies", "-o", "json")
        assert silences(json_events(alone)) == {"docker.service/db"}, output


def test_a_containers_last_words_after_its_scope_ended_do_not_watch_it_again(tmp_path: Path) -> None:
    """Docker's driver copies the container's pipe after the process is gone: its last line lands after PID 1's
    scope line (helper D18's trial: a page for `docker stop`). It is its last words, not a run of its own."""
    journal = write_journal(tmp_path, "bye", a_day_then([scope_ended(WEB_ID, 0), container("bye", 0, "web", WEB_ID)]))
    assert silences(assert_same_events(SHIPPED, files=[journal])) == {"docker.service/db"}


def scope_started(container_id: str, at: float) -> dict[str, Any]:
    return entry(f"Started docker-{container_id}.scope - libcontainer container {container_id}.", unit="init.scope",
                 at=at, _PID="1", UNIT=f"docker-{container_id}.scope", MESSAGE_ID="39f53479d3a045ac8e11786248231fbf",
                 JOB_TYPE="start", JOB_RESULT="done")


def test_a_container_restarted_at_once_then_hung_is_silent(tmp_path: Path) -> None:
    """`docker restart web` (or a restart policy): the scope ends, PID 1 starts it again within the second, web logs
    twice and hangs. Its new lines are no last words: PID 1 said the scope started again. The same with a container
    recreated under a new ID (`docker compose up`), which no start line of a known ID announces: its lines carry
    another ID than the scope that stopped. (A regression of the last words' grace: neither was paged.)"""
    restarted = a_day_then([scope_ended(WEB_ID, 0), scope_started(WEB_ID, 0),
                            container("starting again", 0, "web", WEB_ID), container("beat 0", 0, "web", WEB_ID)])
    journal = write_journal(tmp_path, "restarted", restarted)
    assert silences(assert_same_events(SHIPPED, files=[journal])) == {"docker.service/web", "docker.service/db"}
    # restarted and hung before its first line: watched from PID 1's start of its scope (helper-166's F12)
    mute = write_journal(tmp_path, "mute", a_day_then([scope_ended(WEB_ID, 0), scope_started(WEB_ID, 0)]))
    assert silences(assert_same_events(SHIPPED, files=[mute])) == {"docker.service/web", "docker.service/db"}
    new_id = "d4" * 32
    recreated = a_day_then([scope_ended(WEB_ID, 0), container("starting", 0, "web", new_id)])
    journal = write_journal(tmp_path, "recreated", recreated)
    assert silences(assert_same_events(SHIPPED, files=[journal])) == {"docker.service/web", "docker.service/db"}


def test_a_rootless_containers_scope_ends_by_its_users_manager(tmp_path: Path) -> None:
    """Rootless Docker runs in a user's manager (user@1000.service, its docker.service), and so do its containers'
    scopes: the manager's line ends one (in its init.scope, USER_UNIT=docker-ID.scope; systemd 249+ says only
    "Consumed ..." at info). rlweb stopped so is no silence; rlquiet, with no word, is silent."""
    def rootless(message: str, at: float, name: str, container_id: str) -> dict[str, Any]:
        return container(message, at, name, container_id) | {
            "_SYSTEMD_UNIT": "user@1000.service", "_SYSTEMD_USER_UNIT": "docker.service", "_UID": "1000"}

    def managers(message: str, container_id: str, message_id: str) -> dict[str, Any]:
        return entry(message, unit="user@1000.service", at=0, _SYSTEMD_USER_UNIT="init.scope", _PID="1500",
                     _UID="1000", USER_UNIT=f"docker-{container_id}.scope", MESSAGE_ID=message_id,
                     SYSLOG_IDENTIFIER="systemd")

    day = 86_400
    ticks = [rootless(f"tick {n}", n * 10.0 + offset, name, container_id) for n in range(day // 10 + 10)
             for name, offset, container_id in (("rlweb", 0.0, WEB_ID), ("rlquiet", 0.5, DB_ID))]
    end = day + 100.0
    stops = [dict(managers(f"docker-{WEB_ID}.scope: Consumed 2min 3.100s CPU time.", WEB_ID,
                           "ae8f7b866b0347b9af31fe1c80b127c0"), __REALTIME_TIMESTAMP=BASE_USEC + int((end + 2) * 1e6),
                  __MONOTONIC_TIMESTAMP=int((end + 2) * 1e6) + 1)]
    later = [entry(f"later {i}", unit="later.service", at=end + 1 + 600 * i) for i in range(7)]
    journal = write_journal(tmp_path, "rootless", [*ticks, *stops, *later])
    assert silences(assert_same_events(SHIPPED, files=[journal])) == {"user@1000.service/rlquiet"}
    # a scan narrowed to the containers reads their manager's scope lines too (helper-166's F10)
    for selected in ("user@1000.service/rlweb", "user@1000.service/rl*"):
        narrowed = run_cli("scan", "--file", str(journal), "-u", selected, "--no-anomalies", "-o", "json")
        assert silences(json_events(narrowed)) <= {"user@1000.service/rlquiet"}, selected


def test_another_users_manager_ending_a_scope_of_a_containers_id_stops_nothing(tmp_path: Path) -> None:
    """Any user can make their manager write "docker-ID.scope: Consumed ..." (`systemd-run --user --scope
    --unit=docker-ID.scope true`) for a container ID read from /proc: it blinded a root container's watch and
    another user's rootless one (helper-166's trial, F18). A user manager's scope line ends that user's own
    containers only."""
    def rootless(message: str, at: float, name: str, container_id: str) -> dict[str, Any]:
        return container(message, at, name, container_id) | {
            "_SYSTEMD_UNIT": "user@1000.service", "_SYSTEMD_USER_UNIT": "docker.service", "_UID": "1000"}

    def user_1001(container_id: str) -> dict[str, Any]:
        return entry(f"docker-{container_id}.scope: Consumed 3.2s CPU time.", unit="user@1001.service", at=0,
                     _SYSTEMD_USER_UNIT="init.scope", _PID="1600", _UID="1001",
                     USER_UNIT=f"docker-{container_id}.scope", MESSAGE_ID="ae8f7b866b0347b9af31fe1c80b127c0",
                     SYSLOG_IDENTIFIER="systemd")

    day = 86_400
    ticks = [*(container(f"tick {n}", n * 10.0, "api", WEB_ID) for n in range(day // 10 + 10)),
             *(rootless(f"tick {n}", n * 10.0 + 0.5, "rapi", DB_ID) for n in range(day // 10 + 10))]
    end = day + 100.0
    forged = [dict(user_1001(container_id), __REALTIME_TIMESTAMP=BASE_USEC + int((end + 2) * 1e6) + n,
                   __MONOTONIC_TIMESTAMP=int((end + 2) * 1e6) + n + 1)
              for n, container_id in enumerate((WEB_ID, DB_ID))]
    later = [entry(f"later {i}", unit="later.service", at=end + 1 + 600 * i) for i in range(7)]
    journal = write_journal(tmp_path, "forged", [*ticks, *forged, *later])
    assert silences(assert_same_events(SHIPPED, files=[journal])) == {"docker.service/api", "user@1000.service/rapi"}
