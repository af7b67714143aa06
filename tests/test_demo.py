"""`logsentry demo`: the bundled outage replayed through the real journal reader and pipeline."""

from __future__ import annotations

from pathlib import Path

from logsentry.demo.outage import FACTS


def test_demo_detects_the_outage_at_its_first_line(demo_replay):
    result = demo_replay(True)
    assert result.journal_kind.startswith("a real journal file")
    assert result.requests_failed > 20_000
    assert result.incident is not None and result.first_hit is not None
    assert result.incident.rule_id == "ghc-autoupdate-worker-died"
    assert result.incident.unit == "cachix-server.service"
    assert 0 <= result.incident.fired_usec - FACTS.first_error_usec < 1_000_000
    assert [a.kind for a in result.actions] == ["restart", "alert"]
    assert all(a.dry_run for a in result.actions)
    # One failure, one incident: error-burst and the MVar signature join the worker's death (engine/failures.py).
    assert result.progress.incidents == 1
    assert result.benign_mentions == 1  # the search URL with the exception text triggered nothing


def test_demo_command_tells_the_story(demo_cli):
    result = demo_cli(True)  # `logsentry demo`, shared with the tests of its DemoResult
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    assert "6h 6m 55s down" in out
    assert "systemctl restart cachix-server.service" in out
    assert "Detected 0.000 s after the first failing line" in out


def test_demo_without_signatures_catches_it_from_the_units_history(demo_replay, demo_cli):
    """Every signature rule off: the anomaly rules catch the outage within 10 s of journal time, and say why."""
    result = demo_replay(False)
    assert result.incident is not None
    incident = result.incident
    assert incident.rule_id in {"new-error-template", "error-share-jump", "error-rate-spike", "new-fatal-template"}
    assert incident.unit == "cachix-server.service"
    assert 0 <= incident.fired_usec - FACTS.first_error_usec < 10_000_000
    assert incident.why and "MVar" in incident.template
    assert result.failed_before < 10
    out = " ".join(demo_cli(False).stdout.split())  # `logsentry demo --no-signatures`, whose DemoResult it is
    shipped = len(list((Path(__file__).resolve().parent.parent / "rules" / "anomaly").glob("*.toml")))
    assert f"only the {shipped} anomaly rules" in out and "by the anomaly rules alone" in out and "why:" in out
