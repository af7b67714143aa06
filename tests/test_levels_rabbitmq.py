"""RabbitMQ 3.9+'s four-letter levels (its logger's text format): `[erro]`, `[noti]`, `[debu]` beside the `[warn]`,
`[info]`, `[crit]` read already, lower case alone in their brackets (engine/levels._RABBITMQ_LEVELS and its C twin
sources/levels.h; not as level words anywhere: `ERRO[12] x` without logrus's shape stays none). Its errors were read at
journald's default 6, no error at all (trial 75). Real lines from public issue threads; Python and C alike."""

from __future__ import annotations

from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level

ERR, WARNING, NOTICE, INFO, DEBUG = 3, 4, 5, 6, 7

CORPUS: list[tuple[int | None, str, str]] = [
    (ERR, "2022-01-31 18:01:20.441571+00:00 [erro] <0.692.0> ** Connection attempt from node "
          "'rabbit_ctl_17@keith-testing-rabbitmq' rejected. Invalid challenge reply. **", "Google Ops Agent's sample"),
    (ERR, "2021-12-10 22:52:40.301255+08:00 [erro] <0.131.0> ERROR: could not bind to distribution port 25672, it is "
          "in use by another node: rabbit@mq1", "a boot failure"),
    (ERR, "2024-10-08 20:51:10.016352+00:00 [erro] <0.228.0> Discarding message {'$gen_cast',{force_event_refresh,"
          "#Ref<0.3078140120.3381919745.170350>}} from <0.228.0> to <0.1647.0> in an old incarnation", "k8s"),
    (NOTICE, "2022-07-16 12:58:56.091401+00:00 [noti] <0.44.0> Application syslog exited with reason: stopped",
     "its notice"),
    (DEBUG, "2022-07-16 12:58:56.091401+00:00 [debu] <0.222.0> Starting mnesia", "its debug"),
    (WARNING, "2022-07-16 12:58:56.091401+00:00 [warn] <0.222.0> Feature flags: x", "read already"),
    (INFO, "2022-07-16 12:58:56.091401+00:00 [info] <0.222.0> Running boot step recovery", "read already"),
    (None, "2022-07-16 12:58:56.091401+00:00 [ERRO] <0.222.0> x", "upper case: not RabbitMQ's"),
    (None, "2022-07-16 12:58:56.091401+00:00 [ erro ] <0.222.0> x", "spaced: not RabbitMQ's"),
    (None, "erro ao conectar", "a word, not in brackets"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong
