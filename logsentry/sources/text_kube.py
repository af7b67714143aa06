"""The prefixes Kubernetes log tools put before each container's line, taken off a paste as Compose's are
(sources/text_compose.py), so that the line's own time, level and failure text are read where the program wrote
them:

- `kubectl logs --prefix` (`-l app=x --prefix`, `--all-containers --prefix`): `[pod/NAME/CONTAINER] ` and, for a
  node's logs, `[node/NAME] ` (kubectl/pkg/cmd/logs/logs.go: `fmt.Sprintf("[pod/%s/%s] ", ref.Name, containerName)`);
- stern's default template, `{{color .PodColor .PodName}} {{color .ContainerColor .ContainerName}} {{.Message}}`:
  the pod's name, a blank, the container's name, a blank (in colour on a terminal);
- kubetail's `[POD] ` or `[POD CONTAINER] ` (`colored_line="${color_start}[${display_name}] $line ${color_end}"`: in
  colour, the reset at the line's end, which is taken off too).

stern's and kubetail's names have no mark of their own, so only a pod's generated name counts there: a letter first,
lower-case letters, digits, `-` and `.`, ending in the five characters a ReplicaSet, DaemonSet or Job gives its pods
(`-` and five of apimachinery's rand alphabet, `bcdfghjklmnpqrstvwxz2456789`: `api-7d9f8b6c4-x2x9z`) or, in
kubetail's brackets, a StatefulSet's ordinal (`postgres-0`); then a container's name (an RFC 1123 label). A paste is
such only when most of its head's lines carry one (text_compose.compose_prefixed), as for Compose's. Before, a stern
paste's `panic: ...` line started with the pod's name and no rule anchored on it matched; kubectl's put its time
behind the prefix, so every line was read at the file's time.
"""

from __future__ import annotations

import re

_SGR = rb"(?:\x1b\(B)?(?:\x1b\[[0-9;]{0,32}m)?"
"""A colour code (SGR), maybe after `tput sgr0`'s `ESC ( B`."""
_GENERATED = rb"[a-z][a-z0-9.-]{0,240}-[bcdfghjklmnpqrstvwxz2456789]{5}"
_POD = rb"(?:" + _GENERATED + rb"|[a-z][a-z0-9.-]{0,240}-[0-9]{1,5})"
"""A pod's generated name (see the module's docstring); stern's, unbracketed, takes a ReplicaSet's, DaemonSet's or
Job's alone (`worker-2 started job 1` is a plain log's line more often than a StatefulSet's pod in stern)."""
_CONTAINER = rb"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
"""A container's name: an RFC 1123 label, as Kubernetes validates it."""
KUBE_PREFIX = re.compile(
    _SGR + rb"(?:\[(?:pod/[a-z0-9][a-z0-9.-]{0,252}/(?:" + _CONTAINER + rb")?|node/[A-Za-z0-9][A-Za-z0-9.-]{0,252})\]"
    rb"|\[" + _POD + rb"(?: " + _CONTAINER + rb")?\]"
    rb"|" + _GENERATED + _SGR + rb" " + _SGR + rb"(?P<container>" + _CONTAINER + rb"))" + _SGR + rb"(?: |(?=\r?\n|\Z))")
"""kubectl's, kubetail's or stern's prefix, with the one blank after it (none before a line's end), in colour or not;
`container` is stern's container name, which must be no level word (text_compose checks it)."""
KUBE_COLOUR_END = re.compile(rb"(?: ?(?:\x1b\(B)?\x1b\[[0-9;]{0,32}m)+(?=\r?\n\Z)")
"""kubetail's colour reset at the line's end, behind a blank (`"${color_start}[${display_name}] $line ${color_end}"`,
its default `--colored-output line`): the program's line ends before it, as rules anchored at its end expect."""


def kube_cut(line: bytes, prefix: re.Match[bytes]) -> bytes:
    """A line (read up to its end) without the Kubernetes tool's `prefix` and kubetail's colour reset at its end."""
    return KUBE_COLOUR_END.sub(b"", line[prefix.end():], count=1)
