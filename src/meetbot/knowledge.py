"""Load, validate and verify the knowledge base.

``load(directory)`` reads every ``*.yaml`` file directly under ``directory`` (drafts in
``drafts/`` are not served), validates each against :mod:`meetbot.schema`, checks that ids
are unique and references resolve, and verifies that every citation's quote occurs
verbatim (whitespace-normalised) in its source text. All problems are collected and raised
together as a :class:`~meetbot.errors.KnowledgeError` whose lines read ``file:line: message``.

YAML is parsed safely: no object tags, no aliases (they allow "billion laughs" bombs and make
hand-edited files hard to read), no duplicate keys.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import os
import re
import typing
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import KnowledgeError, Problem
from .i18n import LOCALES_DIR, Catalog, CatalogFile, build_catalog, unusable_date_patterns
from .normalize import squash_whitespace
from .schema import (
    Cite,
    Event,
    FaqEntry,
    Intent,
    KnowledgeFile,
    Meeting,
    Organization,
    Person,
    Role,
    Source,
    Statement,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
SECTIONS = ("sources", "people", "roles", "organizations", "events", "meetings", "faq",
            "intents")
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "knowledge"

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple[str | int, ...]


def default_knowledge_dir() -> Path:
    """Return ``$MEETBOT_KNOWLEDGE`` or the project's ``knowledge/`` directory."""
    env = os.environ.get("MEETBOT_KNOWLEDGE")
    return Path(env) if env else DEFAULT_DIR


@dataclass(frozen=True, slots=True)
class SourceDoc:
    """A registered source with its verbatim text."""

    meta: Source
    text: str
    flat: str
    """The text with whitespace collapsed, as quotes are matched against it."""


@dataclass(frozen=True, slots=True)
class Located:
    """Where an entry was defined, for messages that point the curator at it."""

    file: str
    line: int | None


