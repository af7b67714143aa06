"""A paste whose every line starts with one name (a pod's, a program's, a host's and a program's), or with one of a
StatefulSet's pods' names, is read without it, the name as the lines' identifier (sources/text_named.py): before, no
line started with its time or level, and the whole paste was plain text at the file's time (trial 56's 31, 42, 51)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from logsentry.sources import Selection, open_entries


def _entries(path: Path) -> list[tuple[str, str | None, int | None, str]]:
    return [(entry.unit, entry.fields.get("_HOSTNAME"), entry.effective_priority, entry.message)
            for entry in open_entries(Selection(), files=[path])]


def test_a_host_and_programs_name_before_a_programs_own_timed_lines(tmp_path: Path) -> None:
    path = tmp_path / "vault.txt"  # hashicorp/vault#9005's paste, as a log shipper wrote it
    path.write_text("vault-gcp-0 vault: 2020-05-18T15:49:31.517Z [INFO]  core: stored unseal keys supported\n"
                    "vault-gcp-0 vault: 2020-05-18T15:49:35.417Z [ERROR] core: error checking health: "
                    'error="core: barrier reports initialized but no seal configuration found"\n')
    read = _entries(path)
    assert [(unit, host, level) for unit, host, level, _ in read] == [("(vault)", "vault-gcp-0", 6),
                                                                      ("(vault)", "vault-gcp-0", 3)], read
    assert read[1][3].startswith("2020-05-18T15:49:35.417Z [ERROR] core: ")
    first = next(iter(open_entries(Selection(), files=[path])))
    assert first.realtime_usec == 1589816971517000  # the line's own time, not the file's


def test_a_programs_name_before_its_plain_lines_lets_its_levels_and_rules_be_read(tmp_path: Path) -> None:
    path = tmp_path / "helm.txt"
    path.write_text("opensearch ERROR: [1] bootstrap checks failed\n"
                    "opensearch [1]: max virtual memory areas vm.max_map_count [65530] is too low, increase to at "
                    "least [262144]\n"
                    "opensearch ERROR: OpenSearch did not exit normally - check the logs at "
                    "/usr/share/opensearch/logs/opensearch-cluster.log\n")
    assert [(unit, level) for unit, _, level, _ in _entries(path)] == [("(opensearch)", 3), ("(opensearch)", None),
                                                                      ("(opensearch)", 3)]
    done = run_cli("scan", "--file", str(path), "-o", "json")
    assert {(record["rule"], record["unit"]) for record in map(json.loads, done.stdout.splitlines())
            if record["type"] == "incident"} == {("elasticsearch-bootstrap-checks-failed", "(opensearch)")}


def test_a_statefulsets_pods_each_name_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "minio.txt"
    path.write_text("cold-pool-0-0 \ncold-pool-0-0 Error: Read failed. Insufficient number of disks online\n"
                    "cold-pool-0-4 API: ListBuckets()\ncold-pool-0-4 Error: Read failed. Insufficient number of "
                    "disks online\n")
    assert [(unit, level, message) for unit, _, level, message in _entries(path)] == [
        ("(cold-pool-0-0)", 3, "Error: Read failed. Insufficient number of disks online"),
        ("(cold-pool-0-4)", None, "API: ListBuckets()"),
        ("(cold-pool-0-4)", 3, "Error: Read failed. Insufficient number of disks online")]


def test_words_that_are_no_name_stay_in_the_lines(tmp_path: Path) -> None:
    """A sentence's capitalised word, a level, or a name some lines lack: the lines are read as they are."""
    for text in ("Processing item 1\nProcessing item 2\n", "ERROR first\nERROR second\n",
                 "17-04-12 20:19:54 ERROR (Recorder) one\n17-04-12 20:19:57 ERROR (Recorder) two\n",
                 "opensearch started\nother line\n", "the end\nthe start\n"):
        path = tmp_path / "plain.txt"
        path.write_text(text)
        assert [message for *_, message in _entries(path)] == text.splitlines(), text


OOM = ("kernel: [12345.678901] Out of memory: Killed process 3311 (java) total-vm:12345678kB, anon-rss:8123456kB, "
       "file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:20480kB oom_score_adj:0\n"
       "systemd[1]: tomcat.service: A process of this unit has been killed by the OOM killer.\n"
       "systemd[1]: tomcat.service: Main process exited, code=killed, status=9/KILL\n"
       "systemd[1]: tomcat.service: Failed with result 'oom-kill'.\n")


def test_untimed_syslog_lines_behind_a_host_keep_it_and_the_kernels_are_the_kernels(tmp_path: Path) -> None:
    """`web-3 kernel: [12345.678901] Out of memory: ...` and `web-3 systemd[1]: ...`: syslog's lines with their time
    cut off. The host was dropped (taken for the lines' identifier), and the kernel's line kept `kernel:` and its
    printk time, so kernel-oom-kill matched none of it (a new user's trial)."""
    for name, text in (("hosts.txt", "".join(f"web-3 {line}\n" for line in OOM.splitlines())), ("tags.txt", OOM)):
        path = tmp_path / name
        path.write_text(text)
        entries = list(open_entries(Selection(), files=[path]))
        assert entries[0].unit == "kernel" and entries[0].message.startswith("Out of memory: Killed process 3311")
        assert entries[0].fields.get("_TRANSPORT") == "kernel"
        assert {entry.host for entry in entries} == ({"web-3"} if name == "hosts.txt" else {""}), entries
        done = run_cli("scan", "--file", str(path), "-o", "json")
        [incident] = [json.loads(line) for line in done.stdout.splitlines() if '"type":"incident_end"' in line]
        assert "kernel-oom-kill" in {link["rule"] for link in incident["chain"]}, incident
