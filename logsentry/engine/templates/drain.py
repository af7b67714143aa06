"""Drain for one unit: a prefix tree (token count, then the first tokens) whose leaves hold clusters.

A line goes down the tree by its token count and its first `depth - 2` tokens (a token with a digit goes to
the `<*>` child, and so does any new token once a node has `max_children` children). Among the clusters of
the leaf it reaches, the one sharing the most tokens at the same positions wins if that share is at least
`similarity` (ties: the more general template); the line then generalises it (differing tokens become
`<*>`). Otherwise the line starts a new cluster. A cluster never takes a line whose level words (INFO,
ERROR, ...) differ from its own, so INFO and ERROR lines stay apart whatever the similarity.

A settled cluster (`SETTLED` lines or more, never generalised: all its variables are masked ones) is a fixed
message, and its words are the event: it never takes a line that has another word where it has a word
(`... by client SPP.` beside 600 lines of `... by client WindowsUpdateAgent.`, `HTTPS` beside `SOCKS5`). That
line starts its own cluster (or joins a younger one) instead of turning a word proven constant into `<*>` and
taking every later line of both events: with a similarity share alone, one odd line joins a big group. A word
where the line has a masked value (`mask=ffffffff`, then `mask=12`) is a value, not a conflict, and a cluster
that generalised early (a user name that varied in its first lines) is judged by similarity alone.

The tree is bounded by its owner (`miner.py`): clusters are evicted least-recently-seen first, and a
removed cluster prunes the nodes it leaves empty.
"""

from __future__ import annotations

from operator import eq
from typing import Any

from .tokens import WILDCARD, has_digit

SETTLED = 10
"""Lines after which a cluster that never generalised is a fixed message (see above). Any value from 2 to 30
meets the loghub-2k targets (bench/templates.py --settled N); 10 leaves a young cluster room to show a word
is a variable, and a fixed message's words have then held ten times."""


class Cluster:
    """One template: its tokens, the level words it carries, where it hangs in the tree."""

    __slots__ = ("alive", "count", "id", "levels", "nparams", "path", "template", "text", "tokens")

    def __init__(self, cid: str, tokens: list[str], levels: tuple[tuple[int, str], ...], path: tuple[str, ...]):
        self.id = cid
        self.tokens = tokens
        self.levels = levels
        self.path = path
        self.nparams = tokens.count(WILDCARD)
        self.text = " ".join(tokens)
        self.count = 0
        self.alive = True
        self.template: Any = None  # the miner's Template for this cluster (set by the miner)


class Node:
    __slots__ = ("children", "clusters")

    def __init__(self) -> None:
        self.children: dict[str, Node] = {}
        self.clusters: list[Cluster] = []


class Tree:
    """The prefix tree of one unit."""

    __slots__ = ("levels", "max_children", "roots", "settled", "similarity")

    def __init__(self, *, depth: int, similarity: float, max_children: int, settled: int | None = None) -> None:
        self.levels = max(depth - 2, 1)
        self.similarity = similarity
        self.max_children = max_children
        self.settled = SETTLED if settled is None else settled
        self.roots: dict[int, Node] = {}

    # -- search -------------------------------------------------------------------------------------------

    def find(self, tokens: list[str], levels: tuple[tuple[int, str], ...]) -> Cluster | None:
        """The best cluster for these tokens, or None."""
        node = self.roots.get(len(tokens))
        if node is None:
            return None
        for tok in tokens[: self.levels]:
            children = node.children
            child = children.get(tok)
            if child is None:
                child = children.get(WILDCARD)
                if child is None:
                    return None
            node = child
        return self._best(node.clusters, tokens, levels)

    def _best(self, clusters: list[Cluster], tokens: list[str], levels: tuple[tuple[int, str], ...]) -> Cluster | None:
        if not clusters:
            return None
        # Similarity counts the words a line shares with a template: masked variables (<NUM>, <IP>, ...) are
        # left out of both sides, so two short lines that share only their masked fields stay apart.
        words: list[str | None] = [None if "<" in t else t for t in tokens]
        nwords = len(words) - words.count(None)
        need = self.similarity * nwords
        settled = self.settled
        best: Cluster | None = None
        best_sim = -1
        best_params = -1
        for c in clusters:
            if c.levels != levels:
                continue
            sim = sum(map(eq, c.tokens, words))
            if sim < need or (sim < nwords and c.nparams == 0 and c.count >= settled and _conflicts(c.tokens, words)):
                continue
            if sim > best_sim or (sim == best_sim and c.nparams > best_params):
                best, best_sim, best_params = c, sim, c.nparams
        return best

    # -- learning -----------------------------------------------------------------------------------------

    def path_for(self, tokens: list[str]) -> tuple[str, ...]:
        """The keys a new cluster of these tokens hangs under (creating no node)."""
        node: Node | None = self.roots.get(len(tokens))
        keys: list[str] = []
        for tok in tokens[: self.levels]:
            children = node.children if node is not None else {}
            if tok in children:
                key = tok
            elif has_digit(tok) or len(children) >= self.max_children - (0 if WILDCARD in children else 1):
                key = WILDCARD
            else:
                key = tok
            keys.append(key)
            node = children.get(key)
        return tuple(keys)

    def insert(self, cluster: Cluster) -> None:
        node = self.roots.get(len(cluster.tokens))
        if node is None:
            node = self.roots[len(cluster.tokens)] = Node()
        for key in cluster.path:
            child = node.children.get(key)
            if child is None:
                child = node.children[key] = Node()
            node = child
        node.clusters.append(cluster)

    def remove(self, cluster: Cluster) -> None:
        """Take the cluster out and prune the nodes left empty."""
        root = self.roots.get(len(cluster.tokens))
        if root is None:
            return
        trail: list[tuple[Node, str]] = []
        node = root
        for key in cluster.path:
            child = node.children.get(key)
            if child is None:
                return
            trail.append((node, key))
            node = child
        try:
            node.clusters.remove(cluster)
        except ValueError:
            return
        while trail and not node.clusters and not node.children:
            parent, key = trail.pop()
            del parent.children[key]
            node = parent
        if not root.children and not root.clusters:
            del self.roots[len(cluster.tokens)]

    def node_count(self) -> int:
        """Nodes in the tree (for the memory tests)."""
        total = 0
        stack = list(self.roots.values())
        while stack:
            node = stack.pop()
            total += 1
            stack.extend(node.children.values())
        return total


def _conflicts(template: list[str], words: list[str | None]) -> bool:
    """Whether the line has another word where the template has a word (masked tokens are no words)."""
    return any(w is not None and t != w and "<" not in t for t, w in zip(template, words, strict=True))


def merge(template: list[str], tokens: list[str]) -> list[str] | None:
    """The template generalised by a line, or None when it already covers the line."""
    if all(map(eq, template, tokens)):
        return None
    out = [t if t == w else WILDCARD for t, w in zip(template, tokens, strict=True)]
    return None if out == template else out
