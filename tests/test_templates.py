"""Message templates (logsentry.engine.templates): masking, Drain clustering, limits, persistence."""

from __future__ import annotations

import json

from logsentry.engine.templates import Template, TemplateMiner


def test_lines_differing_only_in_variables_share_a_template() -> None:
    m = TemplateMiner()
    a = m.add("sshd.service", "Accepted publickey for root from 10.0.0.1 port 50022 ssh2")
    b = m.add("sshd.service", "Accepted publickey for deploy from 192.168.1.20 port 41000 ssh2")
    assert a.id == b.id
    assert b.text == "Accepted publickey for <*> from <IP> port <NUM> ssh2"


def test_snapshot_restore_keeps_ids() -> None:
    m = TemplateMiner()
    t = m.add("u", "job 12 finished in 40ms")
    data = json.loads(json.dumps(m.snapshot()))
    r = TemplateMiner.restore(data)
    assert r.match("u", "job 13 finished in 41ms") == Template(t.id, t.text)
