"""A paste of `docker compose logs` is read without Compose's `name  | ` prefix (sources/text_compose.py).

Found by helper-140's trial 3 on public reports: read as it was, no line of such a paste started with its time or
its level, so the whole paste was lines without a time at the file's time, and Dovecot's `Fatal:` and Celery's
`ERROR/MainProcess` lines had no level. The real CLI over files and standard input.
"""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

from logsentry.sources.text_compose import compose_prefixed

_AUTH = ("managesieve-login: Error: auth-client: conn unix:login (pid=112,uid=0): Timeout waiting for handshake from "
         "auth server. my pid=")
MAILCOW = "".join(f"dovecot-mailcow_1    | {line}\n" for line in (  # mailcow/mailcow-dockerized#3211, verbatim
    f"Dec 11 16:21:05 mx dovecot: {_AUTH}122, input bytes=0",
    f"Dec 11 16:21:05 mx dovecot: {_AUTH}119, input bytes=0",
    "Dec 11 16:21:35 mx dovecot: master: Error: service(auth): Initial status notification not received in 30 seconds, "
    "killing the process",
    "Dec 11 16:21:35 mx dovecot: auth: Fatal: master: service(auth): child 175 killed with signal 9",
    "Dec 11 16:22:01 mx CRON[180]: pam_unix(cron:session): session opened for user vmail by (uid=0)"))

CELERY = "".join(f"sample-default-worker-1  | {line}\n" for line in (  # celery/celery#8541, its "..." lines left out
    "[2023-09-27 21:22:29,251: INFO/MainProcess] Task sample.celery.long_running_task"
    "[2cbdb8e8-aa29-45a1-aee1-e9afa244ea10] received",
    "[2023-09-27 21:23:12,642: ERROR/MainProcess] consumer: Cannot connect to amqp://guest:**@rabbitmq:5672//: "
    "[Errno 111] Connection refused.",
    "Trying again in 4.00 seconds... (2/100)",
    "[2023-09-27 21:23:22,689: INFO/MainProcess] Connected to amqp://guest:**@rabbitmq:5672//"))


def _scan(*args: str, input: bytes | None = None) -> list[dict[str, object]]:
    done = run_cli("scan", *args, "-o", "json", input=input)
    assert done.exit_code == 0, done.output
    return json_events(done)


def test_a_compose_paste_keeps_its_times_and_levels(tmp_path: Path) -> None:
    paste = tmp_path / "mailcow.log"
    paste.write_text(MAILCOW)
    events = _scan("--file", str(paste))
    [incident] = of_type(events, "incident")
    assert incident["rule"] == "new-fatal-template"
    assert incident["message"] == "auth: Fatal: master: service(auth): child 175 killed with signal 9"
    # the paste's own times (the year is the file's), not the file's time for every line
    assert {m["realtime_usec"] % 86_400_000_000 for m in of_type(events, "match")} == {
        (16 * 3600 + 21 * 60 + 5) * 1_000_000, (16 * 3600 + 21 * 60 + 35) * 1_000_000}


def test_a_piped_compose_paste_keeps_its_levels() -> None:
    events = _scan("--file", "-", input=CELERY.encode())
    levels = [(str(m["message"]).split("]")[0], m["effective_priority"], m["level_source"])
              for m in of_type(events, "match") if m["rule"] == "error-burst"]  # (the rule that counts levels)
    assert levels == [("[2023-09-27 21:23:12,642: ERROR/MainProcess", 3, "text")]
    [summary] = of_type(events, "summary")
    assert summary["first_usec"] != summary["last_usec"]  # its own times: 21:22:29 to 21:23:22


def test_prefixes_in_colour_and_of_moving_width(tmp_path: Path) -> None:
    paste = tmp_path / "up.log"
    paste.write_bytes(b"Attaching to db-1, web-1\n"
                      b"\x1b[36mdb-1   | \x1b[0m2026-11-28 10:14:29.301 UTC [1] LOG:  database system is ready\n"
                      b"\x1b[33mweb-1  | \x1b[0mERROR:    Exception in ASGI application\n"
                      b"worker-long-name-1  | ERROR:    Exception in ASGI application\n"
                      b"web-1               |\n")
    levels = sorted((m["effective_priority"], m["message"]) for m in of_type(_scan("--file", str(paste)), "match")
                    if m["rule"] == "error-burst")  # (the rule that counts levels; the anomaly rules judge them too)
    assert levels == [(3, "ERROR:    Exception in ASGI application")] * 2


