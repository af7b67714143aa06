"""A text file's line that its unit says again after an hour or more without it is that unit's normal
(sources/text_recurring.py): the rules that judge excerpts leave it alone, as a journal's history would (trial 70's
long syslogs: bluetoothd's `Can't init bnep module` at each of three boots, wpa_supplicant's absent wlan0 at every
boot of a month, named's SERVFAIL on three days, each a card). One continuous episode (a crash loop, a hang that
says the same failure for hours) is still judged; standard input is judged as the same file (kept whole). Real
files through `scan --file`, and the key logic on its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES

from logsentry.model import Entry
from logsentry.sources import stdin_spool
from logsentry.sources.text_recurring import RECUR_GAP_USEC, recurring_keys

START = datetime(2025, 3, 4, 8, 0, 0)
FAILURE = "bluetoothd[{pid}]: Can't init bnep module"


def syslog(episodes: list[float], lines_per_episode: int = 3, every_s: int = 20, cron_every_min: int = 10) -> str:
    """A host's syslog: cron's line every `cron_every_min` for the whole span, and at each episode (hours after
    START) bluetoothd's start banner and its failure line `lines_per_episode` times, `every_s` apart."""
    span = (int(max(episodes)) + 2) * 60
    lines = [(START + timedelta(minutes=minute), f"CRON[{900 + minute}]: (root) CMD (command -v debian-sa1 > "
                                                  f"/dev/null && debian-sa1 1 1)")
             for minute in range(0, span, cron_every_min)]
    for number, hours in enumerate(episodes):
        at = START + timedelta(hours=hours)
        lines.append((at, f"bluetoothd[{600 + number}]: Bluetooth daemon 5.43"))
        lines += [(at + timedelta(seconds=1 + n * every_s), FAILURE.format(pid=600 + number))
                  for n in range(lines_per_episode)]
    return "".join(f"{at:%b %d %H:%M:%S} plug {text}\n" for at, text in sorted(lines))


def incidents(path: Path, *extra: str, stdin: str | None = None) -> list[str]:
    args = ["scan", "--file", "-" if stdin is not None else str(path), "--no-shipped-rules", "--rules",
            str(ANOMALY_RULES), "-o", "json", *extra]
    events = json_events(run_cli(*args, input=stdin.encode()) if stdin is not None else run_cli(*args))
    return [incident["rule"] for incident in of_type(events, "incident")]


