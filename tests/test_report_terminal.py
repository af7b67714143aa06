"""The scan report as a new user reads it, through the real CLI at fixed terminal widths (COLUMNS)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import entry, simple_rule
from rich.cells import cell_len

from logsentry.views.fit import fit

LONG = ("FATAL: [req 123] " + "a" * 150 + " could not write to file: No space left on device")


def _scan(*args: str, columns: int = 100) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", *args], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_fit_cuts_the_middle_and_keeps_level_and_end() -> None:
    cut = fit(LONG, 60)
    assert len(cut) == 60 and cut.startswith("FATAL: [req 123] ") and cut.endswith("No space left on device")
    assert "…" in cut and fit("short line", 60) == "short line"
    assert fit("a\nb\x1b[31m", 60) == "a ⏎ b\\x1b[31m"  # one line, controls escaped


def test_fit_drops_the_programs_own_time_before_cutting_what_it_says() -> None:
    """The card shows the entry's time: a long klog or log4j line's own time gave way to its words (helper U4: an
    80-column card showed `E1221 09:18:51.293278   …nvalid memory address ...` and hid "Observed a panic")."""
    klog = ('E1221 09:18:51.293278       1 runtime.go:78] Observed a panic: "invalid memory address or nil pointer '
            'dereference" (runtime error: invalid memory address or nil pointer dereference)')
    cut = fit(klog, 74)
    assert len(cut) == 74 and cut.startswith('E…runtime.go:78] Observed a panic: "') and cut.endswith("dereference)")
    log4j = "2024-01-02 10:00:00,123 ERROR [main] c.e.Foo - Request failed for tenant 42: connection refused by peer"
    assert fit(log4j, 74).startswith("…ERROR [main] c.e.Foo - Request fail")
    assert fit("2024-01-02 10:00:00,123 ERROR short", 74) == "2024-01-02 10:00:00,123 ERROR short"  # it fits


def test_report_dates_plurals_widths_and_below_threshold(make_journal: Callable[..., Path], tmp_path: Path,
                                                          write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("space", simple_rule(regex=r"(?P<disk>sd[a-z]): No space left", count=3, within="60s")
               .replace('within = "60s"', 'within = "60s"\ngroup_by = "disk"'))
    write_rule("once", simple_rule(regex="FATAL", count=1))
    day = 86400
    entries = [
        # out of order: the file starts a week in, the earliest entry comes last
        entry(LONG, at=7 * day + 5, priority=3, unit="db.service"),  # another unit: its own failure (one each)
        *(entry(f"sda: No space left on device (try {i})", at=7 * day + 10 + i) for i in range(3)),
        entry("sdb: No space left on device (try 1)", at=7 * day + 20),
        entry("hello", at=0),
    ]
    journal = make_journal(entries)
    out = _scan("--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules", columns=200)
    header = out.split("╭")[0]
    assert "6 entries from 2026-01-01 00:00:00.000 to 2026-01-08 00:00:" in header.replace("\n", " ")
    assert all(len(line) <= 120 for line in header.splitlines())  # wraps at 120 even on a wide terminal
    assert "2 rules, 5 matches, 2 incidents" in header.replace("\n", " ")
    flat = " ".join(out.replace("│", " ").split())  # (the card's wording wraps at its width)
    assert "1 matching line in all" in flat and "3 matching lines in all over" in flat
    assert "1 matching lines" not in flat
    assert "fired 2026-01-08 00:00:05.000" in out  # another day than the first: with its date
    # below threshold: sdb with its example line, and that the rule fired for another key (sda)
    table = out[out.index("Matches below their trigger threshold"):]
    assert "space [sdb]" in table and "fired for 1 other key" in table and "sdb: No space left" in table
    narrow = _scan("--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules", columns=80)
    # each incident's journalctl command is broken to fit, but a path longer than the room is kept whole (a word
    # broken in two would name no file): then that line is its option and path alone
    whole = f"    --file {journal} \\"
    assert all(len(line) <= 80 or line == whole for line in narrow.splitlines())
    assert sum(line.startswith("its lines: journalctl") for line in narrow.splitlines()) == 2
    # the hit's line whole, wrapped under its bar (cut to the width, an OOM kill's line hid its process and size)
    card = [line.strip("│ ") for line in narrow.split("│ │ FATAL")[1].splitlines()]
    assert LONG[len("FATAL"):].replace(" ", "") in "".join(card[:6]).replace(" ", ""), card


def test_a_failure_more_severe_than_its_lead_rule_says_which_member_made_it(tmp_path: Path) -> None:
    """A Go panic's failure is critical by new-fatal-template in its chain while go-nil-pointer-panic is error: the
    header said "CRITICAL ... go-nil-pointer-panic", read as that rule's level (helper-118's trial)."""
    log = tmp_path / "api.log"
    log.write_text("".join(f"2024-03-01T10:00:00.123456789Z {line}\n" for line in (
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]", "", "goroutine 1 [running]:",
        "main.main()", "\t/src/main.go:12 +0x1d")))
    said = " ".join(_scan("--file", str(log), columns=160).split())
    assert "CRITICAL (api) go-nil-pointer-panic (raised from error to critical by new-fatal-template)" in said, said
    page = tmp_path / "report.html"
    _scan("--file", str(log), "--html", str(page))
    assert "<small>(raised from error to critical by new-fatal-template)</small>" in page.read_text()


def _example(out: str, first: str) -> str:
    """The below-threshold table's example cell of the row whose first line holds `first`, its rows joined without
    the spaces (a row breaks at a space or inside a word)."""
    rows = out.splitlines()
    start = next(index for index, row in enumerate(rows) if first in row)
    cells = []
    for row in rows[start:]:
        if row.startswith(("└", "├")) or (cells and first in row):
            break
        cells.append(row.rstrip().rstrip("│").rpartition("│")[2].strip())
    return "".join("".join(cells).split())


def test_a_below_threshold_example_says_what_happened_whatever_the_width(
        make_journal: Callable[..., Path], write_rule: Callable[..., Path], rules_dir: Path) -> None:
    """The example column shows what the line says, its level and `[...]` fields gone, wrapped in its cell on 3 rows
    at most and cut at its end (views/gist.py): cut once in its middle to one row, an 80-column scan of a new
    user's PostgreSQL log showed `…[1234] FAT…postgres"` (nu230). The rule id stays whole."""
    write_rule("pool-init-failure", simple_rule(regex="Exception during pool initialization", count=3))
    line = ("ERROR [main] com.acme.billing.db.ConnectionPool - HikariPool-1 - " + "x" * 80
            + " - Exception during pool initialization.")
    journal = make_journal([entry(line, at=0, priority=3)])
    for columns in (80, 100):
        out = _scan("--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules", "--no-anomalies",
                    columns=columns)
        example = _example(out, "pool-init-failure")
        assert example.startswith("com.acme.billing.db.ConnectionPool-HikariPool-1"), (columns, out)
        assert example.endswith("…") and example.count("…") == 1, (columns, out)
        assert all(len(each) <= columns for each in out.splitlines())
    out = _scan("--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules", "--no-anomalies",
                columns=120)
    assert _example(out, "pool-init-failure").endswith("-Exceptionduringpoolinitialization."), out


