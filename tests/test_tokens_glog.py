"""Masking classes an operator trial found (issue 12, helper T's causes B and L), in tokens.py and its C twin
_mask.c:

B. glog's header glues the level letter to the date (`E1126 14:00:00.123456    1234 util.go:163] msg`: klog in
   kubelet, etcd's older logs, every glog/klog/abseil program). Kept as a token, every day made new templates,
   and a kubelet's routine error line became "new" at midnight (its incident then swallowed a real outage).
   It is masked as the letter and `<DATE>`: `E<DATE>`.
L. A source location `NAME.EXT:LINE` (`util.go:163`, `(Foo.java:42)`, `main.py:42`) was masked as a host:port
   (`<IP>`), in alert templates too. It is `util.go:<NUM>`; real host:ports stay `<IP>`.

Unit cases, C against the reference regex on generated lines, the template miner across midnight, and a scan of a
real journal file (systemd-journal-remote) of a kubelet whose recurring error line crosses midnight.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import BASE_USEC, entry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_anomaly import HOUR, by_time, scan_anomalies

from logsentry.engine.templates import TemplateMiner
from logsentry.engine.templates.tokens import masked_key, reference_mask, reference_tokenize, tokenize


@pytest.mark.parametrize(("line", "tokens"), [
    ("E1126 14:00:00.123456    1234 util.go:163] boom", ["E<DATE>", "<TS>", "<NUM>", "util.go:<NUM>]", "boom"]),
    ("I0102 10:00:00.123456       1 kubelet.go:2345] ok", ["I<DATE>", "<TS>", "<NUM>", "kubelet.go:<NUM>]", "ok"]),
    ("W20241130 10:00:00.123456  7 file.cc:12] x", ["W<DATE>", "<TS>", "<NUM>", "file.cc:<NUM>]", "x"]),  # glog 0.6+
    ("F1231 23:59:59.999999 9 main.go:1] y", ["F<DATE>", "<TS>", "<NUM>", "main.go:<NUM>]", "y"]),
    ("E1126 14:00:00.123456]", ["E<DATE>", "<TS>]"]),  # klog's ktesting SprintHeader
    ("[pod-a] E1126 14:00:00.1 1 a.go:1] z", ["[pod-a]", "E<DATE>", "<TS>", "<NUM>", "a.go:<NUM>]", "z"]),
    # not glog's header: no month/day, no time after it, glued to a word, another letter (E, F and D are hex
    # digits: such a token is a short hex id mixing digits and letters, <NUM>, not E<DATE>; W and I stay words)
    ("W1326 14:00:00 x", ["W1326", "<TS>", "x"]),
    ("I1100 14:00:00 x", ["I1100", "<TS>", "x"]),
    ("W1126 14:00 x", ["W1126", "<NUM>:<NUM>", "x"]),
    ("I1126  14:00:00 x", ["I1126", "<TS>", "x"]),
    ("E1326 14:00:00 x", ["<NUM>", "<TS>", "x"]),
    ("E1100 14:00:00 x", ["<NUM>", "<TS>", "x"]),
    ("E1126 14:00 x", ["<NUM>", "<NUM>:<NUM>", "x"]),
    ("E1126  14:00:00 x", ["<NUM>", "<TS>", "x"]),
    ("XE1126 14:00:00 x", ["XE1126", "<TS>", "x"]),
    ("D1126 14:00:00 x", ["<NUM>", "<TS>", "x"]),
    ("E112 14:00:00 x", ["<NUM>", "<TS>", "x"]),
    ("W112 14:00:00 x", ["W112", "<TS>", "x"]),
    # source locations are no host:port
    ("at (Foo.java:42)", ["at", "(Foo.java:<NUM>)"]),
    ("main.py:42 said", ["main.py:<NUM>", "said"]),
    ("jquery.min.js:2 failed", ["jquery.min.js:<NUM>", "failed"]),
    ("src/lib.rs:7 x", ["src/lib.rs:<NUM>", "x"]),
    ("foo.c:12: assertion", ["foo.c:<NUM>:", "assertion"]),
    # host:ports stay hosts, a top-level domain that is also an extension included when it has a subdomain
    ("connect db.example.com:5432", ["connect", "<IP>"]),
    ("connect db.example.pl:5432", ["connect", "<IP>"]),
    ("connect www.shop.py:443", ["connect", "<IP>"]),
    ("connect api.internal:8080", ["connect", "<IP>"]),
    ("connect 10.0.0.1:8080", ["connect", "<IP>"]),
])
def test_masking(line: str, tokens: list[str]) -> None:
    assert reference_tokenize(line) == tokens
    assert tokenize(line) == tokens


PIECES = ["E", "I", "W", "F", "D", "1126", "0102", "1399", "1100", "2024", "20241130", " ", "  ", "14:00:00",
          ".123456", "14:00", "util", ".go", ".java", ".py", ".pl", ".cc", ".js", ".min", "db", ".example", ".com",
          ":", "163", "42", "99999", "]", ")", "(", "x", "-", "_", "é", "\u0661", "E1126 14:00:00.123456    1234 ",
          "util.go:163] ", "a.b.py:1", "Foo.java:42"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text("aZ9 .:-_[]é\u0661", max_size=3)), max_size=14))
def test_c_masking_is_the_reference(parts: list[str]) -> None:
    line = "".join(parts)
    from logsentry.engine.templates import _mask

    assert _mask.mask(line) == reference_mask(line), line
    assert masked_key(line, 128) == " ".join(reference_tokenize(line)), line


def klog(at: float, severity: str, source: str, text: str) -> str:
    """A klog line as klog's FormatHeader writes it, dated by its own journal time (UTC)."""
    when = datetime.fromtimestamp(BASE_USEC / 1e6 + at, UTC)
    return f"{severity}{when:%m%d %H:%M:%S}.{when.microsecond:06d}    1234 {source}] {text}"


