"""Sidekiq's log levels (issue 12, operator trials 3 and 4): Sidekiq 6 and 7 write `TIME pid=P tid=T[ key=value ...]
SEVERITY: msg` (lib/sidekiq/logger.rb, Formatters::Pretty), the job's context as key=value pairs between the
thread id and Ruby Logger's severity. The prefix step stops at a key=value token, so no Sidekiq line had a
level: Sidekiq runs the background jobs of GitLab, Mastodon and Discourse, and its `ERROR: Error fetching job`
(Redis gone) was an info line (engine/format_levels.py, and its C twin sources/format_levels.h). Sidekiq 3 to 5
write `TIME PID TID-tid[ class JID-jid] SEVERITY: msg` (Logging::Pretty): trial 4's `ERROR: heartbeat: Waited 1
sec` (sidekiq/sidekiq#1941) was an info line too.
"""

from __future__ import annotations

from conftest import entry
from hypothesis import given, settings
from hypothesis import strategies as st
from test_anomaly import HOUR, by_time, scan_anomalies, steady
from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level
from logsentry.sources import _journalscan

CRIT, ERR, WARNING, INFO, DEBUG = 2, 3, 4, 6, 7
T = "2026-11-28T14:00:00.123Z"

CORPUS: list[tuple[int | None, str, str]] = [
    (INFO, f"{T} pid=2841 tid=zu91j class=MailerJob jid=b4a577edbccf1d805744efa9 INFO: start", "a job starts"),
    (INFO, f"{T} pid=2841 tid=zu91j class=MailerJob jid=b4a577edbccf1d805744efa9 elapsed=0.012 INFO: done", "done"),
    (WARNING, f"{T} pid=2841 tid=zu91j WARN: Redis::CommandError: MISCONF Redis is configured to save RDB snapshots",
     "a job's exception"),
    (ERR, f"{T} pid=2841 tid=1ya0 ERROR: Error fetching job: Error connecting to Redis on 127.0.0.1:6379 "
          "(Errno::ECONNREFUSED)", "Redis gone"),
    (CRIT, f"{T} pid=1 tid=a FATAL:", "FATAL, nothing after it"),
    (DEBUG, f"{T} pid=1 tid=a tags=a,b DEBUG: x", "a tags list"),
    # look-alikes
    (None, f"{T} pid=1 tid=a GET /x ERROR: x", "a word that is no key=value before it"),
    (None, f"{T} pid=1 tid=A INFO: x", "no Sidekiq thread id"),
    (None, f"{T} pid=1 tid=a ERRORS=1 x", "a key, not a severity"),
    (None, f"{T} pid=1 tid=a ERROR:x", "no blank after the colon"),
    (None, f"{T} pid=1 tid=a Error: x", "not Ruby Logger's capitals"),
    (None, "2026-11-28 14:00:00.123Z pid=1 tid=a ERROR: x", "not Sidekiq's time"),
    (None, f"{T} tid=a ERROR: x", "no pid"),
    (None, f"{T} pid=1 tid=a {'k=v ' * 45}ERROR: x", "the severity past the prefix limit"),
    # Sidekiq 3 to 5 (lib/sidekiq/logging.rb, Logging::Pretty): TIME PID TID-tid[ context] SEVERITY: msg
    (ERR, "2014-09-10T15:43:49Z 60056 TID-oxwbvr7zk ERROR: heartbeat: Waited 1 sec", "Sidekiq 3 (sidekiq#1941)"),
    (WARNING, "2014-03-22T03:12:35Z 41808 TID-ovgd2eqgs WARN: Error connecting to Redis on 127.0.0.1:6379 "
              "(ECONNREFUSED)", "Sidekiq 3's heartbeat (sidekiq#1586)"),
    (ERR, "2017-09-08T07:17:39.883Z 9819 TID-wd8no ERROR: /data/app/shared/bundle/ruby/2.3.0/gems/redis-3.2.2/lib/"
          "redis/client.rb:332:in `rescue in establish_connection'", "Sidekiq 4/5, milliseconds (sidekiq#3600)"),
    (INFO, "2018-01-02T10:00:00.123Z 12 TID-ox1 HardWorker JID-b4a577edbccf1d805744efa9 INFO: start",
     "Sidekiq 5's context: the job's class and JID"),
    (INFO, "2018-01-02T10:00:00.123Z 12 TID-ox1 Mod::HardWorker JID-b4 BID-x1 INFO: done", "a namespaced class, BID"),
    (CRIT, "2018-01-02T10:00:00.123Z 12 TID-ox1 FATAL:", "FATAL, nothing after it (old)"),
    (None, "2018-01-02T10:00:00.123Z 12 TID-ox1 GET /x ERROR: x", "a path is no context token"),
    (None, "2018-01-02T10:00:00.123Z 12 TID-OX1 ERROR: x", "no Sidekiq thread id (capitals)"),
    (None, "2018-01-02T10:00:00.12Z 12 TID-ox1 ERROR: x", "two digits of fraction"),
    (None, "2018-01-02T10:00:00.123Z TID-ox1 ERROR: x", "no pid"),
    (None, "2018-01-02T10:00:00.123Z 12 TID-ox1 ERROR:x", "no blank after the colon (old)"),
    (None, "2018-01-02T10:00:00.123+00:00 12 TID-ox1 ERROR: x", "not UTC's Z"),
    (None, f"2018-01-02T10:00:00.123Z 12 TID-ox1 {'Job ' * 45}ERROR: x", "past the prefix limit (old)"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = [T, "2014-09-10T15:43:49Z", " TID-", "oxwbvr7zk", " JID-b4", " Mod::Job",
          " pid=", "2841", " tid=", "zu91j", " class=MailerJob", " k=", "v", "=", " ", "  ", " INFO: ", " ERROR:",
          " WARN", ":", "\n", "FATAL", "x", "é", "\t"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)), max_size=10))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