def test_a_programs_own_time_and_prefix_leave_the_example() -> None:
    """What a table's example says (gist): PostgreSQL's and Celery's lines of a new user's trial (nu230)."""
    from logsentry.views.gist import gist

    assert gist('2024-03-01 08:00:03.123 UTC [1234] FATAL:  password authentication failed for user "postgres"') \
        == 'password authentication failed for user "postgres"'
    assert gist("[2015-11-20 18:18:38,601: ERROR/MainProcess] consumer: Cannot connect to redis://localhost:6379//") \
        == "consumer: Cannot connect to redis://localhost:6379//"
    assert gist("app.service: Failed with result 'exit-code'.") == "app.service: Failed with result 'exit-code'."
    assert gist("ERROR [main]") == "[main]"  # (something is left)


def test_a_line_of_wide_characters_is_fitted_to_the_cells_it_fills(
        make_journal: Callable[..., Path], write_rule: Callable[..., Path], rules_dir: Path) -> None:
    """A CJK character (an emoji) fills two terminal cells: fitted by its count of characters, a line of them was
    still too wide for its column and rich cut its end (`…拒绝 - Exception during p…`), the very cut Fitted is there to
    spare it."""
    fitted = fit("数据库连接失败" * 20 + " end", 60)
    assert cell_len(fitted) <= 60 and fitted.endswith(" end"), fitted
    write_rule("pool-init-failure", simple_rule(regex="Exception during pool initialization", count=3))
    line = ("ERROR [main] 数据库连接池初始化失败 com.acme.billing.db.ConnectionPool - " + "连接被拒绝" * 6
            + " - Exception during pool initialization.")
    journal = make_journal([entry(line, at=0, priority=3)])
    for columns in (80, 120, 160):
        out = _scan("--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules", "--no-anomalies",
                    columns=columns)
        example = _example(out, "pool-init-failure")
        assert example.startswith("数据库连接池初始化失败") and example.count("…") <= 1, (columns, out)
        assert all(cell_len(each) <= columns for each in out.splitlines()), out