STATS = ('"Failed to get system container stats" err="failed to get cgroup stats for \\"/system.slice/docker.service'
         '\\": unknown container" containerName="/system.slice/docker.service"')


def test_a_klog_line_is_one_template_across_midnight() -> None:
    miner = TemplateMiner()
    before = miner.add("kubelet.service", klog(23 * HOUR, "E", "summary_sys_containers.go:48", STATS))
    after = miner.add("kubelet.service", klog(25 * HOUR, "E", "summary_sys_containers.go:48", STATS))
    info = miner.add("kubelet.service", klog(25 * HOUR, "I", "summary_sys_containers.go:48", STATS))
    assert after.id == before.id
    assert info.id != before.id, "a level letter stays apart"


def test_a_kubelets_recurring_error_line_is_not_new_at_midnight(make_journal) -> None:
    """kubelet's noisy 'Failed to get system container stats' E-line every 15 s and I-lines every 5 s from 20:00
    to 02:00 (2026-01-01 to 01-02, UTC); then containerd goes down: new E-lines twice a second. Only the outage is
    an incident; before, midnight's E0102 made the recurring line a new error template."""
    unit = "kubelet.service"
    start, end = 20 * HOUR, 26 * HOUR
    routine = [entry(klog(start + n * 15, "E", "summary_sys_containers.go:48", STATS), unit=unit, at=start + n * 15)
               for n in range(int((end - start) / 15))]
    info = [entry(klog(start + 2 + n * 5, "I", "kubelet_getters.go:187", f'"Pod status is inconsistent" '
                       f'pod="default/web-{n:05x}"'), unit=unit, at=start + 2 + n * 5)
            for n in range(int((end - start) / 5))]
    outage_at = end
    outage = [entry(klog(outage_at + n / 2, "E", "remote_runtime.go:222", '"ListPodSandbox with filter from runtime '
                         'service failed" err="rpc error: code = Unavailable desc = connection error: desc = '
                         '\\"transport: Error while dialing dial unix /run/containerd/containerd.sock: connect: '
                         'connection refused\\""'), unit=unit, at=outage_at + n / 2) for n in range(120)]
    found = scan_anomalies(make_journal(by_time(routine, info, outage)))
    assert [(i["rule"], i["unit"]) for i in found] == [("new-error-template", unit)]
    assert found[0]["first_usec"] == int(outage[0]["__REALTIME_TIMESTAMP"])
    assert found[0]["template"].startswith("E<DATE> <TS> <NUM> remote_runtime.go:<NUM>]")
