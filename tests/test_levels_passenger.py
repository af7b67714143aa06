"""Phusion Passenger's own log (LoggingKit, src/cxx_supportlib/LoggingKit/Implementation.cpp _prepareLogEntry:
`[ %s %d-%02d-%02d %02d:%02d:%02d.%04llu %d/T%s %s:%u ]: `, its level's marker first: C, E, W, N, I, D, D2, D3) was
not read: "no line carries a time in a layout logsentry reads", every line at the file's time, no level (trial 74's
65). Its time (sources/applog_times.STAMP) and its marker (engine/levels.py `_PASSENGER`, the C twin in
sources/levels.h lv_bracket_level) are read now, Python and C alike, and a real file through `scan --file`."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level
from logsentry.sources import _journalscan

CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = 2, 3, 4, 5, 6, 7
AT = "2020-08-20 07:15:48.4685 3391/T8 age/Cor/CoreMain.cpp:671 ]: "

CORPUS: list[tuple[int | None, str, str]] = [
    (NOTICE, f"[ N {AT}Signal received. Gracefully shutting down...", "trial 74's 65"),
    (ERR, f"[ E {AT}Could not spawn process for application /var/www/app: A timeout occurred", "error"),
    (CRIT, f"[ C {AT}Unexpected error in the core", "crit"),
    (WARNING, f"[ W {AT}WARNING: potential privilege escalation vulnerability detected", "warn"),
    (INFO, f"[ I {AT}Checking whether to disconnect long-running connections", "info"),
    (DEBUG, f"[ D {AT}Session closed", "debug"),
    (DEBUG, f"[ D2 {AT}Freed 0 spare client objects", "debug2"),
    (DEBUG, f"[ D3 {AT}Freed 0 spare client objects", "debug3"),
    (None, f"[ X {AT}no such marker", "another letter"),
    (None, f"[ E2 {AT}no such marker", "E has no number"),
    (None, "[ E 20-08-20 07:15:48 ]: a short year", "no year-first date"),
    (ERR, "[E 2020-08-20 07:15:48.4685 3391/T8 x.cpp:1 ]: no blank before it", "Tornado's, read as before"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = ["[", " ", "N", "E", "D", "2", "3", "C", "W", "I", "2020", "-", "08", "07:15:48.4685", "3391/T8", "]: ", "x"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)), max_size=12))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


def test_a_passenger_log_has_its_times_and_levels(tmp_path: Path) -> None:
    """The core's graceful restart (trial 74's 65, its layout), then a spawn failure at E: its own times, the
    error's level read."""
    log = tmp_path / "passenger.log"
    log.write_text(
        "[ N 2020-08-20 07:15:48.4685 3391/T8 age/Cor/CoreMain.cpp:671 ]: Signal received. Gracefully shutting down... "
        "(send signal 2 more time(s) to force shutdown)\n"
        "[ N 2020-08-20 07:15:48.4686 3391/Tc Ser/Server.h:902 ]: [ServerThr.3] Freed 0 spare client objects\n"
        "[ N 2020-08-20 07:15:54.1234 18472/T1 age/Cor/CoreMain.cpp:1340 ]: Passenger core online, PID 18472\n"
        "[ E 2020-08-20 07:16:04.5000 18472/T5 age/Cor/App/Implementation.cpp:221 ]: Could not spawn process for "
        "application /var/www/app: A timeout occurred while spawning an application process.\n")
    result = run_cli("scan", "--file", str(log), "-o", "json")
    assert "no line carries a time" not in result.stderr, result.stderr
    (summary,) = of_type(json_events(result), "summary")
    assert summary["last_usec"] - summary["first_usec"] == 16_031_500, summary  # (its own times, local: a span)
    (errors,) = of_type(json_events(run_cli("scan", "--file", str(log), "-p", "err", "-o", "json")), "summary")
    assert errors["entries"] == 1, errors  # (the E line alone is at err)
