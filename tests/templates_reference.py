"""The pure-Python template miner that `_drain.c` replaced (engine/templates at bedc243), kept as the reference.

tests/test_templates_differential.py feeds the same lines to this miner and to logsentry's and compares every
template id, text, count, order and snapshot. Only the masking (`masked_key`, held to `tokens.reference_tokenize`
by tests/test_mask_equivalence.py) and `Template` are shared; the id is hashlib's, as the C one must stay."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from operator import eq
from typing import Any

from logsentry.engine.templates import drain
from logsentry.engine.templates import miner as real
from logsentry.engine.templates.miner import SNAPSHOT_VERSION, Template
from logsentry.engine.templates.tokens import LEVEL_WORDS, WILDCARD, masked_key

_LEVEL_HINT = re.compile(
    r"(?i)(?<![a-z])(?:trace|trc|debug?|dbg|info(?:rmation(?:al)?)?|inf|notice|warn(?:ing)?|wrn|err(?:or)?"
    r"|eror|crit(?:ical)?|fatal|ftl|panic|emerg(?:ency)?|alert|severe|fine(?:r|st)?|verbose)(?![a-z])"
)
_STRIP = "[](){}<>:;,.!'\"|=/-_#*"


def level_positions(tokens: list[str], masked_hint: str | None = None) -> tuple[tuple[int, str], ...]:
    """(index, token) of every token that is a level word; () for most lines (one regex search)."""
    if _LEVEL_HINT.search(masked_hint if masked_hint is not None else " ".join(tokens)) is None:
        return ()
    return tuple((i, t) for i, t in enumerate(tokens) if t.strip(_STRIP).lower() in LEVEL_WORDS)


def has_digit(token: str, _search: Any = re.compile(r"\d").search) -> bool:
    return _search(token) is not None


class Cluster:
    """One template: its tokens, the level words it carries, where it hangs in the tree."""

    __slots__ = ("alive", "count", "id", "levels", "nparams", "path", "template", "text", "tokens")

    def __init__(self, cid: str, tokens: list[str], levels: tuple[tuple[int, str], ...], path: tuple[str, ...]):
        self.id = cid
        self.tokens = tokens
        self.levels = levels
        self.path = path
        self.nparams = sum(map(is_param, tokens))
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
        self.settled = drain.SETTLED if settled is None else settled
        self.roots: dict[int, Node] = {}

    # -- search -------------------------------------------------------------------------------------------

    def find(self, tokens: list[str], levels: tuple[tuple[int, str], ...]) -> Cluster | None:
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


WRAP = drain.WRAP


def is_param(token: str) -> bool:
    return token.strip(WRAP) == WILDCARD


def wild(t: str, w: str) -> str:
    """Template token t generalised by the line's w (t != w): <*> with the WRAP characters both start and end with."""
    n = min(len(t), len(w))
    p = 0
    while p < n and t[p] == w[p] and t[p] in WRAP:
        p += 1
    s = 0
    while s < n - p and t[len(t) - 1 - s] == w[len(w) - 1 - s] and t[len(t) - 1 - s] in WRAP:
        s += 1
    return t[:p] + WILDCARD + t[len(t) - s:]


def merge(template: list[str], tokens: list[str]) -> list[str] | None:
    """The template generalised by a line, or None when it already covers the line."""
    if all(map(eq, template, tokens)):
        return None
    out = [t if t in (w, WILDCARD) else wild(t, w) for t, w in zip(template, tokens, strict=True)]
    return None if out == template else out


def _template_id(unit: str, text: str, salt: int = 0) -> str:
    data = f"{unit}\0{text}" if not salt else f"{unit}\0{text}\0{salt}"
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


class _Unit:
    __slots__ = ("clusters", "exact", "masked", "tree")

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.clusters: OrderedDict[str, Cluster] = OrderedDict()  # by id, least recently seen first
        self.exact: dict[str, Cluster] = {}  # message -> cluster
        self.masked: dict[str, Cluster] = {}  # masked line -> cluster


