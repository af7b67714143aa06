"""When a line is a failure's, however late, and when it is another failure: the likeness of message templates
(engine/failures.py joins by it, engine/owners.py places anomaly hits by it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from ..model import Incident
from .failure_model import Failure

ANOTHER_FAILURE_USEC = 30 * 60_000_000
"""A template first seen this long (µs of journal time) or more after every open anomaly incident of its unit
began, and none of them about it, is a second failure with its own page, not a link in the first's chain
(`another_failure`, pipeline.py): a consequence of a failure (a pool exhausted after the database went) comes
within minutes of it, the other lines of its own reports were seen before, and a long failure (a hang paged hours
ago) must not hide the next one (helper R: a disk filling up 12 h into a hang had no incident, no chain link, no
match)."""


LIKE_SHARE = 0.5
"""A template sharing at least this share of its words with a failure's (`template_likeness`) is that failure's
line however late it first came: its evidence (FailureGroups._evidence_of), and the failure going on in other
words, never another failure (helper R4: a database outage whose driver's last words changed from "Connection
refused" to "timeout expired" an hour in was paged again)."""


def another_failure(opened: Sequence[Incident], template: str, first_seen_usec: int) -> bool:
    """Is a line of `template`, a template first seen at `first_seen_usec`, a failure of its own beside the
    `opened` anomaly incidents of its unit? An incident about the same template as one opened before it (an
    escalation: a first_run rule's error 15 min into new-failure-template's warning) began when that
    one did: a backup failing 40 min into a lost peer's retries is another failure, 25 min after the escalation."""
    began: dict[str, int] = {}
    for incident in opened:
        began[incident.template] = min(began.get(incident.template, incident.first_usec), incident.first_usec)
    return bool(template) and bool(opened) and all(
        incident.template != template and first_seen_usec - began[incident.template] >= ANOTHER_FAILURE_USEC
        and template_likeness(template, (incident.template,)) < LIKE_SHARE for incident in opened)


def failure_templates(failure: Failure) -> list[str]:
    """The message templates a failure is about: its anomaly members' and its new-template evidence's."""
    return [*(member.template for member in failure.members.values() if member.template),
            *(template for _, template in failure.seen if template)]


def template_likeness(template: str, others: Iterable[str]) -> float:
    """The largest share of words `template` has in common with one of `others` (as multisets, over the longer
    of the two; 0.0 when there is none)."""
    words = Counter(template.split())
    size = sum(words.values())
    return max((sum((words & (theirs := Counter(other.split()))).values()) / max(size, sum(theirs.values()), 1)
                for other in others), default=0.0)
