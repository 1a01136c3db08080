"""Validate knowledge files against :mod:`meetbot.domain.schema`, entry by entry.

:func:`read_files` parses (:mod:`meetbot.store.yamlfile`) and validates every file it is
given with pydantic: a bad entry is reported ``file:line: message`` and left out, its file's
other entries stay, and the ids of every entry, broken ones too, are collected so that a
reference to a broken entry is not reported again as unknown. What the files say about each
other (unique ids, references, citations) is :mod:`meetbot.store.assembly`'s to check.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from meetbot.domain.knowledge import Path_
from meetbot.domain.schema import SECTIONS, KnowledgeFile
from meetbot.errors import KnowledgeError, Problem
from meetbot.files import MAX_FILE_BYTES, FileRefused, read_regular
from meetbot.store.directory import display_name
from meetbot.store.hints import validation_problems
from meetbot.store.yamlfile import ParsedFile, parse_file

T = TypeVar("T")

_adapters: dict[type, TypeAdapter[Any]] = {}
_SECTION_TYPES: dict[str, type] = {
    section: typing.get_args(hint)[0]  # list[Person] -> Person
    for section, hint in typing.get_type_hints(KnowledgeFile).items() if section in SECTIONS}


def validated(model: type[T], data: object) -> T:
    """``data`` (as read from YAML) checked and converted to ``model``.

    Raises pydantic's ``ValidationError``; :func:`problems_in` turns it into problems.
    """
    adapter = _adapters.get(model)
    if adapter is None:
        adapter = _adapters[model] = TypeAdapter(model)
    result: T = adapter.validate_python(data)
    return result


def problems_in(parsed: ParsedFile, exc: ValidationError, prefix: Path_ = (), *,
                top_level: tuple[str, Sequence[str]] = ("sections", SECTIONS)) -> list[Problem]:
    """Pydantic's errors as ``file:line`` problems (``top_level``: what the file may hold)."""
    return validation_problems(parsed.name, parsed.line, exc, prefix, top_level,
                               _SECTION_TYPES)


def validate_file(parsed: ParsedFile) -> tuple[KnowledgeFile | None, list[Problem]]:
    """Validate a file entry by entry: a bad entry is reported and left out, the rest stay.

    (Dropping the whole file would make every reference to its other entries look broken.)
    """
    problems: list[Problem] = []
    kept: dict[str, list[Any]] = {}
    data = dict(parsed.data)
    for section in SECTIONS:
        items = data.get(section)
        if not isinstance(items, list):
            continue
        entry_type = _SECTION_TYPES[section]
        good: list[Any] = []
        for index, item in enumerate(items):
            try:
                good.append(validated(entry_type, item))
            except ValidationError as exc:
                problems.extend(problems_in(parsed, exc, (section, index)))
        kept[section] = good
        data[section] = []
    try:
        validated(KnowledgeFile, data)  # unknown sections, a section that is not a list
    except ValidationError as exc:
        problems.extend(problems_in(parsed, exc, ()))
        return (KnowledgeFile(**kept) if kept else None), problems
    return KnowledgeFile(**kept), problems


@dataclass
class ReadFiles:
    """Knowledge files parsed and validated: what can be assembled, and what was wrong."""

    files: list[tuple[ParsedFile, KnowledgeFile]] = field(default_factory=list)
    """Each file that parsed, with its valid entries."""
    declared: set[str] = field(default_factory=set)
    """The id of every entry the files define, broken entries and unreadable files too."""
    problems: list[Problem] = field(default_factory=list)


def read_files(paths: Iterable[Path], root: Path) -> ReadFiles:
    """Parse and validate each of ``paths`` (knowledge files of the directory ``root``)."""
    read = ReadFiles()
    for path in paths:
        try:
            parsed = parse_file(path, display_name(path, root))
        except KnowledgeError as exc:
            read.problems.extend(exc.problems)
            read.declared.update(_ids_in_text(path))
            continue
        read.declared.update(ids_in_data(parsed.data))
        model, problems = validate_file(parsed)
        read.problems.extend(problems)
        if model is not None:
            read.files.append((parsed, model))
    return read


def ids_in_data(data: dict[str, Any]) -> set[str]:
    """The ids the entries of a parsed file give themselves, valid or not."""
    found: set[str] = set()
    for section in SECTIONS:
        items = data.get(section)
        if isinstance(items, list):
            found.update(str(i["id"]) for i in items if isinstance(i, dict) and "id" in i)
    return found


_ID_LINE = re.compile(r"^\s*(?:-\s+)?id:\s*[\"']?([a-z0-9][a-z0-9_-]*)", re.MULTILINE)


def _ids_in_text(path: Path) -> set[str]:
    """Ids a file that does not parse appears to define (so they are not reported missing)."""
    try:
        text = read_regular(path, MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except (OSError, FileRefused):
        return set()
    return set(_ID_LINE.findall(text))
