"""Drain for one unit: a prefix tree (token count, then the first tokens) whose leaves hold clusters.

A line goes down the tree by its token count and its first `depth - 2` tokens (a token with a digit goes to
the `<*>` child, and so does any new token once a node has `max_children` children). Among the clusters of
the leaf it reaches, the one sharing the most tokens at the same positions wins if that share is at least
`similarity` (ties: the more general template); the line then generalises it (differing tokens become
`<*>`, keeping the brackets and punctuation (WRAP) both tokens start and end with: `(9c9b)` and `(a3f0)` give
`(<*>)`, not `<*>`, which lost a template's closing `)`; `(<*>)` counts as a variable as `<*>` does).
Otherwise the line starts a new cluster. A cluster never takes a line whose level words (INFO, ERROR, ...)
differ from its own, so INFO and ERROR lines stay apart whatever the similarity.

A settled cluster (`SETTLED` lines or more, never generalised: all its variables are masked ones) is a fixed
message, and its words are the event: it never takes a line that has another word where it has a word
(`... by client SPP.` beside 600 lines of `... by client WindowsUpdateAgent.`, `HTTPS` beside `SOCKS5`). That
line starts its own cluster (or joins a younger one) instead of turning a word proven constant into `<*>` and
taking every later line of both events: with a similarity share alone, one odd line joins a big group. A word
where the line has a masked value (`mask=ffffffff`, then `mask=12`) is a value, not a conflict, and a cluster
that generalised early (a user name that varied in its first lines) is judged by similarity alone.

The tree is bounded by its owner (`miner.py`): clusters are evicted least-recently-seen first, and a
removed cluster prunes the nodes it leaves empty. Clusters, nodes and the search (walk, similarity, conflicts)
are C (`_drain.c`); tests/templates_reference.py keeps this file's former pure-Python search as the reference.
"""

from __future__ import annotations

from . import _drain
from ._drain import Cluster, Node

WRAP = "()[]{},;:.!?'\""
"""Kept around a generalised token where both tokens have it (C: drain_search.c's WRAP, the same characters)."""

SETTLED = 10
"""Lines after which a cluster that never generalised is a fixed message (see above). Any value from 2 to 30
meets the loghub-2k targets (bench/templates.py --settled N); 10 leaves a young cluster room to show a word
is a variable, and a fixed message's words have then held ten times."""


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
        """The best cluster for these tokens, or None (C: walk and similarity are every new line's cost)."""
        return _drain.find(self.roots, self.levels, tokens, levels, self.similarity, self.settled)

    # -- learning -----------------------------------------------------------------------------------------

    def path_for(self, tokens: list[str]) -> tuple[str, ...]:
        """The keys a new cluster of these tokens hangs under (creating no node)."""
        return _drain.path_for(self.roots, self.levels, self.max_children, tokens)

    def insert(self, cluster: Cluster) -> None:
        _drain.insert(self.roots, cluster)

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