def test_a_failure_line_of_every_boot_is_its_units_normal(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text(syslog([0.1, 20, 45]))  # three boots: its first burst is no paste's failure
    assert incidents(path) == []
    path.write_text(syslog([0.1]))  # once only: judged as a paste's, as before
    assert incidents(path) == ["excerpt-failure-template"]


def test_a_paste_shorter_than_a_warm_up_keeps_its_recurrences(tmp_path: Path) -> None:
    """A paste of fewer than 200 lines is no history: its failure an hour and more later is its trouble again (trial
    69's home-assistant.log: 34 lines, Chromecasts dropping at 02:33 and 04:03)."""
    path = tmp_path / "syslog"
    path.write_text(syslog([0.1, 2], cron_every_min=60))
    assert len(path.read_text().splitlines()) < 200
    assert incidents(path) == ["excerpt-failure-template"]


def test_one_long_episode_is_still_judged(tmp_path: Path) -> None:
    """A crash loop that says its failure every 5 minutes for 6 hours never goes an hour without it: no normal
    around it, so its first lines are a card."""
    path = tmp_path / "syslog"
    path.write_text(syslog([0.1], lines_per_episode=72, every_s=300))
    assert incidents(path) == ["excerpt-failure-template"]


def test_standard_input_is_judged_as_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same bytes piped in or read by name give the same cards (sources/stdin_spool.py keeps standard input whole
    to read it ahead; a new user's `journalctl -u myapi | logsentry scan --file -` carded a routine line that `--file`
    did not); past what it keeps, standard input is read once, as before."""
    text = syslog([0.1, 20, 45])
    (path := tmp_path / "syslog").write_text(text)
    assert incidents(path) == incidents(tmp_path, stdin=text) == []
    monkeypatch.setattr(stdin_spool, "SPOOL_BYTES", len(text) // 2)
    assert incidents(tmp_path, stdin=text) == ["excerpt-failure-template"]


def entry(usec: int, message: str, unit: str = "bluetoothd") -> Entry:
    return Entry(usec, message, unit, 6, "", {"_HOSTNAME": "plug"}, from_text=True)


def test_recurring_keys() -> None:
    hour = RECUR_GAP_USEC
    keys = recurring_keys([entry(0, "Can't init bnep module 7"), entry(hour, "Can't init bnep module 9"),
                           entry(0, "steady 1"), *(entry(n * hour // 2, "steady 1") for n in range(1, 9)),
                           entry(5, "once"), entry(hour, "other unit's", "a"), entry(3 * hour, "other unit's", "b"),
                           entry(3 * hour, "back"), entry(hour, "back"),
                           *(entry(n, f"filler {n}", "cron") for n in range(200))])
    # numbers masked alike; a line every half hour never leaves an hour's gap; a unit's own lines only; a step back
    # in time starts no episode
    assert keys == {("host:plug/bluetoothd", "Can't init bnep module <NUM>")}
    assert recurring_keys([entry(0, "Can't init bnep module 7"), entry(hour, "Can't init bnep module 9")]) == set()


def test_a_recurrence_tells_no_quoted_value_or_dotted_name_apart() -> None:
    """named's SERVFAIL for one zone, then another hours later, is one broken remote's normal (trial 70's 18: 28
    such lines over three days were a card); the masker keeps such names (a template's words, and saved baselines'
    ids, must not change with it), the recurrence key does not. Other words stay apart."""
    hour, filler = RECUR_GAP_USEC, [entry(n, f"filler {n}", "cron") for n in range(200)]
    servfail = "error (unexpected RCODE SERVFAIL) resolving '{}/A/IN': 220.248.192.10#53"
    keys = recurring_keys([entry(0, servfail.format("dns1.jxnc.example.net"), "named"),
                           entry(2 * hour, servfail.format("ns2.other.example.org"), "named"),
                           entry(0, 'lookup "api.example.com" failed'), entry(2 * hour, 'lookup "db" failed'),
                           entry(0, "connect to mx.example.org[1.2.3.4]:25: timed out"),
                           entry(2 * hour, "connect to mx.example.org[1.2.3.4]:25: refused"), *filler])
    assert {text for _, text in keys} == {"error (unexpected RCODE SERVFAIL) resolving <NAME>: <IP>#<NUM>",
                                          "lookup <STR> failed"}


def service_log(failing_until_h: float, hours: int = 6) -> str:
    """A quiet service's syslog over `hours`: a request every 3 minutes and, from its sixth minute until
    `failing_until_h` hours, three lookups of clients' hosts that time out every half hour, each naming another host
    (fewer than 200 lines: no history of the unit's own, `test_a_long_units_lines_are_judged_as_a_journals`); cron every
    5 minutes (a file under 200 lines is a paste: its recurrences are its trouble)."""
    lines = [(START + timedelta(minutes=minute), f"api[4242]: GET /v1/items/{minute} from 192.0.2.{minute % 250} 200")
             for minute in range(0, hours * 60, 3)]
    lines += [(START + timedelta(minutes=minute, seconds=5 + n),
               f"api[4242]: lookup of client{minute}-{n}.example.net timed out, serving 198.51.100.{minute % 250}")
              for minute in range(6, int(failing_until_h * 60), 30) for n in range(3)]
    lines += [(START + timedelta(minutes=minute), f"CRON[{900 + minute}]: (root) CMD (run-parts /etc/cron.hourly)")
              for minute in range(0, hours * 60, 5)]
    return "".join(f"{at:%b %d %H:%M:%S} web {text}\n" for at, text in sorted(lines))


def test_a_line_steady_through_a_long_log_is_its_units_normal(tmp_path: Path) -> None:
    """A quiet service whose clients' host lookups time out in bursts all day among its requests (one episode, never an
    hour without one, each naming another host) works that way: not the failure a paste was cut to show (trial 74's
    postfix logs refusing spam all day: 13 false alarms). The same lines that stop halfway through the log are an
    episode inside it: still judged; so is a hang that is most of what its unit says (test_one_long_episode_is_still_
    judged)."""
    path = tmp_path / "api.log"
    path.write_text(service_log(failing_until_h=6))
    assert incidents(path) == []
    path.write_text(service_log(failing_until_h=3))
    assert set(incidents(path)) == {"excerpt-failure-template"}


def worker_log(minutes: int, hang_after_min: int | None = None, startup: str = "metrics endpoint unreachable, "
               "retrying (attempt {n})", again_every_min: int = 0, hang_until_min: int | None = None) -> str:
    """A worker's own log: a job every 10 s for `minutes`, three `startup` lines in its first minute (and each
    `again_every_min` after it: 0, never), and from `hang_after_min` on (None: never) to `hang_until_min` (None: the
    end) an error every second instead of its jobs."""
    lines = [(START + timedelta(minutes=minute, seconds=20 + n), "worker[812]: " + startup.format(n=n))
             for minute in range(0, minutes, again_every_min or minutes) for n in range(3)]
    hang = range(0) if hang_after_min is None else range(hang_after_min * 60, (hang_until_min or minutes) * 60)
    for second in range(0, minutes * 60, 10):
        if second not in hang:
            lines.append((START + timedelta(seconds=second), f"worker[812]: processed job {second} in 12ms"))
    lines += [(START + timedelta(seconds=second), "worker[812]: error: could not acquire the queue lock, retrying")
              for second in hang]
    return "".join(f"{at:%b %d %H:%M:%S} box {text}\n" for at, text in sorted(lines))


def test_a_long_units_lines_are_judged_as_a_journals(tmp_path: Path) -> None:
    """A unit with 200 lines or more over an hour or more in its file has its history there: no excerpt cut to show a
    failure, so its start-up's failure words at info or with no level are judged as a journal's would be, after a
    warm-up (trial 74's MySQL reverse lookups, trial 75's ZooKeeper and Kafka start-ups), and so are its error lines of
    the start-up alone (trial 75's Home Assistant). The same start-up in a 20-minute paste is still a card; so are a
    long log's error lines that began with it and go on (trial 75's Celery worker, every task failing), and a hang that
    repeats its error for an hour after a normal half hour (the mission's case)."""
    path = tmp_path / "worker.log"
    path.write_text(worker_log(minutes=120))
    assert incidents(path) == []
    path.write_text(worker_log(minutes=20))
    assert incidents(path) == ["excerpt-failure-template"]
    failing = "error: could not load module app.conf (task {n})"
    path.write_text(worker_log(minutes=120, startup=failing))
    assert incidents(path) == []
    path.write_text(worker_log(minutes=120, startup=failing, again_every_min=20))
    assert incidents(path) == ["new-error-template"]
    path.write_text(worker_log(minutes=90, hang_after_min=30))
    assert incidents(path), "the hang went unseen"


def test_a_since_window_reads_ahead_the_whole_file(tmp_path: Path) -> None:
    """The read-ahead takes the units' history from the whole file, not from --since's window: a window that began 10
    min before a worker's hang made the hang its unit's first hour, which a long unit's read-ahead takes for its
    start-up, and the hang was no card (a new user's try: a Spring Boot outage under `--since 13:30`)."""
    path = tmp_path / "worker.log"
    path.write_text(worker_log(minutes=300, hang_after_min=200, hang_until_min=230))
    since = f"{START.replace(year=2026) + timedelta(minutes=190):%Y-%m-%d %H:%M}"  # (syslog text: no year, 2026 read)
    assert incidents(path), "the hang went unseen in the whole file"
    assert incidents(path, "--since", since), "the hang went unseen in the window"
