"""Per-unit template miners with limits, caches and persistence.

`TemplateMiner.add(unit, message)` runs on every journal entry, so the common case is two dict lookups: an
exact-message cache per unit in front of everything, then a cache of masked lines (lines that differ only in
masked variables), and only then the prefix tree. Both caches are bounded (their size per unit shrinks as
units grow), and hold clusters, so a generalised template is seen at once.

Limits: at most `max_units` units, `max_templates_per_unit` templates per unit and `max_templates` in all, the
least recently seen evicted first (in all: the least recently seen unit's least recently seen templates, a unit
left with none goes); lines are cut to `max_tokens` tokens. Template ids are fixed when a cluster is created (a hash
of the unit and the first template text: `_drain.template_id`, BLAKE2b-64) and survive generalisation,
`snapshot()` and `restore()`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from . import _drain
from ._drain import Unit as _Unit
from .drain import Tree
from .tokens import level_positions, masked_key

SNAPSHOT_VERSION = 1
_CACHE_TOTAL = 262_144  # cached lines (exact and masked, each) over all units
_CACHE_MIN = 16  # ... but at least this many per unit
_CACHE_MAX = 4096  # ... and at most this many
"""Each cache is a total over the units: _CACHE_MIN * max_units (10,000) stays below _CACHE_TOTAL, so the least
per unit never binds there. It was 64: past 4,096 units the floor won, and 10,000 units of varied lines (a fleet
collector's hosts, bench/memory.py's stream) could hold 640,000 lines a cache, not 262,144 (the exact caches were
10.5 MiB of that stream's 238 MiB at 500,000 entries, 64 lines a unit)."""
MAX_TEMPLATES = 50_000
"""Templates in all units, as the baselines keep (engine/baseline.py: MAX_TEMPLATES). Per unit and unit count alone
let 10,000 units of 1,000 templates be: 100 units of 1,000 new templates each held 100,000 clusters (and 200,000
cached lines) beside the baselines' 50,000, 134 MiB with them (tracemalloc), and a collector's hosts multiply its
units. Not saved with the settings: the running version's bound applies (tests/test_templates.py)."""


@dataclass(frozen=True, slots=True)
class Template:
    id: str  # fixed when the cluster is created; does not change when the text generalises
    text: str  # the current template text, variables masked



_drain.setup(masked_key, Template)


class TemplateMiner(_drain.MinerCore):
    """Drain-style template mining, one prefix tree per unit, bounded (`add` is C: `_drain.MinerCore`)."""

    def __init__(self, *, max_templates_per_unit: int = 1000, max_units: int = 10_000, similarity: float = 0.5,
                 depth: int = 4, max_tokens: int = 128, max_children: int = 100,
                 max_templates: int = MAX_TEMPLATES) -> None:
        if (max_templates_per_unit < 1 or max_units < 1 or max_tokens < 1 or max_children < 2 or depth < 3
                or max_templates < 1):
            raise ValueError("template limits must be positive (depth >= 3, max_children >= 2)")
        if not 0.0 <= similarity <= 1.0:
            raise ValueError("similarity must be within 0..1")
        self.max_templates_per_unit = max_templates_per_unit
        self.max_templates = max_templates  # (C: create() calls _trim past it)
        self.max_units = max_units
        self.similarity = similarity
        self.depth = depth
        self.max_tokens = max_tokens
        self.max_children = max_children
        self._units: OrderedDict[str, _Unit] = OrderedDict()
        self._cache_limit = _CACHE_MAX

    # -- the hot path -------------------------------------------------------------------------------------

    # add(unit, message) -> Template is MinerCore.add (C): the unit's exact-message cache, then masked_key and
    # the masked-line cache, then the tree (found: generalised by the line and counted; else MinerCore._create
    # makes a cluster, its id from _drain.template_id, and evicts beyond the limit). Only a new unit (_new_unit)
    # and an evicted cluster's pruning (Tree.remove) come back to Python. `add` caches the cluster under key and
    # message.

    def _new_unit(self, unit: str) -> _Unit:
        u = _Unit(Tree(depth=self.depth, similarity=self.similarity, max_children=self.max_children))
        units = self._units
        units[unit] = u
        while len(units) > self.max_units:
            _, old = units.popitem(last=False)
            self._total -= len(old.clusters)
            for c in old.clusters.values():
                c.alive = False
        self._cache_limit = max(_CACHE_MIN, min(_CACHE_MAX, _CACHE_TOTAL // len(units)))
        return u

    def _trim(self, unit: str) -> None:
        """Past `max_templates` in all (C: create() calls it after making one in `unit`): the least recently seen
        units' least recently seen clusters go, and a unit left with none; `unit` itself keeps its newest."""
        units = self._units
        for name in list(units):
            if self._total <= self.max_templates:
                return
            u = units[name]
            keep = 1 if name == unit else 0
            while len(u.clusters) > keep and self._total > self.max_templates:
                _, c = u.clusters.popitem(last=False)
                c.alive = False
                u.tree.remove(c)
                self._total -= 1
            if not u.clusters:
                del units[name]
                self._last_unit = None
            u._last = None

    def alive(self, unit: str, template_id: str) -> Template | None:
        """The unit's template with this id while its cluster lives (nothing learnt, nothing moved)."""
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
        self._last_unit = None  # add() skips moving the unit (and the cluster) it moved last: not those any more
        c = u.clusters.get(template_id)
        if c is not None and c.alive:
            c.count += lines
            u.clusters.move_to_end(template_id)
            u._last = None

    # -- reading ------------------------------------------------------------------------------------------

    def match(self, unit: str, message: str) -> Template | None:
        """The template this line belongs to, without learning anything; None when there is none."""
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
            c = u.tree.find(tokens, level_positions(tokens))
            if c is None:
                return None
        t = c.template
        return t

    def templates(self, unit: str) -> list[Template]:
        """The unit's templates, least recently seen first."""
        u = self._units.get(unit)
        return [] if u is None else [c.template for c in u.clusters.values()]

    def counts(self, unit: str) -> dict[str, int]:
        """Lines learned per template id of the unit (since the template was created or restored)."""
        u = self._units.get(unit)
        return {} if u is None else {c.id: c.count for c in u.clusters.values()}

    def units(self) -> list[str]:
        """Units with templates, least recently seen first."""
        return list(self._units)

    def template_count(self) -> int:
        return sum(len(u.clusters) for u in self._units.values())

    def forget(self, unit: str) -> None:
        u = self._units.pop(unit, None)
        if u is not None:
            self._total -= len(u.clusters)
            for c in u.clusters.values():
                c.alive = False

    def memory_counts(self) -> dict[str, int]:
        """Sizes of everything that grows with input (units, templates, tree nodes, cached lines)."""
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
        """Everything needed to carry on after a restart, as JSON-ready data (ids included)."""
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
        """A miner from `snapshot()` data; keyword limits override the saved settings."""
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
