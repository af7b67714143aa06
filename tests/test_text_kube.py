"""Pastes of Kubernetes log tools are read without their per-line prefix (sources/text_kube.py): `kubectl logs
--prefix`'s `[pod/NAME/CONTAINER] `, stern's `POD CONTAINER ` (in colour on a terminal) and kubetail's `[POD] `.
Read as they were, a Go service's `panic: ...` started with the prefix and no rule anchored on it matched, and
kubectl's `--timestamps` time behind the prefix was not read (every line at the file's time). The real CLI over
files and standard input."""

from __future__ import annotations

import calendar
from pathlib import Path

import pytest
from conftest import json_events, of_type, run_cli

from logsentry.sources.text_compose import compose_prefixed

LINES = ("2024-03-01T10:00:00.123456789Z starting server on :8080",
         "2024-03-01T10:00:05.456123789Z panic: runtime error: invalid memory address or nil pointer dereference",
         "2024-03-01T10:00:05.456124789Z [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6f1c2a]")
PODS = ("api-7d9f8b6c4-x2x9z", "api-7d9f8b6c4-q8w7z")
PANIC_USEC = calendar.timegm((2024, 3, 1, 10, 0, 5)) * 1_000_000 + 456_123


def paste(prefix: str, end: str = "") -> str:
    return "".join(prefix.format(pod=PODS[n % 2]) + line + end + "\n" for n, line in enumerate(LINES))


PASTES = {
    "kubectl --prefix": paste("[pod/{pod}/api] "),
    "stern": paste("{pod} api "),
    "stern in colour": paste("\x1b[32m{pod}\x1b[0m \x1b[36mapi\x1b[0m "),
    "kubetail": paste("\x1b[32m[{pod}] ", " \x1b(B\x1b[m"),  # its default: the colour reset at the line's end
    "kubetail, colour on the pod": paste("\x1b[32m[{pod}]\x1b(B\x1b[m "),
    "kubetail, one pod": paste("\x1b(B\x1b[m[{pod}] ", " \x1b(B\x1b[m"),  # tput sgr0 for its colour
    "kubetail, a container": paste("[{pod} api] "),
    "kubetail, a StatefulSet's pod": paste("[postgres-0] "),
}


def _scan(*args: str, input: bytes | None = None) -> list[dict[str, object]]:
    done = run_cli("scan", *args, "-o", "json", input=input)
    assert done.exit_code == 0, done.output
    return json_events(done)


@pytest.mark.parametrize("tool", list(PASTES))
def test_a_pasted_pods_panic_is_read_at_its_time(tmp_path: Path, tool: str) -> None:
    path = tmp_path / "api.log"
    path.write_text(PASTES[tool])
    events = _scan("--file", str(path))
    panics = [m for m in of_type(events, "match") if m["rule"] == "go-nil-pointer-panic"]
    assert [(m["message"], m["realtime_usec"]) for m in panics] == [(LINES[1].split(" ", 1)[1], PANIC_USEC)]
    assert not [m for m in of_type(events, "match") if "\x1b" in str(m["message"])]


def test_a_piped_stern_paste() -> None:
    events = _scan("--file", "-", input=PASTES["stern"].encode())
    assert "go-nil-pointer-panic" in {m["rule"] for m in of_type(events, "match")}


@pytest.mark.parametrize("head", [
    "api-7d9f8b6c4-x2xae api starting\napi-7d9f8b6c4-x2xae api panic: x\n",  # vowels: no pod's generated name
    "2024-03-01 info starting\n2024-03-01 info stopping\n",  # a date is no pod's name
    "worker-2 started job 1\nworker-2 started job 2\nworker-2 finished job 2\n",  # a StatefulSet's, unbracketed
    "Dec 11 16:21:05 mx app[1]: a\nDec 11 16:21:06 mx app[1]: b\n",
    "api-7d9f8b6c4-x2x9z error: boom\napi-7d9f8b6c4-x2x9z error: again\n",  # a level in the container's place
])
def test_other_lines_are_no_kube_paste(head: str) -> None:
    assert not compose_prefixed(head.encode())
