"""Message templates: each unit's lines become Drain-style templates (variables masked, bounded, persistable).

    miner = TemplateMiner()
    t = miner.add("sshd.service", "Accepted publickey for root from 10.0.0.1 port 50022 ssh2")
    t.text == "Accepted publickey for root from <IP> port <NUM> ssh2"; t.id is fixed for the cluster's life.
"""

from .miner import Template, TemplateMiner
from .tokens import mask, tokenize

__all__ = ["Template", "TemplateMiner", "mask", "tokenize"]
