"""Ruby's Logger lines that hold nothing after their header and tags: Rails' blank spacer lines, read with the line
they stand before (sources/text.py).

Ruby's Logger writes each call as `"%.1s, [%s #%d] %5s -- %s: %s\\n"` (lib/logger/formatter.rb: the severity's
letter, the time, the pid, the severity, the program, the message); Rails' TaggedLogging puts its tags (`[request-id]
`) before the message. ActionDispatch logs an exception as several such calls, a blank one first (DebugExceptions
log_error: `"  "`, then `"#{exception.class} (#{exception.message}):"`, then the trace; before Rails 5 one call of
`"\\n#{exception.class} (#{exception.message}):\\n..."`, whose lines after the first have no header). So a FATAL
line with only tags, `F, [2019-05-18T14:48:53.547843 #2050] FATAL -- : [67c3c32a-...]`, heads every Rails 500, and a
card fired on it, quoting no words (trial 78's 15); the exception was on the next line. Such a line is read with the
line after it, at its own time: the same logger's next line's words (that line's header and tags dropped), or a line
without a header (Rails 4's exception, the second line of one call), after its own header and tags.
"""

from __future__ import annotations

import re

_HEAD = re.compile(r"(?P<letter>[DIWEFA]), \[[^\]\n]{1,64}?#(?P<pid>\d{1,10})\] {1,5}[A-Z]{1,5} -- [^\n]*?: "
                   r"(?:\[[^\]\n]{0,200}\] ?)*")
"""A Logger line's header and the tags after it (TaggedLogging: each `[tag] `)."""


def _empty(message: str) -> re.Match[str] | None:
    """The header of a Logger line that holds nothing after it and its tags, else None."""
    found = _HEAD.match(message)
    return found if found is not None and not message[found.end():].strip() else None


def joined(held: str, line: str) -> str | None:
    """`held`, a Logger line with nothing after its header and tags, with `line`'s words after it: the same
    logger's next line's (same pid and severity letter: its own header and tags dropped), or a line without a header
    (a continuation); None when `held` has words or `line` is another logger's (each is read as it is)."""
    if (empty := _empty(held)) is None:
        return None
    head = _HEAD.match(line)
    if head is None:  # (a continuation: its tags, when the held line's, are dropped too)
        words = line.strip()
        tags = held[empty.end("pid"):empty.end()].partition(": ")[2].strip()
        if tags and words.startswith(tags):
            words = words[len(tags):].strip()
    elif head["letter"] == empty["letter"] and head["pid"] == empty["pid"]:
        words = line[head.end():].strip()
    else:
        return None
    return f"{held.rstrip()} {words}" if words else held
