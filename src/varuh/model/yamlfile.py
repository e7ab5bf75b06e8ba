"""YAML loading that remembers where every value stood, so errors can name file:line:column.

PyYAML's composer gives nodes with marks; we build plain Python data from them ourselves and
keep a map from the value's path (keys and list indexes) to its position. Duplicate keys, which
PyYAML silently accepts, are an error here: in a policy file a repeated key is always a mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from varuh.errors import ModelError

Position = tuple[int, int]  # 1-based line and column
PathKey = tuple[str | int, ...]


@dataclass
class LoadedYaml:
    path: Path
    data: Any
    positions: dict[PathKey, Position] = field(default_factory=dict)

    def position(self, loc: PathKey) -> Position | None:
        """The position of `loc`, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get(())

    def error(self, loc: PathKey, message: str) -> ModelError:
        pos = self.position(loc)
        return ModelError(
            self.path, message, line=pos[0] if pos else None, column=pos[1] if pos else None,
            field=format_loc(loc) or None,
        )


def format_loc(loc: PathKey) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _mark(node: yaml.Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _build(node: yaml.Node, loc: PathKey, doc: LoadedYaml, loader: yaml.SafeLoader) -> Any:
    doc.positions[loc] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise doc.error(loc, "a key must be plain text")
            key = str(key)
            if key in out:
                line, column = _mark(key_node)
                raise ModelError(doc.path, f"duplicate key {key!r}", line, column, format_loc((*loc, key)))
            doc.positions[(*loc, key)] = _mark(key_node)
            out[key] = _build(value_node, (*loc, key), doc, loader)
            doc.positions[(*loc, key)] = _mark(value_node) if not isinstance(
                value_node, yaml.MappingNode | yaml.SequenceNode) else _mark(key_node)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), doc, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_yaml(path: str | Path) -> LoadedYaml:
    """Read a YAML file; raise ModelError (with line and column) when it cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError(path, "file not found") from None
    except UnicodeDecodeError as e:
        raise ModelError(path, f"not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise ModelError(path, f"cannot read the file: {e.strerror}") from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: str | Path = "<text>") -> LoadedYaml:
    doc = LoadedYaml(Path(path), None)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        doc.data = {} if node is None else _build(node, (), doc, loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = (e.problem or e.context or "malformed YAML").strip()
        raise ModelError(
            path, f"malformed YAML: {problem}",
            line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as e:
        raise ModelError(path, f"malformed YAML: {e}") from None
    finally:
        loader.dispose()
    return doc
