"""Reading a flow file's YAML as a tree of nodes that remember their line and column.

PyYAML's composer (https://pyyaml.org/wiki/PyYAMLDocumentation) gives nodes with
``start_mark``; from them come the line numbers of every problem. Here too are the mistakes
YAML itself lets through: duplicate keys (a plain load keeps the last silently), aliases
(``*name``, which can multiply a small file), and nesting deep enough to hurt.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from orchestration.flows.problems import Finding, Loc

MAX_BYTES = 256 * 1024
MAX_DEPTH = 40


def position(node: Node) -> tuple[int, int]:
    """1-based line and column where ``node`` starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def compose(source: str) -> tuple[Node | None, list[tuple[int, int | None, str]]]:
    """The node tree of ``source``, or None with (line, column, message) of why not."""
    size = len(source.encode())
    if size > MAX_BYTES:
        return None, [(1, None, f"larger than {MAX_BYTES // 1024} KiB ({size} bytes)")]
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        return None, [yaml_problem(err)]
    except RecursionError:
        return None, [(1, None, "not valid YAML: nested too deeply to read")]
    if not isinstance(root, MappingNode):
        line = 1 if root is None else position(root)[0]
        return None, [(line, None, "the top level must be a mapping (inputs:, steps:, ...)")]
    return root, []


def yaml_problem(err: yaml.YAMLError) -> tuple[int, int | None, str]:
    """Line, column and words of a YAML error."""
    if not isinstance(err, yaml.MarkedYAMLError):
        return 1, None, f"not valid YAML: {err}"
    mark = err.problem_mark or err.context_mark
    words = " ".join(str(part) for part in (err.context, err.problem) if part)
    line, column = (1, None) if mark is None else (mark.line + 1, mark.column + 1)
    return line, column, f"not valid YAML: {words}"


def structural_problems(root: Node) -> tuple[list[Finding], list[Finding]]:
    """Duplicate keys (the rest of the file can still be checked), and aliases or excess
    nesting (it cannot), each at its node."""
    duplicates: list[Finding] = []
    found: list[Finding] = []
    seen: set[int] = set()
    # (node, its path, the node that shows where it is written: its key, for a mapping's
    # value, since an alias's node is the anchored one, written elsewhere)
    stack: list[tuple[Node, Loc, Node]] = [(root, (), root)]
    while stack:
        node, loc, shown = stack.pop()
        if id(node) in seen:
            found.append(Finding(loc, "aliases (*name) are not allowed in flow files", node=shown))
            continue
        seen.add(id(node))
        if len(loc) > MAX_DEPTH:
            found.append(Finding(loc, f"nested more than {MAX_DEPTH} levels deep", node=node))
        elif isinstance(node, SequenceNode):
            # Reversed: the stack pops them in document order.
            stack.extend(reversed([(item, (*loc, i), item) for i, item in enumerate(node.value)]))
        elif isinstance(node, MappingNode):
            stack.extend(reversed(_mapping(node, loc, duplicates)))
    return _in_order(duplicates), _in_order(found)


def _in_order(found: list[Finding]) -> list[Finding]:
    return sorted(found, key=lambda finding: position(finding.node))


def _mapping(node: MappingNode, loc: Loc, found: list[Finding]) -> list[tuple[Node, Loc, Node]]:
    first: dict[str, int] = {}
    children: list[tuple[Node, Loc, Node]] = []
    for key, value in node.value:
        name = key.value if isinstance(key, ScalarNode) else "?"
        if isinstance(key, ScalarNode) and name in first:
            message = f"duplicate key {name!r} (first on line {first[name]})"
            found.append(Finding((*loc, name), message, node=key))
        first.setdefault(name, position(key)[0])
        children.append((value, (*loc, name), key))
    return children


def construct(root: Node) -> Any:
    """The Python value of a checked tree (as ``yaml.safe_load`` would give)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root)
    finally:
        loader.dispose()


def locate(root: Node, loc: Loc, at_key: bool = False) -> Node:
    """The node at ``loc``, or the deepest one on the way when the rest is missing."""
    node = root
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        elif isinstance(node, MappingNode):
            pair = next((p for p in node.value if getattr(p[0], "value", None) == str(part)), None)
            if pair is None:
                break
            node = pair[0] if at_key and last else pair[1]
        else:
            break
    return node


def text_position(node: Node, text_column: int) -> tuple[int, int] | None:
    """Line and column in the file of a column inside a scalar's text, when the scalar is
    written on one line as it reads (no escapes, no folding), else None."""
    start, end = node.start_mark, node.end_mark
    if not isinstance(node, ScalarNode) or start.line != end.line or start.buffer is None:
        return None
    quoted = node.style in ("'", '"')
    raw = start.buffer[start.index + quoted : end.index - quoted]
    if raw != node.value or node.style not in (None, "'", '"'):
        return None
    return start.line + 1, start.column + quoted + text_column
