"""Sidekiq's log levels (issue 12, operator trial 3): Sidekiq 6 and 7 write `TIME pid=P tid=T[ key=value ...]
SEVERITY: msg` (lib/sidekiq/logger.rb, Formatters::Pretty), the job's context as key=value pairs between the
thread id and Ruby Logger's severity. The prefix step stops at a key=value token, so no Sidekiq line had a
level: Sidekiq runs the background jobs of GitLab, Mastodon and Discourse, and its `ERROR: Error fetching job`
(Redis gone) was an info line (engine/format_levels.py, and its C twin sources/format_levels.h).
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
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = [T, " pid=", "2841", " tid=", "zu91j", " class=MailerJob", " k=", "v", "=", " ", "  ", " INFO: ", " ERROR:",
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
