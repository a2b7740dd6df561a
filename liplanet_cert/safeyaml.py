"""Safe YAML for untrusted files.

PyYAML's ``SafeLoader`` constructs no Python objects; on top of it this loader
- rejects duplicate mapping keys (a second value would silently win otherwise),
- keeps dates as strings (the JSON Schema checks their format, as for JSON files),
- refuses documents whose aliases expand beyond a budget ("billion laughs") or that nest too deep.
Errors are :class:`ValueError` with a line/column; callers wrap them in the project's error types.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 64
MAX_ALIAS_EXPANSION = 10_000  # nodes reachable through aliases


class _Loader(yaml.SafeLoader):
    pass


# Dates stay strings: drop the implicit timestamp resolver.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_node(node: yaml.Node) -> None:
    """Bound depth and alias expansion before constructing anything."""
    budget = [0]
    memo: dict[int, int] = {}

    def size(n: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ValueError(f"nesting deeper than {MAX_DEPTH} levels at line {n.start_mark.line + 1}")
        key = id(n)
        if key in memo:
            # a node reached again is an alias: it costs its full size again
            budget[0] += memo[key]
            if budget[0] > MAX_ALIAS_EXPANSION:
                raise ValueError(
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes (line {n.start_mark.line + 1}); "
                    "anchors and aliases are limited in bundles"
                )
            return memo[key]
        total = 1
        if isinstance(n, yaml.SequenceNode):
            for child in n.value:
                total += size(child, depth + 1)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        memo[key] = total
        return total

    size(node, 0)


def load(text: str) -> Any:
    """Parse one YAML document safely.  Raises ValueError with a location on any problem."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_node(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ValueError(f"{exc.problem or exc.context} at {where}") from None
    except yaml.YAMLError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
    except RecursionError:
        raise ValueError(f"nesting deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
