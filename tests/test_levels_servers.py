"""Levels three servers write that were not read (helper D8's held-out trial), on real journal files
(systemd-journal-remote), scanned with the anomaly rules only:

- ClickHouse's `{query_id} <Error> source:` (engine/format_levels.py, sources/format_levels.h);
- CockroachDB's `W261127 hh:mm:ss.uuuuuu goid file:line ⋮ [tags] counter  msg`, and its level letter and YYMMDD
  date masked in templates as glog's (engine/templates/tokens.py, _mask.c): each day made new templates;
- unbound's own ident after its epoch, `[1795781824] unbound[812:1] error:` (levels.py step 5, levels.h);
- Gitea's and Forgejo's `2021/01/20 13:11:28 routers/user/home.go:60:getDashboardContextUser() [E] msg`: the level's
  initial after the caller (engine/format_levels.py, sources/go_levels.h);
- Ceph's daemons on stderr, `2026-11-27T12:17:03.150+0000 7f1c2d3e5700 -1 osd.3 ...`: the dout priority after the
  thread id (helper D9's trial: an OSD losing its heartbeats was missed by every rule);
- Squid's `2026/11/27 12:17:03 kid1| FATAL: ...`: its SMP kid label before the level (levels.py step 5, levels.h).

Each failure's lines were at PRIORITY 6 with their level unread, so they were caught late, as warnings, or only by a
failure word (new-failure-template); now the level each program wrote decides.
"""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time

ERR, WARNING = 3, 4


def scan(journal) -> list[dict]:
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                     "-o", "json")
    assert result.exit_code == 0, result.output
    return json_events(result)


def when(at: float) -> datetime:
    return datetime.fromtimestamp(BASE_USEC / 1e6 + at, UTC)


def clickhouse(at: float, tid: int, query: str, level: str, text: str) -> dict:
    stamp = when(at)
    return entry(f"{stamp:%Y.%m.%d %H:%M:%S}.{stamp.microsecond:06d} [ {tid} ] {{{query}}} <{level}> {text}",
                 unit="clickhouse-server.service", at=at)


def test_clickhouse_failing_every_query_is_an_error_level_anomaly(make_journal) -> None:
    """Memory limit exceeded on every query, `<Error> executeQuery: Code: 241` (ClickHouse#21218), after two hours
    of `<Information>` and `<Debug>` lines: new-error-template at the failure's third line; before, the lines were
    info and only their failure words made a new-failure-template warning at the tenth."""
    normal = [clickhouse(n * 5, 600 + n % 50, f"{n:08x}-1d2b-4c1e-9a53-0b6c2f1d8e47", ("Information", "Debug")[n % 2],
                         f"executeQuery: Read {n % 97} rows, {n % 13}.00 KiB in 0.00{n % 9} sec.")
              for n in range(int(2 * HOUR / 5))]
    failing = [clickhouse(2 * HOUR + n, 694, f"{n:08x}-f37a-36c0-cd05-19f1978c1c35", "Error",
                          "executeQuery: Code: 241. DB::Exception: Memory limit (total) exceeded: would use 14.02 GiB "
                          f"(attempt to allocate chunk of {2097152 * (1 + n % 3)} bytes), maximum: 13.97 GiB. "
                          "(MEMORY_LIMIT_EXCEEDED)") for n in range(20)]
    events = scan(make_journal(by_time(normal, failing)))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"]) for i in incidents] == [("new-error-template", "error")]
    assert incidents[0]["first_usec"] == int(failing[0]["__REALTIME_TIMESTAMP"])
    assert incidents[0]["realtime_usec"] == int(failing[2]["__REALTIME_TIMESTAMP"])
    matches = [m for m in of_type(events, "match") if "Code: 241" in m["message"]]
    assert matches and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in matches)


def cockroach(at: float, level: str, source: str, tags: str, counter: int, text: str) -> dict:
    stamp = when(at)
    return entry(f"{level}{stamp:%y%m%d %H:%M:%S}.{stamp.microsecond:06d} 1464 {source} \u22ee [{tags}] {counter}  "
                 f"{text}", unit="cockroach.service", at=at)