class TemplateMiner:
    """Drain-style template mining, one prefix tree per unit, bounded."""

    def __init__(self, *, max_templates_per_unit: int = 1000, max_units: int = 10_000, similarity: float = 0.5,
                 depth: int = 4, max_tokens: int = 128, max_children: int = 100) -> None:
        if max_templates_per_unit < 1 or max_units < 1 or max_tokens < 1 or max_children < 2 or depth < 3:
            raise ValueError("template limits must be positive (depth >= 3, max_children >= 2)")
        if not 0.0 <= similarity <= 1.0:
            raise ValueError("similarity must be within 0..1")
        self.max_templates_per_unit = max_templates_per_unit
        self.max_units = max_units
        self.similarity = similarity
        self.depth = depth
        self.max_tokens = max_tokens
        self.max_children = max_children
        self._units: OrderedDict[str, _Unit] = OrderedDict()
        self._cache_limit = real._CACHE_MAX

    # -- the hot path -------------------------------------------------------------------------------------

    def add(self, unit: str, message: str) -> Template:
        units = self._units
        u = units.get(unit)
        if u is None:
            u = self._new_unit(unit)
        else:
            units.move_to_end(unit)
        c = u.exact.get(message)
        if c is not None and c.alive:
            c.count += 1
            u.clusters.move_to_end(c.id)
            t: Template = c.template
            return t
        c = self._learn(unit, u, message)
        exact = u.exact
        if len(exact) >= self._cache_limit:
            exact.clear()
        exact[message] = c
        t = c.template
        return t

    def _learn(self, unit: str, u: _Unit, message: str) -> Cluster:
        key = masked_key(message, self.max_tokens)  # the tokens joined by " "
        c = u.masked.get(key)
        if c is not None and c.alive:
            c.count += 1
            u.clusters.move_to_end(c.id)
            return c
        tokens = key.split(" ") if key else []
        levels = level_positions(tokens, key)
        tree = u.tree
        c = tree.find(tokens, levels)
        if c is None:
            c = self._create(unit, u, tokens, levels)
        else:
            merged = merge(c.tokens, tokens)
            if merged is not None:
                c.tokens = merged
                c.text = " ".join(merged)
                c.nparams = sum(map(is_param, merged))
                c.template = Template(c.id, c.text)
            c.count += 1
            u.clusters.move_to_end(c.id)
        masked = u.masked
        if len(masked) >= self._cache_limit:
            masked.clear()
        masked[key] = c
        return c

    def _create(self, unit: str, u: _Unit, tokens: list[str], levels: tuple[tuple[int, str], ...],
                cid: str | None = None, path: tuple[str, ...] | None = None) -> Cluster:
        text = " ".join(tokens)
        if cid is None:
            salt = 0
            cid = _template_id(unit, text)
            while cid in u.clusters:
                salt += 1
                cid = _template_id(unit, text, salt)
        if path is None:
            path = u.tree.path_for(tokens)
        c = Cluster(cid, tokens, levels, path)
        c.template = Template(cid, c.text)
        c.count = 1
        u.tree.insert(c)
        u.clusters[cid] = c
        while len(u.clusters) > self.max_templates_per_unit:
            _, old = u.clusters.popitem(last=False)
            old.alive = False
            u.tree.remove(old)
        return c

    def _new_unit(self, unit: str) -> _Unit:
        u = _Unit(Tree(depth=self.depth, similarity=self.similarity, max_children=self.max_children))
        units = self._units
        units[unit] = u
        while len(units) > self.max_units:
            _, old = units.popitem(last=False)
            for c in old.clusters.values():
                c.alive = False
        self._cache_limit = max(real._CACHE_MIN, min(real._CACHE_MAX, real._CACHE_TOTAL // len(units)))
        return u

    def alive(self, unit: str, template_id: str) -> Template | None:
        u = self._units.get(unit)
        c = None if u is None else u.clusters.get(template_id)
        return c.template if c is not None and c.alive else None

    def count(self, unit: str, template_id: str, lines: int) -> None:
        """`lines` more lines of a live template, whose masked key was looked up elsewhere (engine/runstep.py):
        counted and moved to most recently seen, as `add` does for each."""
        u = self._units.get(unit)
        if u is None:
            return
        self._units.move_to_end(unit)
        c = u.clusters.get(template_id)
        if c is not None and c.alive:
            c.count += lines
            u.clusters.move_to_end(template_id)

    # -- reading ------------------------------------------------------------------------------------------

    def match(self, unit: str, message: str) -> Template | None:
        u = self._units.get(unit)
        if u is None:
            return None
        c = u.exact.get(message)
        if c is not None and c.alive:
            t: Template = c.template
            return t
        key = masked_key(message, self.max_tokens)
        tokens = key.split(" ") if key else []
        c = u.masked.get(key)
        if c is None or not c.alive:
            c = u.tree.find(tokens, level_positions(tokens, key))
            if c is None:
                return None
        t = c.template
        return t

    def templates(self, unit: str) -> list[Template]:
        u = self._units.get(unit)
        return [] if u is None else [c.template for c in u.clusters.values()]

    def counts(self, unit: str) -> dict[str, int]:
        u = self._units.get(unit)
        return {} if u is None else {c.id: c.count for c in u.clusters.values()}

    def units(self) -> list[str]:
        return list(self._units)

    def forget(self, unit: str) -> None:
        u = self._units.pop(unit, None)
        for c in u.clusters.values() if u is not None else ():
            c.alive = False

    def memory_counts(self) -> dict[str, int]:
        us = self._units.values()
        return {"units": len(self._units), "templates": sum(len(u.clusters) for u in us),
                "nodes": sum(u.tree.node_count() for u in us),
                "cached": sum(len(u.exact) + len(u.masked) for u in us)}

    # -- persistence --------------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {"max_templates_per_unit": self.max_templates_per_unit, "max_units": self.max_units,
                "similarity": self.similarity, "depth": self.depth, "max_tokens": self.max_tokens,
                "max_children": self.max_children}

    def snapshot(self) -> dict[str, Any]:
        return {
            "version": SNAPSHOT_VERSION,
            "settings": self.settings(),
            "units": [
                {"unit": name, "templates": [
                    {"id": c.id, "tokens": list(c.tokens), "path": list(c.path), "count": c.count}
                    for c in u.clusters.values()
                ]}
                for name, u in self._units.items()
            ],
        }

    @classmethod
    def restore(cls, data: dict[str, Any], **limits: Any) -> TemplateMiner:
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unknown template snapshot version {data.get('version')!r}")
        settings = dict(data.get("settings", {}))
        settings.update(limits)
        miner = cls(**settings)
        same_tree = (settings.get("depth"), settings.get("max_children")) == (
            data.get("settings", {}).get("depth"), data.get("settings", {}).get("max_children"))
        for entry in data["units"]:
            unit = str(entry["unit"])
            u = miner._units.get(unit) or miner._new_unit(unit)
            for saved in entry["templates"]:
                tokens = [str(t) for t in saved["tokens"]][: miner.max_tokens]
                path = tuple(str(p) for p in saved["path"]) if same_tree else None
                if path is not None and len(path) != min(len(tokens), u.tree.levels):
                    path = None
                c = miner._create(unit, u, tokens, level_positions(tokens), cid=str(saved["id"]), path=path)
                c.count = int(saved.get("count", 1))
        return miner
