"""Trial 78's pastes (real excerpts of public threads, `scan --file`) whose cards named the wrong line, no dedicated
rule, hid the cause, or split one failure in two.

- 04, unicef/magicbox-open-api#58: Node prints the error, then its stock `Unhandled promise rejection. This error
  originated ...` and `[DEP0018] DeprecationWarning ...`; excerpt-failure-template fired at the third and quoted the
  deprecation notice, the ECONNREFUSED on no card. An anomaly rule that counts a unit's new templates together and
  fires on a runtime's stock note quotes the latest counted line that says more (engine/stock_lines.py).
- 26, hashicorp/consul-helm#563: a Consul client's `error="rpc error making call: No cluster leader"`
  (agent/pool/pool.go) was new-error-template's, not consul-no-cluster-leader's.
- 13, canonical/microk8s#525: the kubelet's CRI calls refused on containerd.sock had no rule
  (kubelet-container-runtime-unreachable).
- 24, lilyinstarlight/nixos-cosmic#580: NetworkManager's `no secrets: No agents were available for this request.`
  before each failed activation was on no card (networkmanager-wifi-no-secrets joins the failure).
- 11, longhorn/longhorn#193: the SCSI sense lines of a medium error (`sd 4:0:0:1: [sdb] ...`) fired
  excerpt-failure-template, and the block layer's `critical medium error, dev sdb` a second card
  (engine/failure_subjects.py: lines that name the disk are its subject).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import json_events, of_type, run_cli

NODE = (
    'Open maps API is up on http://localhost:8000\n',
    '(node:56820) UnhandledPromiseRejectionWarning: Error: connect ECONNREFUSED 127.0.0.1:5432\n',
    '    at TCPConnectWrap.afterConnect [as oncomplete] (net.js:1117:14)\n',
    '(node:56820) UnhandledPromiseRejectionWarning: Unhandled promise rejection. This error ori'
    'ginated either by throwing inside of an async function without a catch block, or by reject'
    'ing a promise which was not handled with .catch(). (rejection id: 1)\n',
    '(node:56820) [DEP0018] DeprecationWarning: Unhandled promise rejections are deprecated. In'
    ' the future, promise rejections that are not handled will terminate the Node.js process wi'
    'th a non-zero exit code.\n',
)
CONSUL = (
    '    2020-08-07T13:25:22.522Z [ERROR] agent.anti_entropy: failed to sync remote state: erro'
    'r="rpc error making call: No cluster leader"\n',
    '    2020-08-07T13:25:41.050Z [ERROR] agent.client: RPC failed to server: method=Coordinate'
    '.Update server=10.244.1.171:8300 error="rpc error making call: No cluster leader"\n',
    '    2020-08-07T13:25:41.050Z [ERROR] agent: Coordinate update error: error="rpc error maki'
    'ng call: No cluster leader"\n',
    '    2020-08-07T13:25:54.435Z [ERROR] agent.client: RPC failed to server: method=Catalog.No'
    'deServiceList server=10.244.0.95:8300 error="rpc error making call: No cluster leader"\n',
    '    2020-08-07T13:25:54.435Z [ERROR] agent.anti_entropy: failed to sync remote state: erro'
    'r="rpc error making call: No cluster leader"\n',
    '    2020-08-07T13:26:04.467Z [ERROR] agent.client: RPC failed to server: method=Coordinate'
    '.Update server=10.244.1.171:8300 error="rpc error making call: No cluster leader"\n',
    '    2020-08-07T13:26:04.467Z [ERROR] agent: Coordinate update error: error="rpc error maki'
    'ng call: No cluster leader"\n',
    '    2020-08-07T13:26:26.906Z [ERROR] agent.client: RPC failed to server: method=Catalog.No'
    'deServiceList server=10.244.0.95:8300 error="rpc error making call: No cluster leader"\n',
    '    2020-08-07T13:26:26.906Z [ERROR] agent.anti_entropy: failed to sync remote state: erro'
    'r="rpc error making call: No cluster leader"\n',
)
KUBELET = (
    'Jun 28 02:09:50 hostname microk8s.daemon-kubelet[2890]: E0628 02:09:50.135897    2890 gene'
    'ric.go:205] GenericPLEG: Unable to retrieve pods: rpc error: code = Unavailable desc = all'
    ' SubConns are in TransientFailure, latest connection error: connection error: desc = "tran'
    'sport: Error while dialing dial unix /var/snap/microk8s/common/run/containerd.sock: connec'
    't: connection refused"\n',
    'Jun 28 02:09:50 hostname microk8s.daemon-kubelet[2890]: E0628 02:09:50.330373    2890 remo'
    'te_runtime.go:182] ListPodSandbox with filter &PodSandboxFilter{Id:,State:&PodSandboxState'
    'Value{State:SANDBOX_READY,},LabelSelector:map[string]string{},} from runtime service faile'
    'd: rpc error: code = Unavailable desc = all SubConns are in TransientFailure, latest conne'
    'ction error: connection error: desc = "transport: Error while dialing dial unix /var/snap/'
    'microk8s/common/run/containerd.sock: connect: connection refused"\n',
    'Jun 28 02:09:50 hostname microk8s.daemon-kubelet[2890]: E0628 02:09:50.330589    2890 kube'
    'runtime_sandbox.go:210] ListPodSandbox failed: rpc error: code = Unavailable desc = all Su'
    'bConns are in TransientFailure, latest connection error: connection error: desc = "transpo'
    'rt: Error while dialing dial unix /var/snap/microk8s/common/run/containerd.sock: connect: '
    'connection refused"\n',
)
NETWORKMANAGER = (
    'Jan 09 16:48:21 nixos NetworkManager[4256]: <warn>  [1736441301.0994] device (wlo1): Activ'
    "ation: failed for connection 'BTHub5-59JH'\n",
    'Jan 09 16:48:26 nixos NetworkManager[4256]: <warn>  [1736441306.9736] device (wlo1): no se'
    'crets: No agents were available for this request.\n',
    'Jan 09 16:48:26 nixos NetworkManager[4256]: <warn>  [1736441306.9739] device (wlo1): Activ'
    "ation: failed for connection 'BTHub5-59JH'\n",
    'Jan 09 16:48:29 nixos NetworkManager[4256]: <warn>  [1736441309.4113] device (wlo1): no se'
    'crets: No agents were available for this request.\n',
    'Jan 09 16:48:29 nixos NetworkManager[4256]: <warn>  [1736441309.4117] device (wlo1): Activ'
    "ation: failed for connection 'BTHub5-59JH'\n",
    'Jan 09 16:48:34 nixos NetworkManager[4256]: <warn>  [1736441314.8384] device (wlo1): no se'
    'crets: No agents were available for this request.\n',
    'Jan 09 16:48:34 nixos NetworkManager[4256]: <warn>  [1736441314.8389] device (wlo1): Activ'
    "ation: failed for connection 'BTHub5-59JH'\n",
)
DISK = (
    '[211786.517939] sd 4:0:0:1: [sdb] tag#0 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_S'
    'ENSE\n',
    '[211786.517948] sd 4:0:0:1: [sdb] tag#0 Sense Key : Medium Error [current]\n',
    '[211786.517954] sd 4:0:0:1: [sdb] tag#0 Add. Sense: Unrecovered read error\n',
    '[211786.517963] sd 4:0:0:1: [sdb] tag#0 CDB: Write(10) 2a 00 00 00 00 00 00 00 10 00\n',
    '[211786.517987] blk_update_request: critical medium error, dev sdb, sector 0\n',
    '[211786.519432] Buffer I/O error on dev sdb, logical block 0, lost async page write\n',
    '[211786.520602] Buffer I/O error on dev sdb, logical block 1, lost async page write\n',
    '[211786.522189] sd 4:0:0:1: [sdb] tag#1 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_S'
    'ENSE\n',
    '[211786.522194] sd 4:0:0:1: [sdb] tag#1 Sense Key : Medium Error [current]\n',
    '[211786.522198] sd 4:0:0:1: [sdb] tag#1 Add. Sense: Unrecovered read error\n',
    '[211786.522202] sd 4:0:0:1: [sdb] tag#1 CDB: Write(10) 2a 00 00 00 08 10 00 00 08 00\n',
    '[211786.522205] blk_update_request: critical medium error, dev sdb, sector 2064\n',
    '[211786.524008] Buffer I/O error on dev sdb, logical block 258, lost async page write\n',
)


def scan(tmp_path: Path, lines: tuple[str, ...], name: str = "paste.log",
         kind: str = "incident") -> list[dict[str, Any]]:
    """The scan's incidents as they fired (`kind`; "incident_end": as they ended, with their whole chain)."""
    path = tmp_path / name
    path.write_text("".join(lines))
    return of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), kind)


