"""A generic rule's open incident does not keep its lines out of the unit's baselines (helper-170's trial): a
healthy service whose batch job logs a burst of handled errors every few hours fired error-burst at each batch,
whose open incident kept the batch's lines from being learnt, so the unit's error rate never learnt them either
and error-rate-spike paged every batch too ("at most 49 in two minutes usually", for ever). error-burst names
nothing (it counts levels): its lines are the unit's traffic, judged by the anomaly rules against its normal."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import json_events, of_type, run_cli

START = 1_796_400_000
HOURS = 22
EVERY_H = 4


def log() -> str:
    out = []
    for i in range(HOURS * 3600 // 2):
        at = START + i * 2
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(at))
        out.append(f"{stamp} web01 cartd[300]: INFO cart updated id={i % 977} items={i % 7}")
        if i * 2 >= EVERY_H * 3600 and i * 2 % (EVERY_H * 3600) < 50:  # a batch: 100 handled errors in 50 s
            out += [f"{stamp} web01 cartd[300]: ERROR batch item {i + k} failed validation: missing field 'sku'"
                    for k in range(4)]
    return "\n".join(out) + "\n"


def test_a_recurring_batch_of_handled_errors_pages_its_rate_once_at_most(tmp_path: Path) -> None:
    path = tmp_path / "cartd.log"
    path.write_text(log())
    incidents = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident")
    rules = [i["rule"] for i in incidents]
    assert rules.count("error-burst") >= 3, rules  # (a static count: each batch, as its description says)
    assert rules.count("error-rate-spike") <= 1, [(i["rule"], i["why"]) for i in incidents]