@dataclass(frozen=True)
class KnowledgeBase:
    """An immutable, verified knowledge base."""

    root: Path
    sources: Mapping[str, SourceDoc]
    people: Mapping[str, Person]
    roles: Mapping[str, Role]
    organizations: Mapping[str, Organization]
    events: Mapping[str, Event]
    meetings: Mapping[str, Meeting]
    faq: Mapping[str, FaqEntry]
    intents: Mapping[str, Intent]
    locations: Mapping[tuple[str, str], Located]
    fingerprint: str
    warnings: tuple[Problem, ...] = field(default=())
    catalogs: Mapping[str, Catalog] = field(default_factory=dict)
    """Message catalogues by language code; ``en`` is always present."""

    def catalog(self, language: str) -> Catalog:
        """The catalogue for ``language``, or English when there is none."""
        return self.catalogs.get(language) or self.catalogs["en"]

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support (for the engine cache): read-only mappings as plain dicts."""
        return {key: dict(value) if isinstance(value, MappingProxyType) else value
                for key, value in self.__dict__.items()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            if isinstance(value, dict) and key != "lookups":
                value = MappingProxyType(value)
            object.__setattr__(self, key, value)

    @cached_property
    def lookups(self) -> Lookups:
        """Indexes built once, so answering stays fast as the knowledge base grows."""
        return Lookups.build(self)

    def where(self, kind: str, entry_id: str) -> Located:
        """Return where the entry ``kind``/``entry_id`` is defined."""
        return self.locations.get((kind, entry_id), Located(str(self.root), None))


@dataclass(frozen=True)
class Lookups:
    """The knowledge base indexed by what questions ask about."""

    meetings: tuple[Meeting, ...]
    """Every meeting, by date."""
    dates: tuple[str, ...]
    """The date of each of ``meetings`` (for bisecting a period)."""
    by_month: Mapping[str, tuple[Meeting, ...]]
    """Per month number ("06"), the meetings in that month of any year."""
    by_person: Mapping[str, tuple[Meeting, ...]]
    by_event: Mapping[str, tuple[Meeting, ...]]
    holders: Mapping[str, tuple[tuple[str, Person, Cite], ...]]
    """Per role: (as of, person, cite), newest first."""
    said_by: Mapping[str, tuple[tuple[Meeting, Statement], ...]]

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Lookups:
        """Index ``kb``."""
        meetings = tuple(sorted(kb.meetings.values(), key=lambda m: (m.date, m.id)))
        by_person: dict[str, list[Meeting]] = {}
        by_event: dict[str, list[Meeting]] = {}
        by_month: dict[str, list[Meeting]] = {}
        said_by: dict[str, list[tuple[Meeting, Statement]]] = {}
        for meeting in meetings:
            if len(meeting.date) >= 7:
                by_month.setdefault(meeting.date[5:7], []).append(meeting)
            for person_id in dict.fromkeys(meeting.participants):
                by_person.setdefault(person_id, []).append(meeting)
            if meeting.event:
                by_event.setdefault(meeting.event, []).append(meeting)
            for statement in meeting.statements:
                said_by.setdefault(statement.speaker, []).append((meeting, statement))
        holders: dict[str, list[tuple[str, Person, Cite]]] = {}
        for person in kb.people.values():
            for holding in person.roles:
                holders.setdefault(holding.role, []).append(
                    (holding.as_of, person, holding.cite))
        return cls(
            meetings=meetings,
            dates=tuple(m.date for m in meetings),
            by_month={k: tuple(v) for k, v in by_month.items()},
            by_person={k: tuple(v) for k, v in by_person.items()},
            by_event={k: tuple(v) for k, v in by_event.items()},
            holders={k: tuple(sorted(v, key=lambda row: row[0], reverse=True))
                     for k, v in holders.items()},
            said_by={k: tuple(v) for k, v in said_by.items()})

    def meetings_of(self, people: Sequence[str]) -> list[Meeting]:
        """The meetings every one of ``people`` took part in, by date."""
        if not people:
            return list(self.meetings)
        lists = sorted((self.by_person.get(p, ()) for p in people), key=len)
        return [m for m in lists[0] if all(p in m.participants for p in people)]

    def meetings_in(self, period: str) -> Sequence[Meeting]:
        """The meetings in ``period`` (``2023``, ``2023-06``, ``2023-06-07`` or ``????-06``)."""
        if period.startswith("????-"):
            return self.by_month.get(period[5:7], ())
        start = bisect.bisect_left(self.dates, period)
        return self.meetings[start:bisect.bisect_left(self.dates, period + "\uffff", start)]

    def meetings_matching(self, people: Sequence[str], event: str | None,
                          period: str | None) -> list[Meeting]:
        """The meetings of all ``people``, at ``event``, in ``period`` (each optional), by date.

        Starts from the narrowest index, so a filter over a large knowledge base costs the
        size of its answer, not the number of meetings.
        """
        if people:
            found: Sequence[Meeting] = self.meetings_of(people)
        elif period:
            found = self.meetings_in(period)
            period = None
        elif event:
            found = self.by_event.get(event, ())
            event = None
        else:
            found = self.meetings
        return [m for m in found if (event is None or m.event == event)
                and (period is None or date_in(m.date, period))]


def date_in(value: str, period: str) -> bool:
    """True when the date ``value`` falls in ``period`` (a year, month or day)."""
    if period.startswith("????-"):
        return len(value) >= 7 and value[5:7] == period[5:7]
    return value.startswith(period)


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


def knowledge_files(directory: Path) -> list[Path]:
    """Return the YAML files served from ``directory``, in a stable order."""
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and
                  p.is_file())


def fingerprint(directory: Path) -> str:
    """Return a hash of every knowledge file and source text (for caches and reloads)."""
    digest = hashlib.blake2b(digest_size=16)
    if not directory.is_dir():
        return "missing"
    paths = knowledge_files(directory)
    for sub in ("sources", "messages"):
        folder = directory / sub
        if folder.is_dir():
            paths += sorted(p for p in folder.iterdir() if p.is_file())
    for path in paths:
        digest.update(str(path.relative_to(directory)).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def parse_file(path: Path, display: str) -> ParsedFile:
    """Parse one YAML file safely, raising KnowledgeError with file:line on any problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(
            [Problem(display, None, f"cannot read file: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise KnowledgeError([Problem(
            display, None,
            f"file is {len(raw) / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB: "
            "split it into several files")])
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
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
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
        # Other scalars, other safe types, and tags on the wrong kind of node: the safe
        # constructor builds them or raises a marked error ("expected a mapping node").
        return self.loader.construct_object(node, deep=True)

    def _problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.display, line, message))


def _validate(parsed: ParsedFile) -> tuple[KnowledgeFile | None, list[Problem]]:
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
        model = KnowledgeFile.model_fields[section].annotation
        entry_type = model.__args__[0] if model is not None else None  # list[X] -> X
        good = []
        for index, item in enumerate(items):
            try:
                good.append(entry_type.model_validate(item))  # type: ignore[union-attr]
            except ValidationError as exc:
                problems.extend(_problems(parsed, exc, (section, index)))
        kept[section] = good
        data[section] = []
    try:
        KnowledgeFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(_problems(parsed, exc, ()))
        return (_construct(kept) if kept else None), problems
    return _construct(kept), problems


def _construct(sections: dict[str, list[Any]]) -> KnowledgeFile:
    """A KnowledgeFile from entries that were each validated already."""
    model = KnowledgeFile.model_construct()
    for section in SECTIONS:
        object.__setattr__(model, section, sections.get(section, []))
    return model


