"""Grouping accuracy of the Drain clustering on small hand-made logs (issue 12, loghub-2k target).

Each log is written in the shape of a real program's messages. The property under test: a settled fixed
message (many lines, never generalised) keeps its words, so one odd line that differs in a word starts its own
template instead of turning that word into `<*>` and taking every later line of both events; while a word
that varies from the start (a user name) or a word where a line has a masked value stays a variable.
"""

from __future__ import annotations

from logsentry.engine.templates import TemplateMiner
from logsentry.engine.templates.drain import SETTLED


def ids_of(miner: TemplateMiner, unit: str, lines: list[str]) -> list[str]:
    return [miner.add(unit, line).id for line in lines]


def test_one_odd_line_does_not_join_a_settled_message() -> None:
    """Windows CBS: 600 `... by client WindowsUpdateAgent.` lines, then one `... by client SPP.`."""
    miner = TemplateMiner()
    agent = [f"Session: {30546173 + i}_{4261722401 + 7 * i} initialized by client WindowsUpdateAgent."
             for i in range(SETTLED + 5)]
    ids = ids_of(miner, "cbs", agent)
    assert len(set(ids)) == 1
    spp = miner.add("cbs", "Session: 30546354_3283014883 initialized by client SPP.")
    assert spp.id != ids[0]
    texts = {t.id: t.text for t in miner.templates("cbs")}
    assert texts[ids[0]] == "Session: <NUM>_<NUM> initialized by client WindowsUpdateAgent."
    # later lines of both events find their own template
    assert miner.add("cbs", "Session: 30546999_1 initialized by client WindowsUpdateAgent.").id == ids[0]
    assert miner.add("cbs", "Session: 30547000_2 initialized by client SPP.").id == spp.id
    matched = miner.match("cbs", "Session: 30547001_3 initialized by client SPP.")
    assert matched is not None and matched.id == spp.id


def test_a_settled_message_with_a_different_last_word_is_another_event() -> None:
    """Proxifier: the protocol word ends the line; HTTPS lines by the hundred, then a SOCKS5 one."""
    miner = TemplateMiner()
    https = ids_of(miner, "proxy", [f"proxy.example.org:{5070 + i % 3} open through proxy proxy.example.org:5070 "
                                    "HTTPS" for i in range(50)])
    socks = ids_of(miner, "proxy", ["p3p.example.com:80 open through proxy proxy.example.org:5070 SOCKS5"] * 2)
    assert len(set(https)) == 1 and len(set(socks)) == 1 and https[0] != socks[0]
    assert miner.add("proxy", "a.example.net:443 open through proxy proxy.example.org:5070 HTTPS").id == https[0]


def test_sshd_disconnects_with_other_words_stay_apart_but_user_names_stay_variables() -> None:
    """One sshd log: `Bye Bye [preauth]` by the hundred, then `disconnected by user`; failed passwords for many
    users, root first and most often. The disconnects are two events; the user name is one variable."""
    miner = TemplateMiner()
    lines: list[str] = []
    users = ["root", "admin", "root", "uucp", "test"] + ["root"] * 30 + ["oracle", "root", "nagios"]
    for i, user in enumerate(users):
        lines.append(f"Received disconnect from 183.62.140.{i}: 11: Bye Bye [preauth]")
        lines.append(f"Failed password for {user} from 183.62.140.{i} port {40000 + i} ssh2")
    lines.append("Received disconnect from 10.0.0.5: 11: disconnected by user")
    ids = ids_of(miner, "sshd", lines)
    bye = {ids[i] for i in range(0, len(users) * 2, 2)}
    failed = {ids[i] for i in range(1, len(users) * 2, 2)}
    assert len(bye) == 1 and len(failed) == 1
    assert ids[-1] not in bye
    texts = {t.id: t.text for t in miner.templates("sshd")}
    assert texts[failed.pop()] == "Failed password for <*> from <IP> port <NUM> ssh2"
    assert texts[bye.pop()] == "Received disconnect from <IP>: <NUM>: Bye Bye [preauth]"


def test_a_word_that_proves_variable_joins_the_younger_template_not_a_new_one() -> None:
    """After a settled message refused `uucp`, the next user name joins the `uucp` template (which then
    generalises) instead of making a third template per name."""
    miner = TemplateMiner()
    root = ids_of(miner, "cron", [f"pam_unix(cron:session): session opened for user root by (uid={i})"
                                  for i in range(SETTLED + 2)])
    other = ids_of(miner, "cron", [f"pam_unix(cron:session): session opened for user {u} by (uid=0)"
                                   for u in ("uucp", "news", "games", "mail")])
    assert len(set(root)) == 1 and len(set(other)) == 1 and root[0] != other[0]
    assert miner.templates("cron")[-1].text == "pam_unix(cron:session): session opened for user <*> by (uid= <NUM>)"
    assert len(miner.templates("cron")) == 2


def test_a_masked_value_where_a_settled_message_has_a_word_is_no_new_event() -> None:
    """Android: `mask=ffffffff` (a hex word the masking keeps) for a while, then `mask=12`: still one event;
    and the same settled message after a snapshot refuses an odd word as before."""
    miner = TemplateMiner()
    first = ids_of(miner, "ui", ["setSystemUiVisibility vis=0 mask=ffffffff oldVal=40000500 newVal=40000500 diff=0"]
                   * (SETTLED + 3))
    assert miner.add("ui", "setSystemUiVisibility vis=0 mask=1 oldVal=40000500 newVal=40000500 diff=0").id == first[0]
    settled = ids_of(miner, "ui", ["Captive: CNPluginHandler en0: Authenticated"] * (SETTLED + 1))
    restored = TemplateMiner.restore(miner.snapshot())
    odd = restored.add("ui", "Captive: CNPluginHandler en0: Evaluating")
    assert odd.id != settled[0]
    assert restored.add("ui", "Captive: CNPluginHandler en0: Authenticated").id == settled[0]
