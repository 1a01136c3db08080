"""Read a knowledge directory: parse, validate, cross-check and verify every citation.

``load_directory(directory)`` reads every ``*.yaml`` file directly under ``directory``
(drafts in ``drafts/`` are not served), validates each against :mod:`meetbot.domain.schema` with
pydantic, checks that ids are unique and references resolve, and verifies that every
citation's quote occurs verbatim (whitespace-normalised) in its source text. All problems
are collected and raised together as a :class:`~meetbot.errors.KnowledgeError` whose lines
read ``file:line: message``. Callers normally use :func:`meetbot.store.load`.

YAML is parsed safely: no object tags, no aliases (they allow "billion laughs" bombs and make
hand-edited files hard to read), no duplicate keys.
"""

from __future__ import annotations

import re
import stat
import typing
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from meetbot.domain.knowledge import KnowledgeBase, Located, Path_, SourceDoc, cites_in
from meetbot.domain.schema import KnowledgeFile
from meetbot.errors import KnowledgeError, Problem
from meetbot.files import (
    MAX_FILE_BYTES,
    FileRefused,
    FileTooLarge,
    NotRegularFile,
    describe_size,
    format_bytes,
    kind_of,
    read_regular,
)
from meetbot.lang.catalog import (
    LOCALES_DIR,
    Catalog,
    CatalogFile,
    build_catalog,
    unusable_date_patterns,
    with_own_letters,
)
from meetbot.lang.normalize import squash_whitespace
from meetbot.store.directory import default_knowledge_dir, fingerprint, knowledge_files
from meetbot.store.hints import did_you_mean, quote_hint, validation_problems, yaml_problem

SECTIONS = ("sources", "people", "roles", "organizations", "events", "meetings", "faq",
            "intents")

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
T = TypeVar("T")


_adapters: dict[type, TypeAdapter[Any]] = {}


def validated(model: type[T], data: object) -> T:
    """``data`` (as read from YAML) checked and converted to ``model``.

    Raises pydantic's ``ValidationError``; :func:`validate_file` turns it into problems.
    """
    adapter = _adapters.get(model)
    if adapter is None:
        adapter = _adapters[model] = TypeAdapter(model)
    result: T = adapter.validate_python(data)
    return result


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
                problems.extend(_problems(parsed, exc, (section, index)))
        kept[section] = good
        data[section] = []
    try:
        validated(KnowledgeFile, data)  # unknown sections, a section that is not a list
    except ValidationError as exc:
        problems.extend(_problems(parsed, exc, ()))
        return (KnowledgeFile(**kept) if kept else None), problems
    return KnowledgeFile(**kept), problems


_CATALOG_KEYS = tuple(field.name for field in fields(CatalogFile))
_SECTION_TYPES: dict[str, type] = {
    section: typing.get_args(hint)[0]  # list[Person] -> Person
    for section, hint in typing.get_type_hints(KnowledgeFile).items() if section in SECTIONS}


def _problems(parsed: ParsedFile, exc: ValidationError, prefix: Path_ = (), *,
              top_level: tuple[str, Sequence[str]] = ("sections", SECTIONS)) -> list[Problem]:
    """Pydantic's errors as ``file:line`` problems (``top_level``: what the file may hold)."""
    return validation_problems(parsed.name, parsed.line, exc, prefix, top_level,
                               _SECTION_TYPES)


def load_directory(directory: Path | str | None) -> KnowledgeBase:
    """Load and verify the knowledge base in ``directory`` (see the module docstring)."""
    root = Path(directory) if directory is not None else default_knowledge_dir()
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), None, "knowledge directory not found")])
    files = knowledge_files(root)
    if not files and not special_files(root):
        raise KnowledgeError([Problem(str(root), None,
                                      "no knowledge files (*.yaml) in this directory")])
    stamp = fingerprint(root)
    problems: list[Problem] = [
        Problem(display_name(path, root), None, f"cannot read file: it is {kind}, not a "
                "regular file; replace it with a YAML text file")
        for path, kind in special_files(root)]
    parsed_files: list[tuple[ParsedFile, KnowledgeFile]] = []
    declared: set[str] = set()
    for path in files:
        display = display_name(path, root)
        try:
            parsed = parse_file(path, display)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            declared.update(_ids_in_text(path))
            continue
        declared.update(ids_in_data(parsed.data))
        model, errs = validate_file(parsed)
        problems.extend(errs)
        if model is not None:
            parsed_files.append((parsed, model))
    catalogs = load_catalogs(root / "messages", problems)
    kb = assemble(root, parsed_files, problems, stamp, declared)
    return replace(kb, catalogs=MappingProxyType(prepare_catalogs(catalogs, dates_in(kb))))


