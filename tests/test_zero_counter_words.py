"""A failure word given as a counter of zero is no failure said (rules/anomaly.py zero_counter, Words.said), but only
when every counter of that word in the line is zero: a summary's `files failed: 0, dirs failed: 2` said a failure
and was read as none. And the message is a line's raw text, a client's included: the counter's regex reads its
white space one way (4 KiB of `errors:` and spaces took 120 ms, a line)."""

from __future__ import annotations

import time

import pytest

from logsentry.engine.templates import TemplateMiner
from logsentry.rules.anomaly import Words, words_pattern, zero_counter

WORDS = Words(words_pattern(("failed", "errors", "expired")))


@pytest.mark.parametrize("message", ["files failed: 0, dirs failed: 2", "files failed: 2, dirs failed: 0"])
def test_a_failure_counted_beside_a_zero_counter_of_the_same_word_is_said(message: str) -> None:
    said = WORDS.said("files failed: <NUM>, dirs failed: <NUM>", message)
    assert said is not None and said.group(0) == "failed"
    assert not zero_counter("failed", message)


@pytest.mark.parametrize("message", ["files failed: 0, dirs failed: 0", "errors: 0.0", "errors: 00", "errors: \"0\"",
                                     "errors: 0, warnings: 3"])
def test_every_counter_of_the_word_zero_is_none_said(message: str) -> None:
    text = "files failed: <NUM>, dirs failed: <NUM>" if "files" in message else (
        "errors: \"<NUM>\"" if '"' in message else
        "errors: <NUM>, warnings: <NUM>" if "warnings" in message else "errors: <NUM>")
    assert WORDS.said(text, message) is None


@pytest.mark.parametrize("message", ["errors: 0.5", "errors: 3", "errors: 0x10"])
def test_a_count_not_zero_is_said(message: str) -> None:
    assert WORDS.said("errors: <NUM>", message) is not None


@pytest.mark.parametrize("tail", [" " * 4070 + "x", " " * 2000 + ":" + " " * 2000 + "x", ": \"" + " " * 4000],
                         ids=["after", "around", "quoted"])
def test_a_hostile_line_of_white_space_is_read_in_linear_time(tail: str) -> None:
    message = "errors: 5 errors" + (":" if not tail.startswith(":") else "") + tail
    text = TemplateMiner().add("u", message).text  # (a template's white space is one space)
    assert WORDS.said(text, message) is not None
    began = time.perf_counter()
    for _ in range(3):
        zero_counter("errors", message)
    assert time.perf_counter() - began < 0.045
