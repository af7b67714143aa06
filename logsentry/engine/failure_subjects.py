"""A signature keyed to its own subject is not evidence of an anomaly's failure that began before it.

In a program's own log the unit is the whole file: a kubelet, a Traefik or a Kafka log reports on many independent
subjects (pods, containers, disks, hosts). An anomaly incident on the kubelet's routine start-up lines (`Container
runtime network not ready`) stays open while the file goes on, and a CrashLoopBackOff of another pod 70 s later
(kubelet-pod-back-off [cluster-register], 37 min and 174 lines) joined its failure as a chain row: that crash loop
got no card (trial 75, D3). Such an incident is its own failure and card: the anomaly's page is usually out
already (SETTLE_USEC, or SPAN_USEC for text) so it cannot lead it, and its key names a subject the failure never
mentioned. An anomaly incident that began on the signature's own lines (its first line or later: the same crash
loop's new error lines) is the same failure, which the signature joins as before; so is one whose own lines name
the signature's subject (`names`): a disk's SCSI error says `sd 4:0:0:1: [sdb] tag#0 Sense Key : Medium Error` and
`Add. Sense: Unrecovered read error` (drivers/scsi/scsi_logging.c, sd's prefix) just before the block layer's
`blk_update_request: critical medium error, dev sdb, sector 0` (kernel-block-io-error [sdb]); the sense lines
fired excerpt-failure-template, and the block layer's incident for the same error was a second card (trial 78's 11).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from ..model import Incident
from .failure_disks import disk_of
from .failure_model import Failure


def other_subject(failure: Failure, incident: Incident, causes: Collection[str], anomaly: Collection[str]) -> bool:
    """Is `incident`, a keyed signature naming a cause (`causes`), about a subject `failure` never named (its
    members all incidents of `anomaly` rules, each begun before the signature's first line)? Then it joins not."""
    members = failure.members.values()
    return incident.rule_id in causes and bool(incident.key) and bool(members) and all(
        member.rule_id in anomaly and member.first_usec < incident.first_usec and member.key != incident.key
        for member in members) and not any(names(member, incident.key) for member in members)


def names(member: Incident, key: str) -> bool:
    """Do the member's quoted lines name the subject `key` (or, for a partition or namespace, its disk: `sdb1`'s
    `sdb`, as SCSI's `[sdb]`), as a word of its own? The member's first line and its latest, as its card quotes
    them."""
    words = {key, disk} if (disk := disk_of(key)) is not None else {key}
    subject = re.compile(r"(?<![\w.-])(?:" + "|".join(re.escape(word) for word in sorted(words)) + r")(?![\w-])")
    return any(subject.search(line) for line in member.samples)
