"""The same crash twice, minutes apart, is two failures, each with its own lines (a fresh user's `docker logs -t`
of a Go program, /var/tmp/newuser2/logs/gopanic2.txt: two identical panics 10 min apart). The first panic's
new-fatal-template incident was still open (its 10 min window) when the second came: the second panic's line kept
it going and its error-burst hit went into the first failure's chain, as that failure's last line; the second
failure was ERROR with a critical new-fatal-template in its chain, and its `why` said the template was "never
logged" while naming its first sighting, 10 min before. A text log, and real journal files (systemd-journal-remote)
of a program a wrapper restarts within its unit (one invocation for both runs)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_USEC, entry, json_events, of_type, run_cli
from test_anomaly import HOUR, by_time, steady

PANIC = ["panic: runtime error: invalid memory address or nil pointer dereference",
         "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x9a3f12]",
         "",
         "goroutine 87 [running]:",
         "github.com/acme/ingest/internal/shard.(*Writer).Flush(0x0, {0xc0001a2000, 0x14, 0x20})",
         "\t/src/internal/shard/writer.go:142 +0x32",
         "created by github.com/acme/ingest/internal/pipeline.New in goroutine 1",
         "\t/src/internal/pipeline/pipeline.go:54 +0x2b8"]
ONE_RUN = 10
"""Lines of one run in the text log: two of its own, then the panic's."""


def docker_logs(gap_minutes: int) -> str:
    """`docker logs -t` of the program: it starts, works, panics; Docker restarts it; the same again."""
    lines = []
    for start in (20, 20 + gap_minutes):
        hour, minute = 9 + start // 60, start % 60
        lines += [f'2026-11-14T{hour:02}:{minute:02}:11.104522871Z {{"level":"info","msg":"starting ingest worker"}}',
                  f'2026-11-14T{hour:02}:{minute:02}:41.553209112Z {{"level":"info","msg":"flushed batch","rows":5}}']
        minute += 1
        lines += [f"2026-11-14T{hour:02}:{minute:02}:03.0177{n:02}010Z {text}" for n, text in enumerate(PANIC)]
    assert len(lines) == 2 * ONE_RUN
    return "\n".join(lines) + "\n"


def line_number(cursor: str) -> int:
    return int(cursor.rsplit(":", 1)[1])


@pytest.mark.parametrize("gap_minutes", [10, 7])
def test_each_panic_of_a_text_log_is_its_own_failure(tmp_path: Path, gap_minutes: int) -> None:
    log = tmp_path / "gopanic.txt"
    log.write_text(docker_logs(gap_minutes))
    done = run_cli("scan", "--file", str(log), "-o", "json")
    assert done.exit_code == 0, done.output
    events = json_events(done)
    first, second = of_type(events, "incident")
    ends = {end["first_usec"]: end for end in of_type(events, "incident_end")}
    for incident, lines in ((first, range(1, ONE_RUN + 1)), (second, range(ONE_RUN + 1, 2 * ONE_RUN + 1))):
        assert incident["rule"] == "go-nil-pointer-panic"
        end = ends[incident["first_usec"]]
        assert {line_number(link["cursor"]) for link in end["chain"]} <= set(lines), end["chain"]
        assert end["last_usec"] == incident["first_usec"], end  # its own panic's line, not the next one's
        # as severe as the rules one hit fires in its chain: new-fatal-template's, though a link in the second
        assert incident["severity"] == "critical", incident
        assert ("new-fatal-template", "critical") in {(link["rule"], link["severity"]) for link in end["chain"]}
    # (new-error-template and excerpt-failure-template judge a paste's lines too: excerpts = true)
    assert first["why"].startswith("also matched new-fatal-template, new-error-template, excerpt-failure-template: "
                                   "a template this unit never logged in "), first["why"]
    assert "never logged" not in second["why"], second["why"]
    assert re.search(r"had not logged in .* when first seen 2026-11-14 09:21:03\.017, "
                     rf"{gap_minutes}m before this line: not learnt as normal since", second["why"]), second["why"]
    report = " ".join(run_cli("scan", "--file", str(log)).stdout.replace("│", " ").split())
    assert report.count("(raised from error to critical by new-fatal-template)") == 2, report


UNIT = "ingest.service"
RUN = "d" * 32
"""The unit's one invocation: a wrapper (a shell loop, supervisord) restarts the program within it."""


def panic(at: float, pid: int) -> list[dict[str, Any]]:
    """The program's panic on stderr, which journald stores at the unit's level, info (priority 6)."""
    return [entry(text, unit=UNIT, at=at + n * 0.0001, priority=6, _PID=str(pid), _SYSTEMD_INVOCATION_ID=RUN)
            for n, text in enumerate(PANIC) if text]


@pytest.mark.parametrize("gap_minutes", [10, 7])
def test_each_panic_of_one_invocation_in_the_journal_is_its_own_failure(make_journal, gap_minutes: int) -> None:  # type: ignore[no-untyped-def]
    """The same in a journal, from a warm unit (new-fatal-template judges a journal's lines after its warm-up): no
    invocation tells the program's runs apart, as in the text log."""
    crash = 2 * HOUR
    normal = [{**line, "_PID": "700", "_SYSTEMD_INVOCATION_ID": RUN}
              for line in steady(UNIT, 0, crash + 30 * 60, 20, "flushed batch rows={n}")]
    journal = make_journal(by_time(normal, panic(crash, 701), panic(crash + 60 * gap_minutes, 702)))
    done = run_cli("scan", "--file", str(journal), "-o", "json")
    assert done.exit_code == 0, done.output
    events = json_events(done)
    incidents = of_type(events, "incident")
    assert [(i["rule"], i["severity"]) for i in incidents] == [("go-nil-pointer-panic", "critical")] * 2, incidents
    ends = {end["first_usec"]: end for end in of_type(events, "incident_end")}
    for incident, at in zip(incidents, (crash, crash + 60 * gap_minutes), strict=True):
        end = ends[incident["first_usec"]]
        times = {link["first_usec"] for link in end["chain"]}
        assert all(BASE_USEC + at * 1e6 <= t < BASE_USEC + (at + 1) * 1e6 for t in times), end["chain"]
        assert end["last_usec"] < BASE_USEC + (at + 1) * 1e6, end  # its own crash's last line
    assert "never logged" not in incidents[1]["why"] and "before this line" in incidents[1]["why"], incidents[1]
