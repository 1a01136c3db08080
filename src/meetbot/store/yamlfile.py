"""Read one YAML file safely, noting the line of every key (for ``file:line`` messages).

:func:`parse_file` reads a knowledge file or a message catalogue: only a regular file of at
most :data:`~meetbot.files.MAX_FILE_BYTES`, UTF-8, one document. YAML is parsed safely: no
object tags, no aliases (they allow "billion laughs" bombs and make hand-edited files hard to
read), no merge keys, no duplicate keys, no absurd nesting; a syntax error is said in plain
words (:func:`meetbot.store.hints.yaml_problem`) at the line to look at.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from meetbot.domain.knowledge import Path_
from meetbot.domain.schema import SECTIONS
from meetbot.errors import KnowledgeError, Problem
from meetbot.files import (
    MAX_FILE_BYTES,
    FileTooLarge,
    NotRegularFile,
    describe_size,
    format_bytes,
    read_regular,
)
from meetbot.store.hints import yaml_problem

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class ParsedFile:
    """One knowledge file, parsed, with a map from data paths to line numbers."""

    name: str
    data: dict[str, Any]
    lines: dict[Path_, int]

    def line(self, path: Path_) -> int | None:
        """Return the line of the deepest known prefix of ``path``."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return None


def parse_file(path: Path, display: str) -> ParsedFile:
    """Parse one YAML file safely, raising KnowledgeError with file:line on any problem."""
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileTooLarge as exc:
        raise KnowledgeError([Problem(
            display, None,
            f"file is {describe_size(exc.size, exc.limit)}; the limit is "
            f"{format_bytes(exc.limit)}: split it into several files")]) from None
    except NotRegularFile as exc:
        raise KnowledgeError([Problem(
            display, None, f"cannot read file: it is {exc.kind}, not a regular file; "
            "replace it with a YAML text file")]) from None
    except OSError as exc:
        raise KnowledgeError(
            [Problem(display, None, f"cannot read file: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise KnowledgeError([Problem(
            display, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file "
            "as UTF-8")]) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return ParsedFile(display, {}, {})
        lines: dict[Path_, int] = {}
        problems: list[Problem] = []
        data = _NodeReader(loader, display, lines, problems).read(node, ())
        if problems:
            raise KnowledgeError(problems)
    except yaml.MarkedYAMLError as exc:
        where, message = yaml_problem(exc, text)
        raise KnowledgeError([Problem(display, where, f"YAML error: {message}")]) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError([Problem(display, None, f"YAML error: {exc}")]) from None
    except RecursionError:
        raise KnowledgeError([Problem(display, None,
                                      "YAML nested too deeply to read")]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise KnowledgeError([Problem(display, 1, "the file must be a mapping of sections "
                                      f"({', '.join(SECTIONS)})")])
    return ParsedFile(display, data, lines)


MAX_DEPTH = 40
"""Deeper nesting than any knowledge file needs: refused before it can exhaust the stack."""


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _NodeReader:
    """Build the data of a composed YAML document, noting the line of every key on the way.

    One pass instead of PyYAML's constructor plus a second walk for line numbers; strings,
    mappings and sequences (nearly all of a knowledge file) are built here, other scalars
    (numbers, dates, booleans) and anything with another tag by the safe constructor, which
    refuses tags it does not know. Aliases, merge keys, duplicate keys and absurd nesting
    are problems, reported with their line.
    """

    def __init__(self, loader: yaml.SafeLoader, display: str, lines: dict[Path_, int],
                 problems: list[Problem]) -> None:
        self.loader = loader
        self.display = display
        self.lines = lines
        self.problems = problems
        self.seen: set[int] = set()

    def read(self, node: yaml.Node, path: Path_) -> Any:
        """The value of ``node`` at ``path``."""
        if id(node) in self.seen:
            self._problem(self.lines.get(path, node.start_mark.line + 1),
                          "YAML aliases (*name) are not allowed; write the value out")
            return None
        if len(path) > MAX_DEPTH:
            self._problem(node.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
            return None
        self.seen.add(id(node))
        self.lines.setdefault(path, node.start_mark.line + 1)
        tag = node.tag
        if tag == _STR and isinstance(node, yaml.ScalarNode):
            return node.value
        if tag == _MAP and isinstance(node, yaml.MappingNode):
            data: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self._problem(key_node.start_mark.line + 1,
                                  "YAML merge keys (<<) are not allowed")
                    continue
                key = key_node.value if (key_node.tag == _STR and isinstance(
                    key_node, yaml.ScalarNode)) else self.loader.construct_object(
                        key_node, deep=True)
                if not isinstance(key, Hashable):
                    self._problem(key_node.start_mark.line + 1, "a key must be a plain value")
                    continue
                if key in data:
                    self._problem(key_node.start_mark.line + 1,
                                  f"duplicate key {str(key_node.value)!r}")
                    continue
                self.lines[(*path, str(key))] = key_node.start_mark.line + 1
                data[key] = self.read(value_node, (*path, str(key)))
            return data
        if tag == _SEQ and isinstance(node, yaml.SequenceNode):
            return [self.read(item, (*path, index)) for index, item in enumerate(node.value)]
        if tag == _TIMESTAMP and isinstance(node, yaml.ScalarNode):
            try:
                return self.loader.construct_object(node, deep=True)
            except ValueError:  # 2025-02-30 unquoted: the schema says why it is no date
                return node.value
        # Other scalars, other safe types, and tags on the wrong kind of node: the safe
        # constructor builds them or raises a marked error ("expected a mapping node").
        return self.loader.construct_object(node, deep=True)

    def _problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.display, line, message))
