"""The C template miner (`_drain.c`) against the pure-Python miner it replaced (tests/templates_reference.py).

Both get the same lines, in the same order, with the same limits; every returned template (id and text) must be
equal, and so must the final snapshot (ids, tokens, paths, counts, order), memory counts and `match` answers.
Lines: the loghub-2k logs when they are here (LOGHUB, default /work/loghub; bench/templates.py's data, which
decide the grouping accuracy), the message corpora committed in tests/data, and seeded random lines built to
reach every branch: crowded leaves, settled messages meeting other words, level words (cased, punctuated, the
Kelvin sign), Unicode digits, full nodes (small max_children), eviction (small limits) and restore.
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import templates_reference as ref

from logsentry.engine.templates import TemplateMiner, _drain, drain, miner, tokens
from logsentry.engine.templates.tokens import LEVEL_WORDS, STRIP

DATA = Path(__file__).parent / "data"
LOGHUB = Path(os.environ.get("LOGHUB", "/work/loghub"))
LOGHUB_LOGS = sorted(LOGHUB.glob("**/*_2k.log_structured.csv")) if LOGHUB.is_dir() else []


def same_run(lines: list[tuple[str, str]], **limits: Any) -> None:
    """Feed (unit, line) pairs to both miners and compare everything they answer."""
    ours, theirs = TemplateMiner(**limits), ref.TemplateMiner(**limits)
    learnt: list[tuple[str, str]] = []
    for i, (unit, line) in enumerate(lines):
        got, want = ours.add(unit, line), theirs.add(unit, line)
        assert got == want, (i, unit, line)
        learnt.append((unit, got.id))
        if i % 7 == 3:  # what anomaly.py and runstep.py ask between adds, of this line's template or an older one
            for u, tid in (learnt[-1], learnt[(i * 13) % len(learnt)]):
                assert ours.alive(u, tid) == theirs.alive(u, tid)
                ours.count(u, tid, 2)
                theirs.count(u, tid, 2)
        if i % 11 == 5:
            probe = lines[(i * 31) % len(lines)]
            assert ours.match(*probe) == theirs.match(*probe), probe
        if i % 97 == 96:  # a unit forgotten (baseline forget) and learnt again
            ours.forget(lines[i - 1][0])
            theirs.forget(lines[i - 1][0])
    assert ours.snapshot() == theirs.snapshot()
    assert ours.memory_counts() == theirs.memory_counts()
    for unit in ours.units():
        assert ours.templates(unit) == theirs.templates(unit)
        assert ours.counts(unit) == theirs.counts(unit)
    # restored, both carry on alike
    ours2, theirs2 = TemplateMiner.restore(ours.snapshot()), ref.TemplateMiner.restore(theirs.snapshot())
    for unit, line in lines[::3]:
        assert ours2.add(unit, line) == theirs2.add(unit, line), (unit, line)
    assert ours2.snapshot() == theirs2.snapshot()


@pytest.mark.skipif(not LOGHUB_LOGS, reason="no loghub-2k logs here (the committed corpora below always run)")
@pytest.mark.parametrize("path", LOGHUB_LOGS, ids=lambda p: p.name.split("_")[0])
def test_loghub_logs_give_the_same_templates(path: Path) -> None:
    with path.open(newline="", encoding="utf-8", errors="surrogateescape") as f:
        lines = [("unit", row["Content"]) for row in csv.DictReader(f)]
    same_run(lines)


def corpus_messages() -> Iterator[str]:
    for name in ("real_world.tsv", "benign.tsv"):
        for row in (DATA / name).read_text(encoding="utf-8").splitlines():
            if row and not row.startswith("#"):
                yield str(json.loads(row.split("\t", 1)[1]).get("MESSAGE", ""))
    for row in (DATA / "fail2ban_sshd.tsv").read_text(encoding="utf-8").splitlines():
        if row and not row.startswith("#"):
            yield row.split("\t", 3)[3]


def test_committed_corpora_give_the_same_templates() -> None:
    messages = list(corpus_messages())
    assert len(messages) > 500
    same_run([("u", m) for m in messages])
    same_run([(f"u{i % 3}", m) for i, m in enumerate(messages)], max_templates_per_unit=20, max_units=2)


WORDS = ["connection", "closed", "by", "peer", "session", "opened", "for", "user", "Started", "Stopped", "failed",
         "to", "open", "file", "timeout", "after", "retry", "worker", "job", "done", "HTTPS", "SOCKS5", "root",
         "admin", "uucp", "disk", "full", "on", "device", "GET", "POST", "x", "=", "[", "]", "(", ")", "eth\u0663",
         "sd\u0968b"]
LEVELS = ["INFO", "info", "[error]", "ERROR:", "Warn", "<warning>", "level=err", "(fatal)", "'crit'", "debu",
          "informational", "Informational.", "notice!", "\u212aerror", "ERRORS", "err_", "#alert#", "tr\u0131ce",
          "\u017fevere", "FINEST", "verbose|", "E"]
VALUES = ["42", "0x1f", "10.0.0.7", "10.0.0.7:8080", "/var/lib/x", "3.5ms", "2001:db8::1", "deadbeef42",
          "user@example.org", "\u0663\u0664", "a1", "v2.3", "'quoted value'", '"x y"', "<NUM>", "<*>", "id=7"]


def random_lines(seed: int, n: int) -> list[tuple[str, str]]:
    """Lines from a few dozen events per unit: fixed words, a varying word or two, values, level words."""
    rng = random.Random(seed)
    units = [f"u{k}.service" for k in range(rng.randint(1, 4))]
    events: list[list[str]] = []
    for _ in range(rng.randint(5, 40)):
        shape = [rng.choice(WORDS) for _ in range(rng.randint(1, 9))]
        for _ in range(rng.randint(0, 3)):
            shape.insert(rng.randint(0, len(shape)), rng.choice(["$V", "$W", "$L"]))
        events.append(shape)
    out = []
    for _ in range(n):
        shape = events[min(int(rng.expovariate(0.25)), len(events) - 1)]  # a few events make most lines
        words = [rng.choice(VALUES) if t == "$V" else rng.choice(WORDS) if t == "$W" else
                 rng.choice(LEVELS) if t == "$L" else t for t in shape]
        if rng.random() < 0.05:  # a word changed in a settled message
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        out.append((rng.choice(units), " ".join(words)))
    return out


@pytest.mark.parametrize("seed", range(30))
def test_random_lines_give_the_same_templates(seed: int) -> None:
    lines = random_lines(seed, 600)
    same_run(lines)
    same_run(lines, max_children=2 + seed % 3, depth=3 + seed % 3, similarity=(seed % 5) / 4)
    same_run(lines, max_templates_per_unit=3 + seed % 5, max_units=2, max_tokens=4 + seed % 6)


def test_small_caches_give_the_same_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Caches cleared when full (every few lines here) send lines to the tree again: the same answers."""
    for name, value in (("_CACHE_TOTAL", 24), ("_CACHE_MIN", 3), ("_CACHE_MAX", 8)):
        monkeypatch.setattr(miner, name, value)  # read by both miners
    for seed in range(10):
        same_run(random_lines(200 + seed, 500))


