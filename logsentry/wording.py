"""Counts in words for people (alerts, logs, views): one helper, so no message says "1 hits"."""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None, separated: bool = True) -> str:
    """"1 match", "2 matches": the count (thousands separated, unless a script reads it) with the word in the
    right number."""
    return (f"{count:,}" if separated else str(count)) + f" {word if count == 1 else words or word + 's'}"
