"""Newuser78 finding 4: a Node API's normal `jwt expired (req 9c9b)` line read as a new template, so an outage's
incident ran on 23 minutes past its end: a short hex id that mixes digits and letters was not masked (`(req 9563)`
was, as <NUM>, and so was an id of 8 hex digits), and a generalised token lost its punctuation (`(req <*>` for
`(req 9c9b)` beside `(req a3f0)`). Both in C and in the references (tokens.reference_mask, templates_reference)."""

from __future__ import annotations

import pytest
import templates_reference as reference

from logsentry.engine.templates.miner import TemplateMiner
from logsentry.engine.templates.tokens import mask, reference_mask

JWT = "2026-12-07T01:40:00.000Z [api] error: JsonWebTokenError: jwt expired (req {})"


@pytest.mark.parametrize(("text", "masked"), [
    ("jwt expired (req 9c9b)", "jwt expired (req <NUM>)"),
    ("jwt expired (req 9563)", "jwt expired (req <NUM>)"),
    ("commit 4f2a9c1 deployed", "commit <NUM> deployed"),  # git's short hash, 7
    ("conn a3f0e, pod web-7f9c4d: ready", "conn <NUM>, pod web-<NUM>: ready"),
    ("key ED25519 accepted", "key <NUM> accepted"),
    # kept: under 4 characters, hex letters alone, a duration, a number with its decimals, longer than 7
    ("b2b 2fa e2e ac3 cafe dead added", "b2b 2fa e2e ac3 cafe dead added"),
    ("up 100d, took 1234.5 ms", "up <DUR>, took <NUM> ms"),
    ("id 9c9b1f2e ok", "id <NUM> ok"),
    ("id 9c9b1f2e3 and cafe1xyz", "id <NUM> and cafe1xyz"),
])
def test_a_short_hex_id_mixing_digits_and_letters_is_a_number(text: str, masked: str) -> None:
    assert reference_mask(text) == masked
    assert mask(text) == masked


def test_the_jwt_line_is_one_template_whatever_its_request_id() -> None:
    miner = TemplateMiner()
    ids = {miner.add("api.service", JWT.format(req)).id for req in ("9563", "9c9b", "a3f0", "2711", "4c1e")}
    assert len(ids) == 1
    assert miner.add("api.service", JWT.format("beef1")).text.endswith("jwt expired (req <NUM>)")


@pytest.mark.parametrize("miner_cls", [TemplateMiner, reference.TemplateMiner])
def test_a_generalised_token_keeps_the_punctuation_both_lines_have(miner_cls: type[TemplateMiner]) -> None:
    miner = miner_cls()
    for user in ("alice", "bob", "carol"):
        template = miner.add("u", f"session opened for user ({user}), by [root]")
    assert template.text == "session opened for user (<*>), by [root]"
    for option in ("[cache]", "[log.level]"):
        template = miner.add("q", f"unknown option {option}; ignored")
    assert template.text == "unknown option [<*>]; ignored"
    for word in ("(x)", "y,", "z"):  # nothing in common: a bare <*>, which stays
        template = miner.add("w", f"now please pick {word}")
    assert template.text == "now please pick <*>"
    assert miner.add("w", "now please pick (q)").text == "now please pick <*>"


@pytest.mark.parametrize("miner_cls", [TemplateMiner, reference.TemplateMiner])
def test_a_wrapped_wildcard_counts_as_a_variable(miner_cls: type[TemplateMiner]) -> None:
    """`(<*>)` is a variable as `<*>` is: nparams, which tells a cluster that generalised from a settled fixed
    message (none) and ranks equal matches (the more general first), counts it."""
    miner = miner_cls()
    first = miner.add("u", "stage one done for job (alpha)")
    assert miner.add("u", "stage one done for job (beta)").text == "stage one done for job (<*>)"
    assert miner._units["u"].clusters[first.id].nparams == 1