def test_sidekiq_losing_redis_is_an_error_level_anomaly(make_journal) -> None:
    """Two hours of jobs, then Redis is gone: the fetcher's ERROR every second. Its lines are err now, so
    new-error-template is the incident (error, at the third line); before, only the words 'Error connecting'
    made it a new-failure-template warning at the tenth."""
    unit = "sidekiq.service"
    jobs = steady(unit, 0, 2 * HOUR, 5, T + " pid=2841 tid=zu91j class=MailerJob jid={n}a elapsed=0.{ms} INFO: done")
    gone = [entry(f"{T} pid=2841 tid=1ya0 ERROR: Error fetching job: Error connecting to Redis on 127.0.0.1:6379 "
                  "(Errno::ECONNREFUSED)", unit=unit, at=2 * HOUR + n) for n in range(30)]
    found = scan_anomalies(make_journal(by_time(jobs, gone)))
    assert [(i["rule"], i["severity"]) for i in found] == [("new-error-template", "error")], found
    assert found[0]["realtime_usec"] == int(gone[2]["__REALTIME_TIMESTAMP"])


def test_old_sidekiq_losing_redis_is_an_error_level_anomaly(make_journal) -> None:
    """Sidekiq 3's own format (sidekiq/sidekiq#1941): two hours of jobs, then the heartbeat's ERROR every 6 s.
    Its lines are err now, so new-error-template is the incident at the third; before, only the word 'ERROR'
    made it a new-failure-template warning, 54 s in (trial 4)."""
    unit = "sidekiq.service"
    jobs = steady(unit, 0, 2 * HOUR, 5, "2014-10-07T16:08:54.492Z 25066 TID-ov2ygtnd8 Job{n} JID-{n}a INFO: done")
    waited = [entry("2014-09-10T15:43:49Z 60056 TID-oxwbvr7zk ERROR: heartbeat: Waited 1 sec", unit=unit,
                    at=2 * HOUR + 6 * n) for n in range(20)]
    found = scan_anomalies(make_journal(by_time(jobs, waited)))
    assert [(i["rule"], i["severity"]) for i in found] == [("new-error-template", "error")], found
    assert found[0]["realtime_usec"] == int(waited[2]["__REALTIME_TIMESTAMP"])
