"""kubelet-pleg-unhealthy: the kubelet skips every pod sync while its container runtime does not answer, and says
so only in its own words at klog `E` (helper D17: aws-samples/eks-workshop-v2#447, 2h33m of it below error-burst's
threshold). Every kubelet start's "pleg has yet to be successful" is no failure. Real journal files."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli

UNIT = "kubelet.service"


def _kubelet(at: float, text: str) -> dict:  # type: ignore[type-arg]
    return entry(f"E1128 14:02:{int(at) % 60:02d}.631719  308309 kubelet.go:1870] {text}", unit=UNIT, at=at,
                 priority=6, SYSLOG_IDENTIFIER="kubelet")


def _incidents(make_journal, lines: list[dict]) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    result = run_cli("scan", "--file", str(make_journal(lines)), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return [i for i in of_type(json_events(result), "incident") if i["rule"] == "kubelet-pleg-unhealthy"]


def test_a_runtime_hung_past_the_threshold_is_an_error_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_kubelet(n, '"Skipping pod synchronization" err="PLEG is not healthy: pleg was last seen active '
                         f'3m{n}.416753742s ago; threshold is 3m0s"') for n in range(5)]
    (incident,) = _incidents(make_journal, lines)
    assert incident["severity"] == "error" and incident["unit"] == UNIT


def test_a_kubelet_start_is_no_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    lines = [_kubelet(0, '"Starting kubelet main sync loop"'),
             _kubelet(0.1, '"Skipping pod synchronization" err="PLEG is not healthy: pleg has yet to be successful"')]
    assert _incidents(make_journal, lines) == []
