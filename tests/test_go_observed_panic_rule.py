"""go-observed-panic: a Kubernetes-library Go program logs a goroutine's panic as "Observed a panic" (apimachinery's
HandleCrash, controller-runtime's reconciler) and the runtime's own "panic: ..." comes only after the stack, or never
(helper D17: fluent/fluent-bit#4492's excerpt held only this line). Real journal files."""

from __future__ import annotations

from conftest import entry, json_events, of_type, run_cli


def _incidents(make_journal, lines: list[dict]) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    result = run_cli("scan", "--file", str(make_journal(lines)), "--no-anomalies", "-o", "json")
    assert result.exit_code == 0, result.output
    return [i for i in of_type(json_events(result), "incident") if i["rule"] == "go-observed-panic"]


def test_a_controller_managers_panic_is_an_error_incident(make_journal) -> None:  # type: ignore[no-untyped-def]
    unit = "kube-controller-manager.service"
    lines = [entry('I0123 12:33:28.100000       1 controllermanager.go:700] "Started controller" controller="job"',
                   unit=unit, at=0, priority=6),
             entry('E0123 12:33:29.270214       1 panic.go:262] "Observed a panic" panic="runtime error: invalid '
                   'memory address or nil pointer dereference" panicGoValue="\\"invalid memory address or nil pointer '
                   'dereference\\"" stacktrace=<', unit=unit, at=1, priority=6),
             entry("        goroutine 3482 [running]:", unit=unit, at=1.1, priority=6)]
    (incident,) = _incidents(make_journal, lines)
    assert incident["severity"] == "error" and incident["unit"] == unit


def test_an_operators_reconciler_panic_logged_at_info_is_caught(make_journal) -> None:  # type: ignore[no-untyped-def]
    unit = "portal-operator.service"
    lines = [entry('{"level":"info","ts":"2024-10-18T20:35:46.757Z","caller":"controller/controller.go:115","msg":'
                   '"Observed a panic in reconciler: runtime error: invalid memory address or nil pointer '
                   'dereference","controller":"portal"}', unit=unit, at=0, priority=6)]
    (incident,) = _incidents(make_journal, lines)
    assert incident["unit"] == unit


def test_the_words_quoted_elsewhere_are_no_panic(make_journal) -> None:  # type: ignore[no-untyped-def]
    unit = "checker.service"
    lines = [entry('I0123 12:33:29.270214       1 handler.go:10] "Request" path="/search?q=Observed a panic: x"',
                   unit=unit, at=0, priority=6),
             entry('grep -c "Observed a panic" operator.log returned 0', unit=unit, at=1, priority=6)]
    assert _incidents(make_journal, lines) == []
