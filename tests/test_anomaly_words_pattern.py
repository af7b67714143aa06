"""A rule's `words` (new-failure-template's failure words) as one regex that tests each position's word boundary
once per group of words, not once per word (operator trial 3: a retry storm of one new template, 50 lines a
second, made the anomaly scan ~30x slower per entry, most of it in this search; bench figures are the commit's).
The pattern answers as the word-by-word union did, on any text."""

from __future__ import annotations

import re
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st
from test_anomaly import ANOMALY_RULES

from logsentry.rules.anomaly import AS_SETTING, LIMIT_WORDS, SETTING_AFTER, words_pattern

SHIPPED = tuple(tomllib.loads((ANOMALY_RULES / "new-failure-template.toml").read_text())["anomaly"]["words"])
ODD = ("-ERR", "!!", "x-", "-y", "can't", "no route to host", "ÉCHEC")


def union(words: tuple[str, ...]) -> re.Pattern[str]:
    """The reference: each word on its own boundaries, one alternative each."""
    parts = []
    for word in words:
        body = r"\s+".join(re.escape(part) for part in word.split())
        if word.lower() in LIMIT_WORDS:  # a timeout given as a duration is a setting
            body = AS_SETTING + body + SETTING_AFTER
        parts.append((r"(?<!\w)" if re.match(r"\w", word) else "") + body + (r"(?!\w)" if re.search(r"\w$", word)
                                                                             else ""))
    return re.compile("|".join(parts), re.IGNORECASE)


def test_the_shipped_words_test_each_boundary_once() -> None:
    pattern = words_pattern(SHIPPED).pattern
    assert pattern.count(r"(?<!\w)") == 1 and pattern.count(r"(?!\w)") == 1, pattern[:200]


PIECES = [*SHIPPED, *ODD, " ", "  ", "\t", "\n", "x", "_", "1", "-", "'", "é", "FAILED", "Timed\tOut", "lostfound",
          "<NUM> minute ", "<DUR> ", " of <DUR>", " in <NUM>", ": <DUR>", "<NUM>-second "]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=8),
       st.lists(st.sampled_from([*SHIPPED[:20], *ODD]), min_size=1, max_size=8))
def test_it_answers_as_each_word_on_its_own_did(parts: list[str], words: list[str]) -> None:
    text, chosen = "".join(parts), tuple(dict.fromkeys(words))
    assert (words_pattern(chosen).search(text) is None) == (union(chosen).search(text) is None), (text, chosen)
    assert (words_pattern(SHIPPED).search(text) is None) == (union(SHIPPED).search(text) is None), text
