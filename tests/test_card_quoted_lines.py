"""A card's two quoted lines say which is which: the line its rule fired on and its latest hit's (a new user's
Redis outage: two `queue/redis.go:141: failed to fetch job: ...` lines, alike, under bare bars). One line keeps its
bare bar. Real journal files, the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import entry, run_cli, simple_rule
from test_chain_last_hit import _failing


def _inside(card: str) -> list[str]:
    """The card's lines without its border."""
    return [line.strip().removeprefix("│").removesuffix("│").strip() for line in card.splitlines()]


def test_the_fired_line_and_the_last_are_labelled(make_journal: Callable[..., Path],
                                                   write_rule: Callable[..., Path], rules_dir: Path) -> None:
    write_rule("boom", simple_rule(count=2))  # fires at BOOM 1; BOOM 2 its last
    done = run_cli("scan", "--file", str(make_journal(_failing())), "--rules", str(rules_dir))
    assert done.exit_code == 0, done.output
    lines = _inside(done.stdout)
    assert "│ fired on: FATAL: BOOM 1" in lines and "│ later:    FATAL: BOOM 2" in lines, done.stdout
    write_rule("boom", simple_rule(count=1))
    done = run_cli("scan", "--file", str(make_journal([entry("FATAL: BOOM once", at=1, priority=3)])),
                   "--rules", str(rules_dir))
    lines = _inside(done.stdout)
    assert "│ FATAL: BOOM once" in lines and "fired on:" not in done.stdout, done.stdout