def test_other_logs_are_read_as_they_are() -> None:
    assert not compose_prefixed(b"Dec 11 16:21:05 mx app[1]: a | b\nDec 11 16:21:06 mx app[1]: c\n")
    assert not compose_prefixed(b"web-1  | one line alone\n")
    assert not compose_prefixed(b"a  | x\nb  | y\nplain one\nplain two\nplain three\n")
    assert not compose_prefixed(b"NAME   STATUS\nweb    | not a table of compose\n")
    assert compose_prefixed(b"a  | x\nb  | y\nAttaching to a, b\n")
    assert not compose_prefixed(b"a  | x\nb  | y\x00\n")  # binary
    # a level where a container's name would be: log4j's "%5p | %m" (ActiveMQ), the Java Service Wrapper's log
    assert not compose_prefixed(b"ERROR | Failed to start Apache ActiveMQ\nERROR | Could not bind\n INFO | x\n")
    assert not compose_prefixed(b"STATUS | wrapper  | 2024/01/01 12:00:00 | --> Wrapper Started as Daemon\n"
                                b"INFO   | jvm 1    | 2024/01/01 12:00:01 | started\n"
                                b"ERROR  | jvm 1    | 2024/01/01 12:00:02 | failed\n")


def test_a_level_in_the_prefix_place_is_kept(tmp_path: Path) -> None:
    paste = tmp_path / "activemq.log"
    paste.write_text("ERROR | Failed to start Apache ActiveMQ (localhost, null)\nERROR | Could not bind\n")
    assert {m["effective_priority"] for m in of_type(_scan("--file", str(paste)), "match")} == {3}


PM2 = "".join(f"0|themisto | {line}\n" if line else "0|themisto |\n" for line in (  # GoogleChrome/lighthouse#2544
    "[ERROR] connect ECONNREFUSED 127.0.0.1:42049",
    "",
    "      at Object.exports._errnoException (util.js:1050:11)",
    "      at exports._exceptionWithHostPort (util.js:1073:20)",
    "  code: ECONNREFUSED",
    "[ERROR] connect ECONNREFUSED 127.0.0.1:33468"))


def test_a_pm2_logs_paste_keeps_its_levels(tmp_path: Path) -> None:
    paste = tmp_path / "pm2.log"
    paste.write_text(PM2)
    matches = of_type(_scan("--file", str(paste)), "match")
    assert [(m["effective_priority"], m["message"]) for m in matches if m["rule"] == "error-burst"] == [
        (3, "[ERROR] connect ECONNREFUSED 127.0.0.1:42049"), (3, "[ERROR] connect ECONNREFUSED 127.0.0.1:33468")]


FOREMAN = "".join(f"{line}\n" for line in (  # feedbin/feedbin#120, verbatim: `foreman start`'s time, process | line
    "18:08:54 worker.1      | 2014-10-07T16:08:54.493Z 25066 TID-ov2ygtnd8 INFO: Starting processing, hit Ctrl-C "
    "to stop",
    "18:08:54 worker_slow.1 | 2014-10-07T16:08:54.499Z 25067 TID-ot9yxdtv8 ERROR: heartbeat: Error connecting to Redis "
    "on 127.0.0.1:6379 (ECONNREFUSED)",
    "18:08:54 worker_slow.1 | 2014-10-07T16:08:54.502Z 25067 TID-ot9yxea4s ERROR: Error fetching message: Error "
    "connecting to Redis on 127.0.0.1:6379 (ECONNREFUSED)"))


def test_a_foreman_paste_keeps_its_times_and_levels() -> None:
    """Foreman's `HH:MM:SS name.N | ` is taken off as Compose's is: read with it, no line had a time or a level."""
    events = _scan("--file", "-", input=FOREMAN.encode())
    levels = [(str(m["message"])[:24], m["effective_priority"]) for m in of_type(events, "match")
              if m["rule"] == "error-burst"]  # (the rule that counts levels; sidekiq-redis-unreachable names them)
    assert levels == [("2014-10-07T16:08:54.499Z", 3), ("2014-10-07T16:08:54.502Z", 3)], levels
    assert {m["rule"] for m in of_type(events, "match")} == {"error-burst", "sidekiq-redis-unreachable"}
    [summary] = of_type(events, "summary")
    assert summary["first_usec"] == 1412698134493000  # the program's own time, 2014-10-07T16:08:54.493Z


