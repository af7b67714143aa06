"""Types of the C extension (see _drain.c; tests/templates_reference.py holds the pure-Python reference)."""

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .miner import Template

level_words: tuple[str, ...]
strip_chars: str

class Cluster:
    id: str
    tokens: list[str]
    levels: tuple[tuple[int, str], ...]
    path: tuple[str, ...]
    text: str
    template: Any  # the miner's Template for this cluster
    nparams: int
    count: int
    alive: bool
    def __init__(self, cid: str, tokens: list[str], levels: tuple[tuple[int, str], ...],
                 path: tuple[str, ...]) -> None: ...

class Node:
    children: dict[str, Node]
    clusters: list[Cluster]

class Unit:
    tree: Any  # drain.Tree
    clusters: OrderedDict[str, Cluster]
    exact: dict[str, Cluster]
    masked: dict[str, Cluster]
    _last: Cluster | None
    def __init__(self, tree: Any) -> None: ...

class MinerCore:
    _units: OrderedDict[str, Unit]
    _last_unit: str | None
    _cache_limit: int
    max_tokens: int
    max_templates_per_unit: int
    max_templates: int  # in all units (0: no bound); create() calls _trim(unit) past it
    _total: int
    def add(self, unit: str, message: str, /) -> Template: ...
    def _create(self, unit: str, u: Unit, tokens: list[str], levels: tuple[tuple[int, str], ...],
                cid: str | None = None, path: tuple[str, ...] | None = None) -> Cluster: ...

def find(roots: dict[int, Node], depth_levels: int, tokens: list[str], levels: tuple[tuple[int, str], ...],
         similarity: float, settled: int, /) -> Cluster | None: ...
def level_positions(tokens: list[str], /) -> tuple[tuple[int, str], ...]: ...
def setup(masked_key: Callable[[str, int], str], template: type, /) -> None: ...
def template_id(unit: str, text: str, salt: int = 0, /) -> str: ...
def path_for(roots: dict[int, Node], depth_levels: int, max_children: int, tokens: list[str], /) -> tuple[str, ...]: ...
def insert(roots: dict[int, Node], cluster: Cluster, /) -> None: ...
def template(cid: str, text: str, /) -> Template: ...
