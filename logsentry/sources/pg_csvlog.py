"""PostgreSQL's csvlog (log_destination = 'csvlog', `postgresql-*.csv`): one CSV record per log event, its
fields as src/backend/utils/error/csvlog.c writes them (the PostgreSQL documentation's "Using CSV-Format Log
Output"): log_time, user_name, database_name, process_id, connection_from, session_id, session_line_num,
command_tag, session_start_time, virtual_transaction_id, transaction_id, error_severity, sql_state_code, message,
detail, hint, internal_query, internal_query_pos, context, query, query_pos, location, application_name, then
backend_type (13), leader_pid and query_id (14). A quoted field holds the text as written, line breaks included
(a statement over several lines), so a record spans as many lines as its fields do.

Each record is read as the lines PostgreSQL's stderr log writes for the same event, after its log_line_prefix:
`SEVERITY:  message`, then `DETAIL:  `, `HINT:  `, `QUERY:  `, `CONTEXT:  ` and `STATEMENT:  ` lines for the fields
that hold one (elog.c send_message_to_server_log), each an entry at the record's time with its process id. So the
rules written for PostgreSQL's own lines read them (`LOG:  server process (PID 315) was terminated by signal 9:
Killed`), the level is the severity's (engine/levels.py reads `FATAL:` and the rest), and a card quotes the event,
not the row: read line by line, a row was one entry whose text began with the time and eleven fields, and each
further line of a statement an entry of its own (helper-187)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from typing import IO

from ..model import Entry
from .applog_times import STAMP, dated_usec, named_zone
from .log_names import identifier
from .selection import Selection
from .text_line import TextLine

Make = Callable[[TextLine, str, Selection], Entry | None]
"""A record to its entry, or None when the selection leaves it out (sources/text.py's _entry)."""

FIELDS = 23
"""Fields of a csvlog record up to PostgreSQL 12 (13 adds backend_type, 14 leader_pid and query_id)."""
SEVERITIES = frozenset({"DEBUG1", "DEBUG2", "DEBUG3", "DEBUG4", "DEBUG5", "LOG", "INFO", "NOTICE", "WARNING",
                        "ERROR", "FATAL", "PANIC"})
"""error_severity's values (elog.c error_severity())."""
ROW = re.compile(r"\d{4}-[01]\d-[0-3]\d [0-2]\d:[0-5]\d:[0-6]\d\.\d{3} [A-Za-z0-9+-]{1,6},")
"""A record's start: log_time as csvlog.c formats it (`%Y-%m-%d %H:%M:%S.mmm %Z`), then its comma."""
_PARTS = ((14, "DETAIL"), (15, "HINT"), (16, "QUERY"), (18, "CONTEXT"), (19, "STATEMENT"))
"""The fields after the message that the stderr log writes as lines of their own, with their labels."""
MAX_FIELD = 256 * 1024
"""A field longer than this (bytes of text) is cut there: a statement of megabytes makes no better evidence."""


def is_csvlog(lines: list[str]) -> bool:
    """Do these first lines of a file start a csvlog: the first a record (ROW, its severity and SQLSTATE where a
    csvlog has them)?"""
    first = next((line for line in lines if line.strip()), "")
    if not ROW.match(first):
        return False
    try:
        fields = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return False
    return len(fields) >= 13 and fields[11] in SEVERITIES and len(fields[12]) == 5


def read_csvlog(stream: IO[bytes], name: str, selection: Selection, make: Make, warn: Callable[[str], None]
                ) -> Iterator[Entry]:
    """The entries of the csvlog's records (see the module's docstring), each made by `make` (sources/text.py's
    record-to-entry step: selection, levels and units as for any text); a record that is no csvlog row (too few
    fields, no time or severity) is skipped, said once with `warn`."""
    ident = identifier(name)
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD * 4))
    reader = csv.reader(text)
    skipped: list[int] = []
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:
            skipped.append(start)
            continue
        if not fields or fields == [""]:
            continue
        found = STAMP.fullmatch(fields[0])
        if len(fields) < FIELDS or found is None or found["y"] is None or fields[11] not in SEVERITIES:
            skipped.append(start)
            continue
        usec = dated_usec(found, named_zone(found))
        base = {"SYSLOG_IDENTIFIER": ident}
        if fields[3].isdigit():
            base["_PID"] = fields[3]
        lines = [f"{fields[11]}:  {fields[13][:MAX_FIELD]}"]
        lines += [f"{label}:  {fields[index][:MAX_FIELD]}" for index, label in _PARTS if fields[index]]
        for line in lines:
            entry = make(TextLine(usec, {**base, "MESSAGE": line}, 0), f"{name}:{start}", selection)
            if entry is not None:
                yield entry
    if skipped:
        where = ", ".join(map(str, skipped[:5])) + (", ..." if len(skipped) > 5 else "")
        warn(f"{name}: {len(skipped)} record(s) that are no csvlog row were skipped (line {where})")