def test_cockroachdb_losing_liveness_is_caught_at_warning_and_midnight_is_no_news(make_journal) -> None:
    """A node's routine warning every 30 s and info lines every 5 s from 20:00 to 02:00 (2026-01-01 to 01-02, UTC),
    then `failed node liveness heartbeat` at W every 4.5 s (cockroach#22921). Only the failure is an incident, at
    its tenth line (new-failure-template and new-warning-template both fire there), and its lines are warnings by
    their W, which was unread (info) before. With the W read but the level letter and date one unmasked token,
    midnight's `W260102` made the routine warning new: a new-warning-template false alarm at 00:04:30."""
    start, end = 20 * HOUR, 26 * HOUR
    routine = [cockroach(start + n * 30, "W", "kv/kvserver/store_raft.go:720", "T1,n1,s1,r42/1:/Table/5{0-1}", 3 * n,
                         f"handle raft ready: 0.{5 + n % 4}s [applied=1, batches=1, state_assertions=0]; node might "
                         "be overloaded") for n in range(int((end - start) / 30))]
    info = [cockroach(start + 1 + n * 5, "I", "server/status/runtime_log.go:47", "T1,n1", 3 * n + 1,
                      f"runtime stats: {n % 900} MiB RSS, {200 + n % 50} goroutines")
            for n in range(int((end - start) / 5))]
    failing = [cockroach(end + n * 4.5, "W", "kv/kvserver/liveness/liveness.go:781", "T1,n1,liveness-hb", 40000 + n,
                         'failed node liveness heartbeat: operation "node liveness heartbeat" timed out after 4.5s')
               for n in range(40)]
    events = scan(make_journal(by_time(routine, info, failing)))
    incidents = of_type(events, "incident")
    assert incidents, "the failure is caught"
    assert all(i["first_usec"] >= int(failing[0]["__REALTIME_TIMESTAMP"]) for i in incidents), incidents
    assert [(i["rule"], i["severity"]) for i in incidents] == [("new-failure-template", "warning")]
    assert incidents[0]["realtime_usec"] == int(failing[9]["__REALTIME_TIMESTAMP"])
    assert incidents[0]["template"].startswith("W<DATE> <TS> <NUM> kv/kvserver/liveness/liveness.go:<NUM>")
    matches = [m for m in of_type(events, "match") if "liveness heartbeat" in m["message"]]
    assert matches and all((m["effective_priority"], m["level_source"]) == (WARNING, "text") for m in matches)


def unbound(at: float, level: str, text: str) -> dict:
    return entry(f"[{int(BASE_USEC / 1e6 + at)}] unbound[812:{int(at) % 2}] {level}: {text}", unit="unbound.service",
                 at=at, _PID="812")


def test_unbound_servfail_storm_is_an_error_level_anomaly(make_journal) -> None:
    """Forwarders unreachable: `error: SERVFAIL <name. A IN>: all the configured stub or forward servers failed`
    (unbound's mesh.c with log-servfail) after two hours of info lines: new-error-template at the third line;
    before, the reader stopped at `unbound[812:1]` and the lines were info."""
    normal = [unbound(n * 10, "info", f"resolving host{n % 300}.example.com. A IN") for n in range(int(2 * HOUR / 10))]
    failing = [unbound(2 * HOUR + n / 2, "error", f"SERVFAIL <host{n}.api.github.com. A IN>: all the configured stub "
                       "or forward servers failed, at zone .") for n in range(30)]
    events = scan(make_journal(by_time(normal, failing)))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"]) for i in incidents] == [("new-error-template", "error")]
    assert incidents[0]["realtime_usec"] == int(failing[2]["__REALTIME_TIMESTAMP"])
    matches = [m for m in of_type(events, "match") if "SERVFAIL" in m["message"]]
    assert matches and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in matches)


def gitea(at: float, caller: str, level: str, text: str) -> dict:
    return entry(f"{when(at):%Y/%m/%d %H:%M:%S} {caller} [{level}] {text}", unit="gitea.service", at=at)


