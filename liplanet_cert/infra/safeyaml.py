"""Safe YAML for untrusted files.

PyYAML's ``SafeLoader`` constructs no Python objects; on top of it this loader
- rejects duplicate mapping keys (a second value would silently win otherwise),
- keeps dates as strings (the JSON Schema checks their format, as for JSON files),
- refuses documents whose aliases expand beyond a budget ("billion laughs") or that nest too deep
  (checked on the token stream, before the recursive composer runs),
- refuses numbers that are not finite (``.nan``, ``.inf``) or too long to convert.
Errors are :class:`YAMLProblem` (a :class:`ValueError`) with ``.location`` ("line L, column C")
and ``.problem``; callers wrap them in the project's error types.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 64
MAX_ALIAS_EXPANSION = 10_000  # nodes reachable through aliases


class YAMLProblem(ValueError):
    """A YAML document was refused; ``location`` is "line L, column C" when known."""

    def __init__(self, problem: str, location: str = "") -> None:
        super().__init__(f"{problem} at {location}" if location else problem)
        self.problem = problem
        self.location = location


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


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


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    value = yaml.SafeLoader.construct_yaml_float(loader, node)
    if value != value or value in (float("inf"), float("-inf")):
        raise yaml.constructor.ConstructorError(
            None, None, f"number is not finite ({node.value!r})", node.start_mark
        )
    return value


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:  # e.g. more digits than Python converts (int_max_str_digits)
        raise yaml.constructor.ConstructorError(
            None, None, f"integer too long ({len(node.value)} characters)", node.start_mark
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)

if getattr(yaml, "__with_libyaml__", False):
    # libyaml's C parser (same safe constructors, same checks) is ~10x faster on large declarations.
    class _CLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        pass

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _CLoader.yaml_constructors = dict(_Loader.yaml_constructors)
    _Loader = _CLoader  # type: ignore[misc]  # noqa: F811

_OPEN = (
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
)
_CLOSE = (yaml.BlockEndToken, yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)


def _check_depth(text: str) -> None:
    """Refuse deep nesting from the token stream (iterative, so no recursion limit is hit).
    libyaml >= 0.2.6 stops at a depth of its own (1000) with its own message: :func:`load` turns
    that into this same located refusal, so the user sees one error whichever parser stops first."""
    depth = 0
    for token in yaml.scan(text, Loader=_Loader):
        if isinstance(token, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                raise YAMLProblem(f"nesting deeper than {MAX_DEPTH} levels", _where(token.start_mark))
        elif isinstance(token, _CLOSE):
            depth -= 1


def _check_node(node: yaml.Node) -> None:
    """Bound depth and alias expansion before constructing anything."""
    budget = [0]
    memo: dict[int, int] = {}

    def size(n: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise YAMLProblem(f"nesting deeper than {MAX_DEPTH} levels", _where(n.start_mark))
        key = id(n)
        if key in memo:
            # a node reached again is an alias: it costs its full size again
            budget[0] += memo[key]
            if budget[0] > MAX_ALIAS_EXPANSION:
                raise YAMLProblem(
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes; anchors and aliases are limited in bundles",
                    _where(n.start_mark),
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


def _may_nest_deeper_than_limit(text: str) -> bool:
    """Cheap, conservative: can ``text`` nest deeper than MAX_DEPTH at all?  A block collection
    starts at a column deeper than its parent's (two levels per column at most, counting indentless
    sequences), and a flow collection needs a bracket (two levels with a single-pair mapping).  The
    first column a line's content can start at is after its indentation and block indicators."""
    if "\t" in text:  # tab columns: let the token scan decide
        return True
    col = max(len(line) - len(line.lstrip(" -?:")) for line in text.split("\n"))
    return 2 * (col + 1) + 2 * (text.count("[") + text.count("{")) > MAX_DEPTH


def load(text: str) -> Any:
    """Parse one YAML document safely.  Raises :class:`YAMLProblem` with a location on any problem."""
    try:
        if _may_nest_deeper_than_limit(text):  # else the exact check after composing suffices
            _check_depth(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_node(node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = str(exc.problem or exc.context)
        if "nesting depth" in problem:  # a parser's own depth limit: the same refusal as ours
            problem = f"nesting deeper than {MAX_DEPTH} levels"
        raise YAMLProblem(problem, _where(mark)) from None
    except yaml.YAMLError as exc:
        raise YAMLProblem(str(exc).splitlines()[0]) from None
    except RecursionError:
        raise YAMLProblem(f"nesting deeper than {MAX_DEPTH} levels") from None
