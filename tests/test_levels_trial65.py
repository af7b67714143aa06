"""Trial 65's levels that were misread or not read (engine/app_levels.py and levels.py, their C twins
sources/app_levels.h and levels.h): the kernel's DRM `[drm:func [module]] *ERROR* ` (drm_print.c), npm's `npm ERR! `
and `npm error ` and yarn 1's `error ` before a capital or a quote, and Node's console.trace `Trace: `, which is no
debug level (an error report was ranked below info).

1. A corpus of lines as the programs write them (trial 65's bug-report excerpts) and look-alikes that are no level,
   read alike by Python and C.
2. C and Python agree on generated lines built from the pieces of these formats.
"""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level
from logsentry.sources import _journalscan

ERR, WARNING, NOTICE, DEBUG = 3, 4, 5, 7

CORPUS: list[tuple[int | None, str, str]] = [
    (ERR, "[drm:amdgpu_job_timedout [amdgpu]] *ERROR* ring gfx_0.0.0 timeout, signaled seq=228661, emitted seq=228662",
     "trial 65's 21"),
    (ERR, "amdgpu 0000:03:00.0: [drm:amdgpu_ring_test_helper [amdgpu]] *ERROR* ring kiq_2.1.0 test failed (-110)",
     "dev_printk's prefix"),
    (ERR, "[drm:drm_atomic_helper_wait_for_flip_done] *ERROR* [CRTC:51:pipe A] flip_done timed out", "built in"),
    (None, "[drm] *ERROR* not a function", "no function"),
    (None, "[drm:amdgpu_job_timedout [amdgpu]] ERROR ring timeout", "no asterisks"),
    (None, "amdgpu 0000:03:00: [drm:x] *ERROR* y", "a bus id cut short"),
    (None, "user said [drm:f] *ERROR* x", "later in a line"),
    (ERR, "npm ERR! code ENOSPC", "npm up to 9"),
    (WARNING, "npm WARN deprecated request@2.88.2: request has been deprecated", "npm up to 9"),
    (ERR, "npm error code ENOSPC", "npm 10"),
    (WARNING, "npm warn deprecated inflight@1.0.6", "npm 10"),
    (NOTICE, "npm notice New major version of npm available!", "npm 10"),
    (None, "npm info it worked if it ends with ok", "npm's info: no level read"),
    (ERR, "error Could not write file \"/mastodon/yarn-error.log\": \"ENOSPC: no space left on device, open '/x'\"",
     "trial 65's 40"),
    (ERR, "error An unexpected error occurred: \"ENOSPC: no space left on device, mkdir '/x'\".", "trial 65's 40"),
    (WARNING, "warning \"react-redux > hoist-non-react-statics@3.3.2\" has unmet peer dependency", "yarn 1"),
    (None, "error rate is 5% above normal", "a word, not yarn's"),
    (None, "errors Found 3", "not the word"),
    (None, "Trace: [Error: insert into `heartbeat` - SQLITE_BUSY: database is locked] {", "trial 65's 16"),
    (None, "2023-09-22 13:06:14 Trace: x", "after a time too"),
    (DEBUG, "TRACE o.h.SQL - select 1", "log4j's TRACE stays debug"),
    (DEBUG, "[trace] polling", "a bracket stays debug"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = ["[drm:", "amdgpu_job_timedout", " [amdgpu]", "]", " *ERROR* ", "amdgpu ", "0000:03:00.", "0", "7", "8",
          ": ", "npm ", "ERR! ", "error ", "warning ", "WARN ", "notice ", "Could", "\"", "Trace", ":", " ", "x",
          "é", "\n", "[", "_", "."]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)), max_size=12))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


def test_a_gpu_hang_in_a_syslog_paste_is_an_error_and_the_kernels_words_stay_none(tmp_path: Path) -> None:
    """A syslog file keeps no KERN_ERR: the kernel's lines had no level (its words are none: hung_task's pr_err
    `INFO: task ... blocked`), so eight DRM `*ERROR*` lines of a GPU hang were below every error rule (trial 65's
    21). DRM's marker is the kernel's own, for KERN_ERR only: err, and new-error-template matches them."""
    paste = tmp_path / "syslog"
    paste.write_text(
        "Feb  2 08:03:20 desk kernel: [37932.038809] [drm:amdgpu_dm_commit_planes [amdgpu]] *ERROR* Waiting for "
        "fences timed out!\n"
        "Feb  2 08:03:20 desk kernel: [37937.168911] [drm:amdgpu_job_timedout [amdgpu]] *ERROR* ring gfx_0.0.0 "
        "timeout, signaled seq=228661, emitted seq=228662\n"
        "Feb  2 08:03:21 desk kernel: [37937.169164] amdgpu 0000:03:00.0: amdgpu: GPU reset begin!\n"
        "Feb  2 08:03:21 desk kernel: [37937.396684] amdgpu 0000:03:00.0: [drm:amdgpu_ring_test_helper [amdgpu]] "
        "*ERROR* ring kiq_2.1.0 test failed (-110)\n"
        "Feb  2 08:05:00 desk kernel: [38037.000000] INFO: task Xorg:2184 blocked for more than 120 seconds.\n")
    events = json_events(run_cli("scan", "--file", str(paste), "-o", "json"))
    # (the hang is kernel-gpu-hang's now, which new-error-template's lines join: trial 71)
    assert {"kernel-gpu-hang"} <= {incident["rule"] for incident in of_type(events, "incident")}
    assert "new-error-template" in {match["rule"] for match in of_type(events, "match")}
    levels = {match["message"][:20]: match["effective_priority"] for match in of_type(events, "match")}
    assert levels["[drm:amdgpu_job_time"] == ERR
    assert all(level is None for message, level in levels.items() if message.startswith("INFO"))