def dates_in(kb: KnowledgeBase) -> set[str]:
    """Every date an answer about ``kb`` is likely to show: each date of the knowledge base,
    its year and its month, and every month of the year on its own ("meetings in June")."""
    found = [*(m.date for m in kb.meetings.values()),
             *(e.date for e in kb.events.values() if e.date),
             *(held.as_of for person in kb.people.values() for held in person.roles),
             *(doc.meta.published for doc in kb.sources.values())]
    dates = {f"????-{month:02d}" for month in range(1, 13)}
    for value in found:
        dates.update((value, value[:4], value[:7]))
    return dates


def prepare_catalogs(catalogs: dict[str, Catalog], dates: set[str]) -> dict[str, Catalog]:
    """Every catalogue with ``dates`` formatted in advance (:meth:`Catalog.prepared`)."""
    english = catalogs["en"].prepared(sorted(dates), None)
    return {language: english if language == "en" else
            catalog.prepared(sorted(dates), english) for language, catalog in catalogs.items()}


_ID_LINE = re.compile(r"^\s*(?:-\s+)?id:\s*[\"']?([a-z0-9][a-z0-9_-]*)", re.MULTILINE)


def _ids_in_text(path: Path) -> set[str]:
    """Ids a file that does not parse appears to define (so they are not reported missing)."""
    try:
        text = read_regular(path, MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except (OSError, FileRefused):
        return set()
    return set(_ID_LINE.findall(text))


def special_files(directory: Path) -> list[tuple[Path, str]]:
    """``*.yaml`` entries of ``directory`` that are neither files nor directories (a FIFO,
    a device, a socket), each with what it is; :func:`knowledge_files` leaves them out, so
    they are never opened."""
    found = []
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        try:
            mode = path.stat().st_mode
        except OSError:
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            found.append((path, kind_of(mode)))
    return found


def ids_in_data(data: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for section in SECTIONS:
        items = data.get(section)
        if isinstance(items, list):
            found.update(str(i["id"]) for i in items if isinstance(i, dict) and "id" in i)
    return found


def load_catalogs(extra: Path | None, problems: list[Problem]) -> dict[str, Catalog]:
    """Load the shipped catalogues, then the knowledge base's own (``messages/*.yaml``)."""
    paths = sorted(LOCALES_DIR.glob("*.yaml"))
    if extra is not None and extra.is_dir():
        paths += sorted(extra.glob("*.yaml"))
    by_language: dict[str, list[CatalogFile]] = {}
    for path in paths:
        display = display_name(path, path.parent)
        try:
            parsed = parse_file(path, display)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            continue
        try:
            file = validated(CatalogFile, parsed.data)
        except ValidationError as exc:
            problems.extend(_problems(parsed, exc, top_level=("keys", _CATALOG_KEYS)))
            continue
        bad_dates = unusable_date_patterns(file)
        if bad_dates:
            problems.extend(Problem(display, parsed.line(("date_formats", name)), message)
                            for name, message in bad_dates)
            continue
        by_language.setdefault(file.language, []).append(file)
    english = build_catalog(by_language.pop("en"), None) if "en" in by_language else None
    if english is None:
        problems.append(Problem(str(LOCALES_DIR), None, "no English message catalogue"))
        return {}
    catalogs = {"en": english}
    for language, files in sorted(by_language.items()):
        catalogs[language] = build_catalog(files, english)
    return with_own_letters(catalogs)


def display_name(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def assemble(root: Path, parsed_files: list[tuple[ParsedFile, KnowledgeFile]],
              problems: list[Problem], stamp: str,
              declared: set[str] | None = None) -> KnowledgeBase:
    """Merge validated files, then check ids, references and citations.

    ``declared`` holds ids whose entries exist but are broken (already reported): a
    reference to one of them is not reported again as unknown.
    """
    declared = declared or set()
    tables: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    located: dict[tuple[str, str], Located] = {}
    origin: dict[tuple[str, str], tuple[ParsedFile, Path_]] = {}
    for parsed, model in parsed_files:
        for section in SECTIONS:
            for index, entry in enumerate(getattr(model, section)):
                path: Path_ = (section, index)
                here = Located(parsed.name, parsed.line((*path, "id")))
                key = (section, entry.id)
                if key in located:
                    first = located[key]
                    problems.append(Problem(
                        here.file, here.line,
                        f"duplicate {section} id {entry.id!r} (first defined at "
                        f"{first.file}:{first.line})"))
                    continue
                located[key] = here
                origin[key] = (parsed, path)
                tables[section][entry.id] = entry

    def ref(key: tuple[str, str], subpath: Path_, target: str, value: str | None) -> bool:
        """Report a reference to no entry; True when ``value`` names one (or a broken one)."""
        if value is None or value in tables[target] or value in declared:
            return True
        parsed, path = origin[key]
        close = did_you_mean(value, tables[target])
        known = (f"did you mean {close!r}?" if close else
                 "known: " + (", ".join(sorted(tables[target])[:8]) or "none defined"))
        problems.append(Problem(parsed.name, parsed.line((*path, *subpath)),
                                f"unknown {target} id {value!r} ({known})"))
        return False

    for pid, person in tables["people"].items():
        for i, holding in enumerate(person.roles):
            ref(("people", pid), ("roles", i, "role"), "roles", holding.role)
    for rid, role in tables["roles"].items():
        ref(("roles", rid), ("organization",), "organizations", role.organization)
    for oid, org in tables["organizations"].items():
        ref(("organizations", oid), ("parent",), "organizations", org.parent)
    for eid, event in tables["events"].items():
        ref(("events", eid), ("organization",), "organizations", event.organization)
    for mid, meeting in tables["meetings"].items():
        ref(("meetings", mid), ("event",), "events", meeting.event)
        unknown = {pid for i, pid in enumerate(meeting.participants)
                   if not ref(("meetings", mid), ("participants", i), "people", pid)}
        for i, statement in enumerate(meeting.statements):
            if statement.speaker in unknown:
                continue  # the same misspelt id: reported once, at the participant
            ref(("meetings", mid), ("statements", i, "speaker"), "people", statement.speaker)
            if unknown:
                continue  # with the participants wrong, "not a participant" would be a knock-on
            if (statement.speaker in tables["people"]
                    and statement.speaker not in meeting.participants):
                parsed, path = origin[("meetings", mid)]
                problems.append(Problem(
                    parsed.name, parsed.line((*path, "statements", i, "speaker")),
                    f"speaker {statement.speaker!r} is not a participant of this meeting"))

    sources: dict[str, SourceDoc] = {}
    for sid, meta in tables["sources"].items():
        parsed, path = origin[("sources", sid)]
        file_path = (root / meta.file).resolve()
        if not file_path.is_relative_to(root.resolve()):
            problems.append(Problem(parsed.name, parsed.line((*path, "file")),
                                    "source file must be inside the knowledge directory"))
            continue
        try:
            text = read_regular(file_path, MAX_FILE_BYTES).decode("utf-8")
        except FileNotFoundError:
            problems.append(Problem(parsed.name, parsed.line((*path, "file")),
                                    f"source file {meta.file!r} not found"))
            continue
        except (OSError, UnicodeDecodeError, FileRefused) as exc:
            problems.append(Problem(parsed.name, parsed.line((*path, "file")),
                                    f"cannot read source file {meta.file!r}: {exc}"))
            continue
        sources[sid] = SourceDoc(meta, text, squash_whitespace(text))

    for (section, entry_id), (parsed, path) in origin.items():
        entry = tables[section][entry_id]
        for subpath, value in cites_in(entry, path):
            if value.source in declared and value.source not in tables["sources"]:
                continue
            if value.source not in tables["sources"]:
                ref((section, entry_id), (*subpath[len(path):], "source"), "sources",
                    value.source)
                continue
            doc = sources.get(value.source)
            if doc is not None and squash_whitespace(value.quote) not in doc.flat:
                problems.append(Problem(
                    parsed.name, parsed.line((*subpath, "quote")),
                    f"quote not found in source {value.source!r}: "
                    f"{_shorten(value.quote)!r}; "
                    f"{quote_hint(squash_whitespace(value.quote), doc.flat)}"))

    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        root=root,
        sources=MappingProxyType(sources),
        people=MappingProxyType(tables["people"]),
        roles=MappingProxyType(tables["roles"]),
        organizations=MappingProxyType(tables["organizations"]),
        events=MappingProxyType(tables["events"]),
        meetings=MappingProxyType(tables["meetings"]),
        faq=MappingProxyType(tables["faq"]),
        intents=MappingProxyType(tables["intents"]),
        locations=MappingProxyType(located),
        fingerprint=stamp,
    )


def _shorten(text: str, limit: int = 70) -> str:
    text = squash_whitespace(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