SWARM = "".join(f"amp_elasticsearch.1.mkpcvhxo494l@fr-amp-manager1    | {line}\n" for line in (
    # `docker service logs` of a Swarm service (appcelerator-archive/amp#1382): its task and node before ` | `
    "java.lang.OutOfMemoryError: GC overhead limit exceeded",
    "[2017-06-13T15:55:46,952][ERROR][o.e.b.ElasticsearchUncaughtExceptionHandler] [] fatal error in thread "
    "[elasticsearch[wZnfCVR][refresh][T#1]], exiting",
    "java.lang.OutOfMemoryError: GC overhead limit exceeded"))


def test_a_swarm_service_logs_paste_is_read_without_its_task_prefix(tmp_path: Path) -> None:
    """Behind `service.slot.task@node  | ` no line started with its own words: the JVM's OutOfMemoryError was missed
    (helper-172's trial), and the time went unread."""
    paste = tmp_path / "swarm.log"
    paste.write_text(SWARM)
    events = _scan("--file", str(paste))
    assert [i["rule"] for i in of_type(events, "incident")] == ["jvm-out-of-memory"]
    assert {m["message"] for m in of_type(events, "match") if m["rule"] == "jvm-out-of-memory"} == {
        "java.lang.OutOfMemoryError: GC overhead limit exceeded"}
    [summary] = of_type(events, "summary")
    assert summary["first_usec"] % 3_600_000_000 == (55 * 60 + 46) * 1_000_000 + 952_000  # its own 15:55:46.952


def test_each_container_of_a_paste_is_its_own_unit(tmp_path: Path) -> None:
    """A paste of several containers: each line is its container's (it was the file's, so a database's FATAL and
    the web app's panic two seconds later were one failure of "(compose)"); a syslog line inside keeps its own
    identifier (Dovecot's behind mailcow's container)."""
    paste = tmp_path / "compose.log"
    paste.write_text("".join(f"{line}\n" for line in (
        "db-1   | 2026-12-05 10:00:00.000 UTC [1] LOG:  database system is ready to accept connections",
        "web-1  | 2026-12-05T10:00:00.500Z listening on :8080",
        "db-1   | 2026-12-05 10:00:04.000 UTC [1] PANIC:  could not write to file \"pg_wal/xlogtemp.1\": No space "
        "left on device",
        "web-1  | 2026-12-05T10:00:05.000Z panic: runtime error: invalid memory address or nil pointer dereference",
        "web-1  | 2026-12-05T10:00:05.000Z [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]")))
    incidents = of_type(_scan("--file", str(paste)), "incident")
    assert sorted(str(i["unit"]) for i in incidents) == ["(db-1)", "(web-1)"], incidents
    mailcow = tmp_path / "mailcow.log"
    mailcow.write_text(MAILCOW)
    assert {str(m["unit"]) for m in of_type(_scan("--file", str(mailcow)), "match")} == {"(dovecot)"}


def test_a_swarm_services_replicas_are_one_service_on_their_nodes(tmp_path: Path) -> None:
    """`docker service logs`: the task's service is the identifier, its node the host: two replicas on two nodes
    crashing a second apart are two failures, each on its host (helper-174: one failure, the node dropped)."""
    paste = tmp_path / "svc.log"
    paste.write_text("".join(f"api_web.{slot}.{task}@node-{node}    | 2026-12-05T10:00:0{at}.000000000Z {line}\n"
                             for slot, task, node, at in ((1, "k3l2j4h5g6f7d8s9a0qwerty", "a", 5),
                                                          (2, "z9x8c7v6b5n4m3l2k1jhgfds", "b", 6))
                             for line in ("panic: runtime error: invalid memory address or nil pointer dereference",
                                          "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]")))
    incidents = of_type(_scan("--file", str(paste)), "incident")
    assert sorted((str(i["host"]), str(i["unit"])) for i in incidents) == [
        ("node-a", "(api_web)"), ("node-b", "(api_web)")], incidents
    swarm = tmp_path / "swarm.log"
    swarm.write_text(SWARM)
    [incident] = of_type(_scan("--file", str(swarm)), "incident")
    assert (incident["host"], incident["unit"]) == ("fr-amp-manager1", "(amp_elasticsearch)")
