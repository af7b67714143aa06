"""`rules check` explains anomaly rules: what each watches (kind, level, thresholds, window, in words) and
whether the line given would count for it and why not; its verdict agrees with what `scan` does with such
lines on a real journal file (a warm unit, then ten lines of a new template)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli

SHIPPED = Path(__file__).resolve().parent.parent / "rules" / "anomaly"


def said_about(output: str, rule: str) -> tuple[str, str]:
    """(what the rule watches, this line's verdict) as `rules check` printed them."""
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{rule} ("))
    return lines[at], lines[at + 1].strip()


def test_each_anomaly_rule_says_what_it_watches():
    out = run_cli("rules", "check", "--explain", "ERROR: connection refused by db-1 after 3 retries").stdout
    assert "anomaly rules (a line alone never fires one: each compares a unit with its learnt past" in out
    watch, verdict = said_about(out, "error-rate-spike")
    assert watch == ("error-rate-spike (error, alert, rate-spike): watches the rate of the unit's lines at err or "
                     "worse, all together, once 1h and 200 entries of the unit's history are learnt: fires at 20 or "
                     "more within 1m, 10x the learnt rate or more, a Poisson tail below 1e-9, and more than 1.5x the "
                     "busiest two minutes of the unit's error-level lines in the last 14 days")
    assert verdict == "this line counts (at err (the level it writes))"
    watch, verdict = said_about(out, "new-error-template")
    assert "lines at err or worse of a message template the unit never logged (new for 1h" in watch
    assert watch.endswith("3 such lines within 10m fire")
    assert verdict.startswith("this line counts if its template is new to a warm unit (at err")
    assert "template: ERROR: connection refused by db-<NUM> after <NUM> retries" in verdict
    watch, verdict = said_about(out, "error-share-jump")
    assert "share of the unit's lines at err or worse" in watch and "5 or more such lines within 1m, 5x" in watch
    assert said_about(out, "new-fatal-template")[1] == ("this line does not count: it is at err (the level it "
                                                        "writes), the rule needs crit or worse")


def test_why_a_line_does_not_count():
    out = run_cli("rules", "check", "--explain", "-p", "info", "GET /index.html 200 12ms").stdout
    assert said_about(out, "new-error-template")[1] == ("this line does not count: it is at info (PRIORITY), "
                                                        "the rule needs err or worse")
    assert said_about(out, "new-failure-template")[1].startswith(
        "this line does not count: its template says none of the rule's words (at info (PRIORITY); template: "
        "GET <PATH> <NUM> <DUR>)")
    assert said_about(out, "error-share-jump")[1].endswith("(it counts only among all of the unit's lines)")


def warm_then(line: str, at: float = 7200.0) -> list[dict[str, object]]:
    """Two hours of a unit's ordinary lines (warm: an hour and 200 entries), then ten lines of `line` a
    second apart."""
    history = [entry(f"GET /item/{i} 200 {i % 50}ms", unit="api.service", at=i * 20.0) for i in range(360)]
    return [*history, *(entry(line.format(i), unit="api.service", at=at + i) for i in range(10))]


def test_the_verdict_agrees_with_the_engine(make_journal: Callable[..., Path], tmp_path: Path):
    rules = tmp_path / "anomaly"
    rules.mkdir()
    shutil.copy(SHIPPED / "new-failure-template.toml", rules)
    for line, fires in (("payment backend refused order {}", True), ("listening on port {} for orders", False)):
        out = run_cli("rules", "check", "--explain", "--no-shipped-rules", "--rules", str(rules), line.format(7)).stdout
        verdict = said_about(out, "new-failure-template")[1]
        assert verdict.startswith("this line counts if" if fires else "this line does not count"), verdict
        journal = make_journal(warm_then(line))
        events = json_events(run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(rules),
                                     "-o", "json"))
        assert bool(of_type(events, "incident")) is fires, (line, events[-1])


def test_the_answer_is_not_buried_under_the_anomaly_rules() -> None:
    """`rules check LINE` printed its one-line answer, then two lines for each of the 16 anomaly rules (~60 lines of
    what each watches): the answer got lost. By default: the answer, a blank line, then the anomaly rules the line
    counts for, one line each; --explain gives the full text (what each watches, and why not)."""
    line = "nginx: worker process exited on signal 9"
    out = run_cli("rules", "check", line).stdout.splitlines()
    counted = ["new-template-flood", "new-template-storm", "template-rate-spike"]
    assert out[:3] == ["no rule matches", "", "anomaly rules (a line alone never fires one: each compares a unit with "
                       f"its learnt past): this line counts for 3 of {len(list(SHIPPED.glob('*.toml')))} (--explain: "
                       "what each anomaly rule watches, and why a line counts for it or not)"], out
    assert [said.split(" (")[0].strip() for said in out[3:]] == counted, out
    assert out[5] == ("    template-rate-spike (warning): counts toward its template's rate (template: nginx: worker "
                      "process exited on signal <NUM>)")
    assert not any(": watches " in said or "does not count" in said for said in out)
    explained = run_cli("rules", "check", "--explain", line).stdout
    assert explained.count(": watches ") == len(list(SHIPPED.glob("*.toml"))) and "does not count" in explained
    matched = run_cli("rules", "check", "cachix-server: thread blocked indefinitely in an MVar operation")
    assert matched.stdout.splitlines()[:3] == [
        "ghc-mvar-deadlock (critical, restart): cachix-server: thread blocked indefinitely in an MVar operation",
        '    program = "cachix-server"', ""]


def test_each_line_of_a_file_gets_one_line_of_anomaly_rules(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("GET /index.html 200 12ms\nworker 3 failed: connection refused\n")
    out = run_cli("rules", "check", "--file", str(lines)).stdout.splitlines()
    at = out.index("line 2: worker 3 failed: connection refused")
    assert out[at - 1].startswith("    counts for ") and "new-failure-template" not in out[at - 1]
    assert out[at + 1].startswith("    counts for ") and "new-failure-template" in out[at + 1]
    assert len(out) == 7 and not any(": watches " in said for said in out), out
