"""A JSON line's `"level"` of 0 to 7 is read by whose scale it is (engine/structured_levels.SMALL_SCALES).

Found by trying logsentry on real logs (helper-140's trial 3): Nextcloud writes its log as JSON lines with an
integer level on its own scale (0 DEBUG, 1 INFO, 2 WARN, 3 ERROR, 4 FATAL), and logsentry read every small
number as GELF's syslog level. `scan --file` of four ordinary audit.log lines ("Login successful", INFO) from a
public report (allinurl/goaccess#2159) was a CRITICAL new-fatal-template page, and a journal of Nextcloud's
Systemdlog (the JSON as MESSAGE, journald's PRIORITY 6 for INFO) counted its INFO lines as alerts. The real CLI
over a text file and over a journal file built with systemd-journal-remote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli, simple_rule

AUDIT = [  # nextcloud 21's admin_audit lines, verbatim (allinurl/goaccess#2159)
    '{"reqId":"GgVWoEhThpnlrKa84YcP","level":1,"time":"2021-08-04T08:09:12+02:00","remoteAddr":"87.111.222.222",'
    '"user":"tech@another.com","app":"admin_audit","method":"PROPFIND","url":"/remote.php/dav/files/tech@another.com/",'
    '"message":"Login successful: \\"tech@another.com\\"","userAgent":"RaiDrive/2020.11.38.0","version":"21.0.3.1"}',
    '{"reqId":"9AyYOjnsAQexj3SfAZpa","level":1,"time":"2021-08-04T08:09:13+02:00","remoteAddr":"87.111.222.222",'
    '"user":"--","app":"admin_audit","method":"PROPFIND","url":"/remote.php/dav/files/tech@another.com/",'
    '"message":"Login attempt: \\"tech@another.com\\"","userAgent":"RaiDrive/2020.11.38.0","version":"21.0.3.1"}',
    '{"reqId":"9AyYOjnsAQexj3SfAZpa","level":1,"time":"2021-08-04T08:09:13+02:00","remoteAddr":"87.111.222.222",'
    '"user":"tech@another.com","app":"admin_audit","method":"PROPFIND","url":"/remote.php/dav/files/tech@another.com/",'
    '"message":"Login successful: \\"tech@another.com\\"","userAgent":"RaiDrive/2020.11.38.0","version":"21.0.3.1"}',
    '{"reqId":"11K2fdcJQ6I2W64pEXJE","level":1,"time":"2021-08-04T08:27:35+02:00","remoteAddr":"87.111.222.222",'
    '"user":"friend01","app":"admin_audit","method":"PROPFIND","url":"/remote.php/webdav/","message":"Login '
    'successful: \\"friend01\\"","userAgent":"Mozilla/5.0 (Windows) mirall/3.0.2stable-Win64 (build 20200924) '
    '(Nextcloud)","version":"21.0.3.1"}',
]


def test_a_pasted_nextcloud_log_of_info_lines_pages_nothing(tmp_path: Path) -> None:
    paste = tmp_path / "audit.log"
    paste.write_text("\n".join(AUDIT) + "\n")
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    assert done.exit_code == 0, done.output
    assert of_type(json_events(done), "incident") == []


def _levels(*args: str) -> dict[str, tuple[int | None, str]]:
    done = run_cli("scan", *args, "-o", "json")
    assert done.exit_code == 0, done.output
    return {json.loads(r["message"])["message"]: (r["effective_priority"], r["level_source"])
            for r in of_type(json_events(done), "match")}


def test_each_scale_read_as_its_program_writes_it(make_journal: Callable[..., Path],
                                                   write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(regex="BOOM"))
    rules = ("--no-shipped-rules", "--rules", str(rules_dir))
    lines = {  # (MESSAGE, PRIORITY as the program's journald logger sets it)
        "nextcloud info": ('{"reqId":"a1","level":1,"time":"t","app":"core","message":"nextcloud info BOOM"}', 6),
        "nextcloud warn": ('{"reqId":"a2","level":2,"time":"t","app":"core","message":"nextcloud warn BOOM"}', 6),
        "nextcloud fatal": ('{"reqId":"a3","level":4,"time":"t","app":"core","message":"nextcloud fatal BOOM"}', 6),
        "gelf alert": ('{"version":"1.1","host":"h","short_message":"x","level":1,"message":"gelf alert BOOM"}', 6),
        "unknown scale": ('{"level":3,"message":"unknown scale BOOM"}', 6),
    }
    journal = make_journal([entry(message, unit="nextcloud.service", at=n, priority=priority)
                            for n, (message, priority) in enumerate(lines.values())])
    assert _levels("--file", str(journal), *rules) == {
        "nextcloud info BOOM": (6, "text"), "nextcloud warn BOOM": (4, "text"), "nextcloud fatal BOOM": (2, "text"),
        "gelf alert BOOM": (1, "text"), "unknown scale BOOM": (6, "journal")}