def _problems(parsed: ParsedFile, exc: ValidationError, prefix: Path_) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = (*prefix, *err["loc"])
        where = ".".join(str(part) for part in loc)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
            if len(loc) == 1:
                message += f" (sections are: {', '.join(SECTIONS)})"
        elif err["type"] == "missing":
            message = f"missing required key {loc[-1]!r}"
        else:
            message = f"{where}: {message}"
            if "input" in err and not isinstance(err["input"], dict | list):
                message += f" (got {err['input']!r})"
        problems.append(Problem(parsed.name, parsed.line(loc), message))
    return problems


def cites_in(obj: Any, path: Path_ = ()) -> list[tuple[Path_, Cite]]:
    """Every citation inside the entry ``obj``, with its data path."""
    found: list[tuple[Path_, Cite]] = []
    _collect_cites(obj, path, found)
    return found


def _collect_cites(obj: Any, path: Path_, found: list[tuple[Path_, Cite]]) -> None:
    if isinstance(obj, Cite):
        found.append((path, obj))
    elif isinstance(obj, BaseModel):
        for name in _fields_with_models(type(obj)):
            value = getattr(obj, name)
            if value is not None:
                _collect_cites(value, (*path, name), found)
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            _collect_cites(item, (*path, index), found)
    elif isinstance(obj, Mapping):
        for key, item in obj.items():
            _collect_cites(item, (*path, str(key)), found)


@cache
def _fields_with_models(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` whose values can hold other models (and so citations)."""

    def holds_model(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return True
        return any(holds_model(arg) for arg in typing.get_args(annotation))

    return tuple(name for name, info in model.model_fields.items()
                 if holds_model(info.annotation))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building long-lived structures.

    Loading creates hundreds of thousands of objects that all stay alive; the collector
    would otherwise rescan them again and again (most of the load time of a large base).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load(directory: Path | str | None = None) -> KnowledgeBase:
    """Load and verify the knowledge base in ``directory``; raise KnowledgeError if broken."""
    with gc_paused():
        return _load(directory)


def _load(directory: Path | str | None) -> KnowledgeBase:
    root = Path(directory) if directory is not None else default_knowledge_dir()
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), None, "knowledge directory not found")])
    files = knowledge_files(root)
    if not files:
        raise KnowledgeError([Problem(str(root), None,
                                      "no knowledge files (*.yaml) in this directory")])
    stamp = fingerprint(root)
    problems: list[Problem] = []
    parsed_files: list[tuple[ParsedFile, KnowledgeFile]] = []
    declared: set[str] = set()
    for path in files:
        display = _display(path, root)
        try:
            parsed = parse_file(path, display)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            declared.update(_ids_in_text(path))
            continue
        declared.update(_ids_in_data(parsed.data))
        model, errs = _validate(parsed)
        problems.extend(errs)
        if model is not None:
            parsed_files.append((parsed, model))
    catalogs = load_catalogs(root / "messages", problems)
    kb = _assemble(root, parsed_files, problems, stamp, declared)
    return replace(kb, catalogs=MappingProxyType(catalogs))


_ID_LINE = re.compile(r"^\s*(?:-\s+)?id:\s*[\"']?([a-z0-9][a-z0-9_-]*)", re.MULTILINE)


def _ids_in_text(path: Path) -> set[str]:
    """Ids a file that does not parse appears to define (so they are not reported missing)."""
    try:
        return set(_ID_LINE.findall(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return set()


def _ids_in_data(data: dict[str, Any]) -> set[str]:
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
        display = _display(path, path.parent)
        try:
            parsed = parse_file(path, display)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            continue
        try:
            file = CatalogFile.model_validate(parsed.data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = tuple(err["loc"])
                problems.append(Problem(display, parsed.line(loc),
                                        f"{'.'.join(map(str, loc))}: {err['msg']}"))
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
    return catalogs


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _assemble(root: Path, parsed_files: list[tuple[ParsedFile, KnowledgeFile]],
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

    def ref(key: tuple[str, str], subpath: Path_, target: str, value: str | None) -> None:
        if value is None or value in tables[target] or value in declared:
            return
        parsed, path = origin[key]
        known = ", ".join(sorted(tables[target])[:8]) or "none defined"
        problems.append(Problem(parsed.name, parsed.line((*path, *subpath)),
                                f"unknown {target} id {value!r} (known: {known})"))

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
        for i, pid in enumerate(meeting.participants):
            ref(("meetings", mid), ("participants", i), "people", pid)
        for i, statement in enumerate(meeting.statements):
            ref(("meetings", mid), ("statements", i, "speaker"), "people", statement.speaker)
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
            text = file_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(Problem(parsed.name, parsed.line((*path, "file")),
                                    f"source file {meta.file!r} not found"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
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
                    f"{_shorten(value.quote)!r}"))

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
