"""A signature's hit on a line the anomaly rules found too carries their reason (pipeline.py): the incident it fires
says what the signature names and why the line is anomalous ("also matched new-error-template: ..."). A match, not
an incident: "also excerpt-failure-template: ..." read as that rule fired too, beside a chain that said it stayed
below its trigger (a new user's trial, nu230); the chain says which fired."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

from ..model import Hit
from .anomaly import SAYING


def also_why(hits: list[Hit], found: list[Hit], signature_rules: Collection[str],
             of_line: Callable[[Hit], str]) -> list[Hit]:
    """`hits` (one line's) with each signature's why and template those of the anomaly hits `found` on the line,
    each said of the line (`of_line`: AnomalyDetector.said_of_line): rules that give one reason (new-*-template)
    say it once, and new-failure-template's word once at the end."""
    rules_of: dict[str, list[str]] = {}
    saying = ""  # new-failure-template's word (engine/anomaly.py SAYING)
    for hit in found:
        reason, _, said = of_line(hit).partition(SAYING)
        saying = saying or said
        rules_of.setdefault(reason, []).append(hit.rule_id)
    also = "; ".join(f"also matched {', '.join(ids)}: {why}" for why, ids in rules_of.items())
    also += SAYING + saying if saying else ""
    template = found[0].template
    return [replace(hit, why=also, template=template) if hit.rule_id in signature_rules else hit for hit in hits]
