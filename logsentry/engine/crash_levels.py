"""Step 0 of the text level grammar (engine/levels.py): the headers a language runtime prints when an
exception or panic nobody caught ends a thread or the process.

A crashing service rarely says ERROR: its runtime writes the crash report to stderr, which journald stores
at PRIORITY 6. These headers are read at the very start of the line (the runtime writes them with no
prefix of its own), as the whole first line where the runtime ends it there, and in the runtime's own
case, so `GET /search?q=Traceback` or a quoted header in client text is no crash. The level is crit when
the process dies of it, err when only a thread did or the exception may have been caught:

- CPython: `Traceback (most recent call last):` (traceback.c, traceback.py) err, since the same header
  follows a handled exception printed with logging.exception() or traceback.print_exc();
  `Fatal Python error: ` (Py_FatalError, faulthandler) crit;
- the JVM: `Exception in thread "NAME" some.Class[: message]` (ThreadGroup.uncaughtException): crit for
  "main", err for any other thread (the JVM lives on);
- Rust's std panic hook (panicking.rs default_hook): `thread 'NAME' panicked at LOCATION:` (1.73 on),
  `thread 'NAME' panicked at 'MSG', LOCATION` (before), `thread 'NAME' (TID) panicked at ...` (with the
  thread id): crit for 'main' (the process exits with 101), err for other threads; `thread 'NAME' has
  overflowed its stack` and `fatal runtime error: ` (rtabort) crit;
- .NET: `Unhandled exception. Some.Type[: message]` (Core 3.0 on) and `Unhandled Exception: ...`
  (Framework, Core 1-2): crit, the runtime then aborts the process;
- Node.js (src/node_errors.cc, ReportFatalException): the source line header of an uncaught exception,
  `FILE:LINE` alone on its line, for Node's own modules (`node:internal/modules/cjs/loader:1080`,
  `node:events:495`) and scripts (`/srv/app/server.js:42`, `file:///srv/app/index.mjs:7`), and the trailer
  `Node.js v20.11.1` printed after every fatal exception (17 on): crit. (`Uncaught Error: ...` is what the
  REPL prints, not a service.)

And the line that names the exception itself, where a runtime's stack printer writes it first: CPython's
traceback ends with `module.ExcType: message` (traceback.py format_exception_only; builtins unqualified:
`KeyError: 'tenant'`), the JVM's printStackTrace starts with `java.net.ConnectException: Connection refused` and
each cause with `Caused by: ...`, .NET's and Node's stack with `System.InvalidOperationException: ...` and
`TypeError: ...`: err. journald stores each line a service writes as an entry of its own, so without this the
traceback's header was its only error line, the same words for every exception: the anomaly rules saw one
template for all of a unit's exceptions and none of them by name. The name is the whole first word: dotted
identifiers, the last one capitalised and ending in `Error` or `Exception`, then `: ` or the end of the line.

`sources/crash_levels.h` is the C twin; tests/test_levels.py holds the two to the same answers.

A logger prints the same exception lines under a record of its own (log4j's and logback's `logger.warn("...", e)`,
Python's `log.warning(..., exc_info=True)`): `logged_exception` tells them (CPython's traceback header and an
exception's name line), so that a program's own log reads them at no worse than their record's level
(sources/applog_records.py); a runtime's own uncaught-exception header is no record's.
"""

from __future__ import annotations

import re

CRASH_HEADERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$/")
"""The first characters of the headers and exception names: other lines need no look."""

_CRIT, _ERR = 2, 3
_LINE_END = r"(?=\n|\Z)"  # the first line ends here
_PY_TRACEBACK = re.compile(r"Traceback \(most recent call last\):" + _LINE_END)
_FATAL = ("Fatal Python error: ", "fatal runtime error: ")  # CPython's Py_FatalError, Rust's rtabort
_JAVA = re.compile(r'Exception in thread "([ !#-~]*)" [A-Za-z_$][A-Za-z0-9_$.]*(?=[:\n]|\Z)')
_RUST = re.compile(r"thread '([ -&(-~]*)'(?: \([0-9]+\))? (?:(panicked at [^\n])|has overflowed its stack"
                   + _LINE_END + ")")
_DOTNET = re.compile(r"Unhandled (?:exception\.|Exception:) [A-Za-z_][A-Za-z0-9_.`+]*(?=[:\n]|\Z)")
_EXCEPTION = re.compile(r"(?:Caused by: )?(?:[A-Za-z_$][A-Za-z0-9_$]*\.)*[A-Z][A-Za-z0-9_$]*"
                        r"(?:(?<=Error)|(?<=Exception))(?:: |:?" + _LINE_END + ")")
_NODE = re.compile(r"(?:node:[A-Za-z0-9_/.-]+:[0-9]+|Node\.js v[0-9]+\.[0-9]+\.[0-9]+(?:-[A-Za-z0-9_.]+)?"
                   r"|(?:file://)?/[!-~]*\.[mc]?js:[0-9]+)" + _LINE_END)


def crash_level(line: str) -> int | None:
    """The syslog priority of a runtime's crash header or exception line at the start of `line` (not empty), or
    None."""
    first = line[0]
    if first == "T" and _PY_TRACEBACK.match(line):
        return _ERR
    if first == "E" and (java := _JAVA.match(line)) is not None:
        return _CRIT if java[1] == "main" else _ERR
    if first == "t" and (rust := _RUST.match(line)) is not None:
        return _CRIT if rust[2] is None or rust[1] == "main" else _ERR
    if first == "U" and _DOTNET.match(line):
        return _CRIT
    if line.startswith(_FATAL) or (first in "nNf/" and _NODE.match(line)):
        return _CRIT
    return _ERR if first != "/" and _EXCEPTION.match(line) else None


def logged_exception(line: str) -> bool:
    """Whether `line` (not empty) is a line a stack printer writes that a logger also prints under a record of its
    own: CPython's `Traceback (most recent call last):` or an exception's name (`javax.net.ssl.SSLException: ...`,
    `Caused by: ...`, `KeyError: 'x'`); not a runtime's own header of an exception nobody caught (`Exception in
    thread "main" ...`, a panic, .NET's `Unhandled exception.`, `Fatal Python error: `, Node's)."""
    first = line[0]
    if first == "T" and _PY_TRACEBACK.match(line):
        return True
    return first in CRASH_HEADERS and first != "/" and _EXCEPTION.match(line) is not None