def test_a_node_rejections_card_quotes_the_error_not_nodes_deprecation_notice(tmp_path: Path) -> None:
    (incident,) = scan(tmp_path, NODE)
    assert incident["rule"] == "excerpt-failure-template"
    error = "(node:56820) UnhandledPromiseRejectionWarning: Error: connect ECONNREFUSED 127.0.0.1:5432"
    assert incident["message"] == error, incident["message"]
    assert incident["template"].endswith("Error: connect ECONNREFUSED <IP>"), incident["template"]
    assert incident["cursor"].endswith(":2"), incident["cursor"]  # the error's line, not the third's
    assert incident["count"] == 3  # still fired at the third
    assert incident["chain"][0]["message"] == error
    report = run_cli("scan", "--file", str(tmp_path / "paste.log")).stdout
    assert "│ failure:  (node:56820) UnhandledPromiseRejectionWarning: Error:" in report, report  # then the note


def test_consul_clients_rpc_error_making_call_is_no_cluster_leader(tmp_path: Path) -> None:
    rules = [incident["rule"] for incident in scan(tmp_path, CONSUL)]
    assert rules == ["consul-no-cluster-leader"], rules


def test_the_kubelet_refused_by_containerd_for_seconds_is_its_runtime_unreachable(tmp_path: Path) -> None:
    """The PLEG relists every second: the paste's three lines are one relist (a containerd restart's too, below
    the count); the same three every second for four seconds are an outage."""
    assert all(incident["rule"] != "kubelet-container-runtime-unreachable" for incident in scan(tmp_path, KUBELET))
    relists = tuple(line.replace("02:09:50", f"02:09:5{second}") for second in range(4) for line in KUBELET)
    rules = [incident["rule"] for incident in scan(tmp_path, relists, "relists.log")]
    assert rules == ["kubelet-container-runtime-unreachable"], rules


def test_networkmanagers_no_secrets_line_is_on_the_failed_activations_card(tmp_path: Path) -> None:
    (incident,) = scan(tmp_path, NETWORKMANAGER, kind="incident_end")
    assert incident["rule"] == "networkmanager-activation-failed"
    said = {link["rule"]: link["message"] for link in incident["chain"]}
    assert said.get("networkmanager-wifi-no-secrets", "").endswith(
        "device (wlo1): no secrets: No agents were available for this request."), said


def test_a_disks_scsi_sense_lines_and_its_block_io_error_are_one_card(tmp_path: Path) -> None:
    (incident,) = scan(tmp_path, DISK)
    assert (incident["rule"], incident["key"], incident["severity"]) == ("kernel-block-io-error", "sdb", "error")
    chain = [(link["rule"], link["message"]) for link in incident["chain"]]
    assert ("excerpt-failure-template", "sd 4:0:0:1: [sdb] tag#0 Add. Sense: Unrecovered read error") in chain, chain
