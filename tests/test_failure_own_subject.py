"""A signature keyed to its own subject gets its own card, not a chain row of an anomaly's failure begun before it
(trial 75, D3). A kubelet's own log is one unit: its routine start-up errors (`Container runtime network not ready`,
no AWS credentials) opened a new-error-template incident that stayed open, and a pod's CrashLoopBackOff 70 s later
(kubelet-pod-back-off [cluster-register]) joined that failure as a chain row: the crash loop had no card. A crash
loop's lines are still one failure (one card per container). A real klog file read by `scan --file`, every shipped
rule."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

PID = 4787
POD = '005cd769-f0b2-4e4f-b7dd-928da02372d2 ("cattle-cluster-agent-8647c64fdd-ljjwk_cattle-system(005cd769)")'


def klog(level: str, second: float, source: str, message: str) -> str:
    minute, sec = divmod(second, 60)
    return f"{level}0120 11:{42 + int(minute):02d}:{sec:09.6f}    {PID} {source}] {message}\n"


def kubelet_log(tmp_path: Path) -> Path:
    """Start-up (its CNI not ready for 80 s), then one pod's container crash-looping for 30 min."""
    lines = [klog("I", 0.1 + k / 100, "flags.go:59", f'FLAG: --flag-{k}="{k}"') for k in range(40)]
    lines.append(klog("E", 4.3, "aws_credentials.go:77", "while getting AWS credentials NoCredentialProviders: no "
                      "valid providers in chain. Deprecated."))
    lines += [klog("W", 4.0 + 5 * k, "cni.go:239", "Unable to update cni config: no networks found in /etc/cni/net.d")
              for k in range(16)]
    lines += [klog("E", 4.4 + 5 * k, "kubelet.go:2103", "Container runtime network not ready: NetworkReady=false "
                   "reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config "
                   "uninitialized") for k in range(16)]
    back_off = 10
    for k in range(60):
        at = 76.0 + 30 * k
        lines.append(klog("I", at - 1, "kubelet.go:1865", f'SyncLoop (PLEG): "cattle-cluster-agent", event: {k}'))
        lines.append(klog("E", at, "pod_workers.go:191", f'Error syncing pod {POD}, skipping: failed to '
                          f'"StartContainer" for "cluster-register" with CrashLoopBackOff: "back-off {back_off}s '
                          'restarting failed container=cluster-register pod=cattle-cluster-agent-8647c64fdd-ljjwk"'))
        back_off = min(2 * back_off, 300)
    lines.sort(key=lambda line: line[5:20])
    path = tmp_path / "kubelet.log"
    path.write_text("".join(lines))
    return path


def test_a_crash_loop_after_start_up_noise_has_its_own_card(tmp_path: Path) -> None:
    result = run_cli("scan", "--file", str(kubelet_log(tmp_path)), "-o", "json")
    assert result.exit_code == 0, result.output
    events = json_events(result)
    incidents = of_type(events, "incident")
    loops = [i for i in incidents if i["rule"] == "kubelet-pod-back-off"]
    assert [i["key"] for i in loops] == ["cluster-register"], [(i["rule"], i["key"]) for i in incidents]
    (end,) = [e for e in of_type(events, "incident_end") if e["rule"] == "kubelet-pod-back-off"]
    assert end["count"] == 60, end["count"]  # (the whole loop, one card)
    anomaly = [i for i in incidents if i["rule"] == "new-error-template"]
    assert all("Container runtime network" in i["template"] or "AWS" in i["template"] for i in anomaly), anomaly
