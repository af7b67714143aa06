"""A syslog `facility.level` (BusyBox syslogd's, OpenWrt's, a template's `%syslogfacility-text%.%syslogseverity-text%`)
is the line's level wherever a text reader meets it before an identifier: after the time where no host is written
(it was read as the host, the level lost), after the host or time with any run of blanks after it (two made it part
of the identifier, a unit of its own), and before a tag whose line lost its time. Real files through `scan --file`."""

from __future__ import annotations

from pathlib import Path

from conftest import RuleWriter, json_events, of_type, run_cli, simple_rule


def matches(write_rule: RuleWriter, rules_dir: Path, path: Path) -> list[tuple[str, str, int | None, str]]:
    """(unit, host, priority, message) of each line, by a rule that matches every line."""
    write_rule("every-line", simple_rule("."))
    events = json_events(run_cli("scan", "--file", str(path), "--no-shipped-rules", "--rules", str(rules_dir),
                                 "-o", "json"))
    return [(match["unit"], match["host"], match["priority"], match["message"]) for match in of_type(events, "match")]


def test_facility_level_after_the_time_is_no_host(tmp_path: Path, write_rule: RuleWriter, rules_dir: Path) -> None:
    path = tmp_path / "router.log"
    path.write_text(
        "2026-12-01T10:00:00+00:00 daemon.info ingest[1]: ingest 1.4 starting\n"
        "2026-12-01T10:00:02+00:00 daemon.crit ingest[1]: fatal: cannot write /var/lib/ingest/queue.db: "
        "No space left on device\n"
        "Dec  1 10:00:03 daemon.error ingest[1]: exiting\n"
        "2026-12-01T10:00:04+00:00 syslog.info syslogd started: BusyBox v1.27.2\n")
    assert matches(write_rule, rules_dir, path) == [
        ("(ingest)", "", 6, "ingest 1.4 starting"),
        ("(ingest)", "", 2, "fatal: cannot write /var/lib/ingest/queue.db: No space left on device"),
        ("(ingest)", "", 3, "exiting"),
        ("(syslogd)", "", 6, "syslogd started: BusyBox v1.27.2")]


def test_blanks_after_the_level_change_no_unit(tmp_path: Path, write_rule: RuleWriter, rules_dir: Path) -> None:
    path = tmp_path / "messages"
    path.write_text("Dec  1 10:00:00 router daemon.err  myapp[12]: one\n"
                    "Dec  1 10:00:01 router daemon.err myapp[12]: two\n"
                    "2026-12-01T10:00:02+00:00 local3.warn\tmyapp[12]: three\n"
                    "2026-12-01T10:00:03+00:00 router  daemon.err   myapp[12]: four\n")
    assert matches(write_rule, rules_dir, path) == [
        ("(myapp)", "router", 3, "one"), ("(myapp)", "router", 3, "two"), ("(myapp)", "", 4, "three"),
        ("(myapp)", "router", 3, "four")]


def test_blanks_after_logreads_level(tmp_path: Path, write_rule: RuleWriter, rules_dir: Path) -> None:
    path = tmp_path / "logread.txt"
    path.write_text("Tue Dec  1 10:00:00 2026 daemon.err  myapp[12]: one\n"
                    "Tue Dec  1 10:00:01 2026 daemon.err myapp[12]: two\n")
    assert matches(write_rule, rules_dir, path) == [("(myapp)", "", 3, "one"), ("(myapp)", "", 3, "two")]


def test_facility_level_before_an_untimed_tag(tmp_path: Path, write_rule: RuleWriter, rules_dir: Path) -> None:
    path = tmp_path / "cut.txt"
    path.write_text("daemon.crit ingest[1]: fatal: out of memory\n"
                    "daemon.notice  ingest[1]: exiting\n"
                    "host.name ingest[1]: no level\n")
    assert matches(write_rule, rules_dir, path) == [
        ("(ingest)", "", 2, "fatal: out of memory"), ("(ingest)", "", 5, "exiting"),
        ("(cut)", "", None, "host.name ingest[1]: no level")]