def test_the_example_keeps_its_share_of_a_narrow_table(
        make_journal: Callable[..., Path], write_rule: Callable[..., Path], rules_dir: Path) -> None:
    """Unit and rule columns sized to their content up to their caps left the example what remained: at 60 columns
    with a long unit name and a 32-character rule id (the shipped library has several) that was one cell, `…`, and
    at 70 `ERR…`: the table said where but no longer what. The example keeps at least a quarter of the table (and
    20 cells); unit and rule fold into it."""
    write_rule("redis-replica-master-unreachable", simple_rule(regex="Exception during pool initialization", count=3))
    line = "ERROR [main] com.acme.billing.db.ConnectionPool - " + "x" * 40 + " - Exception during pool initialization."
    journal = make_journal([entry(line, at=0, priority=3, unit="billing-database-primary.service")])
    for columns in (60, 70, 80):
        out = _scan("--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules", "--no-anomalies",
                    columns=columns)
        row = next(row for row in out.splitlines() if "│ billing" in row)
        cell = row.rstrip().rstrip("│").rstrip().rpartition("│")[2].strip()
        assert len(cell) >= 20 and cell.startswith("com.acme.billing"), (columns, out)
        assert all(len(each) <= columns for each in out.splitlines())


def test_a_silences_last_line_is_shown_whole_at_80_columns(make_journal: Callable[..., Path]) -> None:
    """A silence card quoted the unit's last line before the gap cut to a guessed width, as incident cards did
    (helper-124): what the unit said last before going quiet is the clue. Now whole, wrapped under its bar."""
    day = 86_400
    last = ("worker pool drained: 0 of 16 workers alive, last job id=8c1f3e2a queue=payments-eu "
            "waiting for the broker at amqp://mq-3.internal:5672 to come back")
    beat = [entry(f"tick {n}", unit="beat.service", at=n * 10) for n in range(day // 10 + 60)]  # learnt: a day
    journal = make_journal([*beat, entry(last, unit="beat.service", at=day + 601),
                            entry("tick again", unit="beat.service", at=day + 3600)])
    report = _scan("--file", str(journal), "--no-shipped-rules", "--rules",
                   str(Path(__file__).resolve().parent.parent / "rules" / "generic" / "unit-went-silent.toml"),
                   columns=80)
    words = " ".join(line.strip("│ ") for line in report.splitlines())
    assert "silence: no entry for" in words and last in words, report
    assert all(cell_len(line) <= 80 for line in report.splitlines() if line.startswith("│")), report


def test_long_unit_names_break_after_their_separators_at_80_columns() -> None:
    """The unit column of the below-threshold table folded a long unit name anywhere in an 80-column terminal
    (`billing-database-pri` over `mary-replica-sync.se` over `rvice`, a new operator's finding): it breaks after a
    separator now, a container's or user unit's subject after its unit first, each line a whole piece."""
    import io

    from rich.console import Console

    from logsentry.events import Progress
    from logsentry.views.report import render_scan
    from logsentry.views.scan_summary import ScanSummary

    units = ["billing-database-primary-replica-sync.service", "systemd-networkd-wait-online.service",
             "user@1000.service/app-gnome-org.gnome.Terminal-1234.scope"]
    summary = ScanSummary()
    for unit in units:
        where = ("", unit, "pool-init-failure", "")
        summary.matches[where] = 2
        summary.examples[where] = "ERROR [main] com.acme.billing.db.ConnectionPool - Exception during pool init."
    out = io.StringIO()
    render_scan(Console(file=out, width=80, color_system=None, legacy_windows=False), summary, Progress(), 1)
    rows = [line for line in out.getvalue().splitlines() if line.startswith("│ ")]
    assert rows and all(cell_len(line) <= 80 for line in out.getvalue().splitlines()), out.getvalue()
    cells = [row[2:].split(" │", 1)[0].strip() for row in rows]
    lines_of: list[list[str]] = []
    for row, cell in zip(rows, cells, strict=True):
        if "pool-init-failure" in row:  # a row's first line: a unit begins
            lines_of.append([])
        if cell:  # (the example's rows below its unit's)
            lines_of[-1].append(cell)
    assert ["".join(lines) for lines in lines_of] == sorted(units), out.getvalue()
    for lines in lines_of:  # each line but the last ends at a separator: no piece of a name is cut
        assert all(line[-1] in "-.@/" for line in lines[:-1]), lines
    assert lines_of[2][0] == "user@1000.service/", lines_of  # the unit first, then its part
