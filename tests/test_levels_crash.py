"""Runtime crash headers and older Redis lines at PRIORITY 6, end to end on a real journal file.

A crashing service writes its runtime's header (a Python traceback, a JVM uncaught exception, a Rust panic,
.NET's unhandled exception, Node's fatal exception report) to stderr, which journald stores at PRIORITY 6.
`scan` must give these lines the level the crash has (crit when the process died, err when a thread did),
in its JSON records and in `-p`, through the journal scanner (C) and the export reader alike, while the same
words in client text stay at 6.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli, simple_rule

CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = 2, 3, 4, 5, 6, 7

LINES = [  # (message, effective priority, level source); every one at PRIORITY 6
    ("Traceback (most recent call last):", ERR, "text"),
    ("Fatal Python error: Segmentation fault", CRIT, "text"),
    ('Exception in thread "main" java.lang.IllegalStateException: Failed to load ApplicationContext', CRIT, "text"),
    ('Exception in thread "pool-1-thread-3" java.lang.NullPointerException', ERR, "text"),
    ("thread 'main' panicked at src/main.rs:10:5:", CRIT, "text"),
    ("thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/main.rs:4:37", CRIT, "text"),
    ("thread 'tokio-runtime-worker' panicked at src/api.rs:42:9:", ERR, "text"),
    ("fatal runtime error: stack overflow", CRIT, "text"),
    ("Unhandled exception. System.InvalidOperationException: Unable to resolve service", CRIT, "text"),
    ("node:internal/modules/cjs/loader:1080", CRIT, "text"),
    ("/srv/shop-api/server.js:42", CRIT, "text"),
    ("Node.js v20.11.1", CRIT, "text"),
    # the exception line a stack printer writes first (CPython's last), each line an entry of its own in journald
    ("psycopg2.OperationalError: could not connect to server: Connection refused", ERR, "text"),
    ("KeyError: 'tenant'", ERR, "text"),
    ("Exception: boom", ERR, "text"),
    ("java.net.ConnectException: Connection refused", ERR, "text"),
    ("Caused by: org.postgresql.util.PSQLException: FATAL: the database system is starting up", ERR, "text"),
    ("java.lang.NullPointerException", ERR, "text"),
    ("TypeError: Cannot read properties of undefined (reading 'id')", ERR, "text"),
    ("ErrorPages: 3 templates loaded", INFO, "journal"),
    ("Errors: 0, warnings: 2", INFO, "journal"),
    ("ConnectionError : retried", INFO, "journal"),
    ("1255:M 14 Oct 03:00:46.069 # Can't save in background: fork: Cannot allocate memory", WARNING, "text"),
    ("[41738] 04 Feb 11:16:39.860 * Background saving started by pid 41740", NOTICE, "text"),
    ("[1243] 17 Oct 10:22:41 - 0 clients connected (0 slaves), 790448 bytes in use", DEBUG, "text"),
    ('GET /search?q=Traceback (most recent call last): HTTP/1.1 200', INFO, "journal"),
    ("client said: thread 'main' panicked at src/main.rs:1:1:", INFO, "journal"),
    ('user wrote "Exception in thread "main" java.lang.Error"', INFO, "journal"),
    ("Unhandled exception. The most likely cause is an issue in the function code.", INFO, "journal"),
    ("/srv/shop-api/server.js:42 returned 500", INFO, "journal"),
    ("Node.js v20.11.1 detected, starting worker pool", INFO, "journal"),
    ("[1243] 17 Oct 10:22:41 Server started", INFO, "journal"),
]


def matches(where: list[str], rules_dir: Path, *extra: str) -> list[dict]:
    result = run_cli("scan", *where, "--rules", str(rules_dir), "--no-shipped-rules", "-o", "json", *extra)
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "match")


def test_crash_headers_and_old_redis_lines_carry_their_level(make_journal, write_rule, rules_dir, tmp_path):
    write_rule("every-line", simple_rule("^"))
    journal = make_journal([entry(message, at=i, priority=6) for i, (message, _, _) in enumerate(LINES)])
    records = matches(["--file", str(journal)], rules_dir)
    assert [(m["message"], m["priority"], m["effective_priority"], m["level_source"]) for m in records] == [
        (message, 6, effective, source) for message, effective, source in LINES]
    export = tmp_path / "dump.export"  # the same entries through the export reader
    export.write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", "export"],
                                      capture_output=True, check=True).stdout)
    for where in (["--file", str(journal)], ["--file", str(export)]):
        for spec, wanted in (("crit", {CRIT}), ("err", {CRIT, ERR}), ("warning..notice", {WARNING, NOTICE})):
            got = [m["message"] for m in matches(where, rules_dir, "-p", spec)]
            assert got == [message for message, effective, _ in LINES if effective in wanted], (spec, where)