@pytest.mark.parametrize("settled", [2, 30])
def test_other_settled_counts_give_the_same_templates(settled: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drain, "SETTLED", settled)  # read by every Tree, ours and the reference's
    for seed in range(5):
        same_run(random_lines(100 + seed, 400))


def test_level_positions_match_the_regex_reference() -> None:
    rng = random.Random(7)
    pool = [*LEVELS, *WORDS, *VALUES, "", "::", "[]", "ERROR\u00e9", "\u0130nfo", "panic:", "WARNING]["]
    for _ in range(5000):
        toks = [rng.choice(pool) + rng.choice(["", "", ":", "]", ".", "\u212a"]) for _ in range(rng.randint(0, 6))]
        assert tokens.level_positions(toks) == ref.level_positions(toks), toks
        assert tokens.level_positions(toks) == ref.level_positions(toks, " ".join(toks)), toks
    assert set(_drain.level_words) == LEVEL_WORDS and len(_drain.level_words) == len(LEVEL_WORDS)
    assert _drain.strip_chars == STRIP


def test_template_ids_are_blake2b_of_unit_and_text() -> None:
    """Ids are saved with the baselines: the C hash must stay hashlib's BLAKE2b-64, at every length around its
    128-byte block, for any text (non-ASCII, lone surrogates) and salt."""
    rng = random.Random(3)
    for length in [*range(300), *(rng.randint(300, 3000) for _ in range(50))]:
        text = "".join(rng.choice("ab <*>=\u00e9\u4e2d\ud800\U0001f600") for _ in range(length))
        for salt in (0, 1, 10**12):
            assert _drain.template_id("u.service", text, salt) == ref._template_id("u.service", text, salt)
    assert _drain.template_id("", "") == ref._template_id("", "")


def test_bad_input_is_a_clear_error_not_a_crash() -> None:
    miner = TemplateMiner()
    with pytest.raises(TypeError):
        miner.add("u", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        miner.add("u")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _drain.level_positions(["ok", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        _drain.find({}, 2, "not a list", (), 0.5, 10)  # type: ignore[arg-type]
    assert miner.add("u", "still works 1").text == "still works <NUM>"
