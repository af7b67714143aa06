""".NET's console logger levels (issue 12, operator trial 3): an ASP.NET Core service under systemd writes its
log with Microsoft.Extensions.Logging.Console to stdout, which journald stores at PRIORITY 6. Its simple
formatter marks an error `fail: Category[EventId]` (the message follows on the next line) and its JSON formatter
`"LogLevel":"Error"`; neither was read, so a .NET service failing every request had no error-level line and the
share rules never saw it (engine/format_levels.py, levels.py, and their C twins).

1. A corpus of lines as the formatters write them, and look-alikes that are no level; C and Python agree.
2. On a real journal file (systemd-journal-remote): the mission case in .NET words. A service that once logged
   a 90-second blip of the failure (so its lines are no new template) then fails each of its few requests for
   an hour: caught by error-share-sustained; before, by no rule.
"""

from __future__ import annotations

import random

from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_anomaly import ANOMALY_RULES, HOUR, by_time
from test_levels import c_text_level, misread

from logsentry.engine.levels import effective_priority, text_level
from logsentry.sources import _journalscan

CRIT, ERR, WARNING, INFO, DEBUG = 2, 3, 4, 6, 7

CORPUS: list[tuple[int | None, str, str]] = [
    (ERR, "fail: Microsoft.EntityFrameworkCore.Database.Connection[20004]", "simple formatter, multi-line"),
    (ERR, "fail: Microsoft.AspNetCore.Server.Kestrel[13]\n      Connection id \"0HN1\": An unhandled exception",
     "the header line of a multi-line entry"),
    (ERR, "fail: Orders.Api.Workers.OutboxWorker[0] Outbox dispatch failed", "SingleLine = true"),
    (ERR, "fail: Orders.Api.Cache`1[7]", "a generic type's category"),
    (ERR, "fail: Orders.Api.Outer+Inner[7]", "a nested type's category"),
    (CRIT, "crit: Microsoft.AspNetCore.Hosting.Diagnostics[6]", "crit is a level word"),
    (WARNING, "warn: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[35]", "warn"),
    (INFO, "info: Microsoft.Hosting.Lifetime[14]", "info"),
    (DEBUG, "dbug: Microsoft.Extensions.Hosting.Internal.Host[1]", "dbug"),
    (ERR, '{"EventId":20004,"LogLevel":"Error","Category":"Microsoft.EntityFrameworkCore.Database.Connection",'
          '"Message":"An error occurred using the connection to database \'orders\'","State":{}}', "JSON formatter"),
    (CRIT, '{"EventId":6,"LogLevel":"Critical","Category":"Microsoft.AspNetCore.Hosting.Diagnostics",'
           '"Message":"Application startup exception"}', "JSON formatter, Critical"),
    (INFO, '{"EventId":14,"LogLevel":"Information","Category":"Microsoft.Hosting.Lifetime",'
           '"Message":"Now listening on: http://[::]:8080"}', "JSON formatter, Information"),
    # look-alikes
    (None, "fail: could not reach the backend", "no .NET category"),
    (None, "fail: Orders.Api[x]", "no event id"),
    (None, "fail: Orders.Api[7]x", "more after the event id"),
    (None, "fail:Orders.Api[7]", "no space after the mark"),
    (None, "FAIL: Orders.Api[7]", "not the formatter's lower case"),
    (None, "GET /x?q=fail: Orders.Api[7]", "client text"),
    (None, '{"Message":"x","State":{"LogLevel":"Error"}}', "a nested LogLevel"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = ["fail: ", "fail:", "Microsoft.AspNetCore", ".", "`1", "+", "[", "]", "13", "0", " ", "\n", "x", "_",
          '{"LogLevel":"Error"}', '{"EventId":1,"LogLevel":"', "Error", '"}']


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)), max_size=10))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


# ---- the mission case in .NET words, on a real journal file ------------------------------------------------

UNIT = "orders-api.service"
FAIL = 8 * HOUR


def request(at: float, n: int, failed: bool) -> list[dict]:
    """One request as the simple console formatter writes it: a journal entry per line."""
    lines = ["info: Microsoft.AspNetCore.Hosting.Diagnostics[2]",
             f"      Request finished HTTP/1.1 GET http://orders/api/orders/{n} - 200 - application/json 12.1ms"]
    if failed:
        lines = ["fail: Microsoft.EntityFrameworkCore.Database.Connection[20004]",
                 "      An error occurred using the connection to database 'orders' on server 'tcp://db1:5432'.",
                 "fail: Microsoft.AspNetCore.Server.Kestrel[13]",
                 f'      Connection id "0HN{n}", Request id "0HN{n}:00000002": An unhandled exception was thrown by '
                 "the application.", "      Npgsql.NpgsqlException (0x80004005): Exception while reading from stream",
                 "info: Microsoft.AspNetCore.Hosting.Diagnostics[2]",
                 f"      Request finished HTTP/1.1 GET http://orders/api/orders/{n} - 500 - - 30001.2ms"]
    return [entry(text, unit=UNIT, at=at + k * 0.001) for k, text in enumerate(lines)]


def traffic(start: float, end: float, rate: float, failed: bool, seed: int) -> list[dict]:
    rng, out, at = random.Random(seed), [], start
    while at < end:
        out += request(at, rng.randint(10**4, 10**6), failed)
        at += rng.expovariate(rate)
    return out


def test_a_dotnet_service_failing_each_request_for_an_hour_is_caught(make_journal) -> None:
    """Eight hours of requests (0.3 a second) with a 90-second blip of failures at 2 h (a database failover),
    then every request fails, one every ~8 s. Each failure's `fail:` lines are err: the share over half an hour
    stands far above the unit's, and above what the blip put in two minutes (error-share-sustained). Before,
    no line of it had a level and no rule fired."""
    history = by_time(traffic(0, FAIL, 0.3, False, 1), traffic(2 * HOUR, 2 * HOUR + 90, 1.5, True, 2))
    journal = make_journal(by_time(history, traffic(FAIL, FAIL + HOUR, 1 / 8, True, 3)))
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(ANOMALY_RULES),
                     "-o", "json")
    assert result.exit_code == 0, result.output
    events = json_events(result)
    fail_usec = BASE_USEC + int(FAIL * 1_000_000)
    found = [i for i in of_type(events, "incident") if i["first_usec"] >= fail_usec]
    # one incident, at error level (error-share-sustained's, or another error-level rule's that fires first)
    assert len(found) == 1 and found[0]["severity"] == "error", found
    assert found[0]["realtime_usec"] - fail_usec <= 30 * 60 * 1_000_000
    failing = [m for m in of_type(events, "match") if m["message"].startswith("fail: ")]
    assert failing and all((m["effective_priority"], m["level_source"]) == (ERR, "text") for m in failing)
    assert effective_priority(3, "info: Microsoft.Hosting.Lifetime[14]") == (ERR, "journal")  # PRIORITY wins