def test_gitea_failing_every_request_is_an_error_level_anomaly(make_journal) -> None:
    """The database gone: every page fails with `[E] GetOrganizations: invalid connection` (go-gitea/gitea#14393)
    after two hours of `[I]` and `[D]` lines: new-error-template at the third line; before, the reader stopped at
    the caller (`routers/user/home.go:60:getDashboardContextUser()`) and the lines were info."""
    callers = ("...s/context/context.go:332:func1()", "cmd/web.go:206:runWeb()")
    normal = [gitea(n * 10, callers[n % 2], "DI"[n % 2], f"Session ID: {n * 7919:016x}" if n % 2 == 0
                    else f"Completed GET /repo{n % 40} 200 OK in {n % 90}ms") for n in range(int(2 * HOUR / 10))]
    failing = [gitea(2 * HOUR + n, "routers/user/home.go:60:getDashboardContextUser()", "E",
                     "GetOrganizations: invalid connection") for n in range(20)]
    events = scan(make_journal(by_time(normal, failing)))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"]) for i in incidents] == [("new-error-template", "error")]
    assert incidents[0]["realtime_usec"] == int(failing[2]["__REALTIME_TIMESTAMP"])
    matches = [m for m in of_type(events, "match") if "invalid connection" in m["message"]]
    assert matches and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in matches)


def ceph(at: float, prio: str, text: str) -> dict:
    stamp = when(at)
    thread = f"7f1c2d3e{5700 + int(at) % 7:04x}"
    return entry(f"{stamp:%Y-%m-%dT%H:%M:%S}.{stamp.microsecond // 1000:03d}+0000 {thread} {prio} {text}",
                 unit="ceph-osd@3.service", at=at)


def test_ceph_osd_losing_its_heartbeats_is_an_error_level_anomaly(make_journal) -> None:
    """A network partition: `-1 osd.3 4420 heartbeat_check: no reply from ...` twice a second (Ceph's derr,
    ceph-ansible#1297) after two hours of its routine lines at dout 1 and 5: new-error-template at the third line;
    before, the priority after the thread id was unread, the lines were info, and no rule fired."""
    normal = [ceph(n * 10, " 1" if n % 3 else " 5", f"osd.3 {4400 + n // 360} pg_epoch: {n} tick checking {n % 64} pgs")
              for n in range(int(2 * HOUR / 10))]
    failing = [ceph(2 * HOUR + n / 2, "-1", f"osd.3 4420 heartbeat_check: no reply from 10.0.6.{12 + n % 3}:6804 osd.5 "
                    "since back 2026-11-27T12:16:43.148+0000 front 2026-11-27T12:16:43.148+0000")
               for n in range(30)]
    events = scan(make_journal(by_time(normal, failing)))
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"]) for i in incidents] == [("new-error-template", "error")]
    assert incidents[0]["realtime_usec"] == int(failing[2]["__REALTIME_TIMESTAMP"])
    matches = [m for m in of_type(events, "match") if "heartbeat_check" in m["message"]]
    assert matches and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in matches)


def squid(at: float, text: str) -> dict:
    return entry(f"{when(at):%Y/%m/%d %H:%M:%S} kid1| {text}", unit="squid.service", at=at)


def test_squid_helpers_crashing_is_a_critical_anomaly(make_journal) -> None:
    """Squid's certificate helpers crash in a loop until Squid gives up: `kid1| FATAL: The ... helpers are crashing
    too rapidly, need help!` (b4tman/docker-squid#4), after two hours of its routine lines: new-fatal-template at
    that first FATAL line; before, the reader stopped at `kid1|` and the line was info."""
    normal = [squid(n * 20, f"Starting new bumphelpers #Hlpr{n % 9}, {n % 5 + 1} children ...") if n % 2
              else squid(n * 20, f"Logfile: opening log daemon:/var/log/squid/access{n % 3}.log")
              for n in range(int(2 * HOUR / 20))]
    failing = [squid(2 * HOUR + n, f"WARNING: bumphelpers #Hlpr{n} exited") for n in range(5)]
    failing.append(squid(2 * HOUR + 6, "FATAL: The /usr/lib/squid/security_file_certgen -s /var/lib/ssl_db -M 4MB "
                                       "helpers are crashing too rapidly, need help!"))
    events = scan(make_journal(by_time(normal, failing)))
    fatal = [i for i in of_type(events, "incident") if i["rule"] == "new-fatal-template"]
    assert [(i["severity"], i["realtime_usec"]) for i in fatal] == [
        ("critical", int(failing[-1]["__REALTIME_TIMESTAMP"]))]
