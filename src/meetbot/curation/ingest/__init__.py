"""``meetbot ingest``: register a new source document and draft its YAML for a curator.

:func:`ingest` reads a UTF-8 text document, copies it byte for byte to
``knowledge/sources/<id>.txt``, registers it by appending an entry to
``knowledge/sources.yaml`` (the file's comments and layout are kept: text is appended, never
re-dumped, and the knowledge base must still load afterwards or nothing is changed), and writes
``knowledge/drafts/<id>.yaml``: people with their titles, roles, organisations and acronyms,
candidate meetings with topics and quoted statements, each carrying a ``cite`` whose quote was
verified against the document.

The extraction is deliberately simple and predictable - regular expressions and runs of
capitalised words, no network and no language model - and it leans towards missing things
rather than inventing them: a curator reviews every draft. Names are matched to the existing
knowledge base through the router's alias index (:class:`meetbot.nlu.router.Router`), so a known
person gets a ``# matches existing person <id>`` comment and a role-holding stub rather than a
duplicate entry. New entries get ``draft-`` ids, which cannot clash with curated ones.

Drafts are not served. :func:`check_drafts` (run by ``meetbot check``) validates every draft as
if it were merged into the knowledge base: schema, references, and quotes.
"""

from __future__ import annotations

import calendar
import itertools
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.schema import KnowledgeFile, unreal_date
from meetbot.errors import KnowledgeError, MeetbotError, Problem
from meetbot.files import MAX_FILE_BYTES, FileRefused, FileTooLarge, describe_size, read_regular
from meetbot.lang.normalize import normalize, squash_whitespace
from meetbot.nlu.router import Router
from meetbot.store import load
from meetbot.store.directory import knowledge_files
from meetbot.store.loader import (
    ParsedFile,
    assemble,
    display_name,
    ids_in_data,
    parse_file,
    validate_file,
)

DRAFT_PREFIX = "draft-"
"""Ids of new entries in a draft start with this (curated ids never do)."""
SOURCES_FILE = "sources.yaml"


# -- errors ------------------------------------------------------------------------------


class IngestError(MeetbotError):
    """The document could not be ingested."""

    def __init__(self, detail: str = "") -> None:
        message = " ".join((self.__doc__ or type(self).__name__).split())
        super().__init__(f"{message}: {detail}" if detail else message)


class DocumentUnreadable(IngestError):
    """cannot read the document"""


class DocumentNotText(IngestError):
    """the document is not UTF-8 text (convert it to plain UTF-8 text first)"""


class DocumentEmpty(IngestError):
    """the document has no text"""


class DocumentTooLarge(IngestError):
    """the document is too large (the limit is 5 MB)"""


class BadOption(IngestError):
    """invalid option"""


class NoDate(IngestError):
    """no date found in the document (pass --date YYYY-MM-DD)"""


class AlreadyRegistered(IngestError):
    """this document is already registered"""


class SourceFileExists(IngestError):
    """a different file already exists at the source path (pass --id to choose another id)"""


class DraftExists(IngestError):
    """a draft for this source id already exists (review or delete it, or pass --id)"""


class RegistrationFailed(IngestError):
    """registering the source would break the knowledge base, so nothing was changed"""


class DraftNotWritten(IngestError):
    """the source was registered, but its draft could not be written"""


# -- vocabulary --------------------------------------------------------------------------

TITLE_WORDS = frozenset("""
    minister president secretary general director representative commissioner ambassador
    chairperson chairperson-in-office chair chairman chairwoman head envoy coordinator deputy
    prime vice governor mayor speaker chancellor king queen prince senator adviser advisor
    spokesperson spokesman spokeswoman chief special high first executive permanent acting
    emir sultan premier leader officer secretary-general vice-president undersecretary
    under-secretary counsellor councillor consul attache attaché rapporteur
""".split())
"""Words that make a capitalised run a title ("Minister of Foreign Affairs", "Director")."""
TITLE_HEADS = frozenset("""
    minister president secretary director representative commissioner ambassador chairperson
    chairperson-in-office chair chairman chairwoman head envoy coordinator governor mayor
    speaker chancellor king queen prince senator adviser advisor spokesperson spokesman
    spokeswoman chief emir sultan premier leader officer secretary-general vice-president
    undersecretary under-secretary counsellor consul rapporteur
""".split())
"""Title words that can stand for their holder on their own ("the Minister said")."""
ORG_WORDS = frozenset("""
    organization organisation office ministry republic kingdom federation union council
    centre center institute institutions institution democratic human rights security
    co-operation cooperation europe european nations united national minorities freedom media
    forum international summit conference programme program mission secretariat affairs
    foreign government state states prevention conflict commission committee parliament
    assembly bank agency department embassy chairpersonship presidency declaration agenda
    world global regional economic development trade fund court emblem official website
    press service news agency university college school academy group party
""".split())
CAP_STOP = frozenset("""
    the a an during in at on as after before within this that these those it he she they we i
    our his her their its mr mrs ms dr go back print share read more also but and or however
    while when where what who which according following meanwhile today yesterday tomorrow
    there here both each all every other another some any many such said images image photo
    source sources note notes tags
""".split())
CONNECTORS = frozenset({"of", "the", "on", "for", "and", "in", "de", "du", "des", "von", "van",
                        "der", "da", "al", "el", "la", "le"})
MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTH_ABBR = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
WEEKDAYS = frozenset(name.lower() for name in calendar.day_name)
PRONOUNS = {"he": "male", "she": "female"}

_WORD_RE = re.compile(r"[^\W\d_](?:[\w'’\-]*[^\W_])?")
_POSSESSIVE_RE = re.compile(r"['’]s$")
_ACRONYM_GAP_RE = re.compile(r"^[ \t]*\(([A-Za-z]{2,10})\)[ \t]*$")
_SPACES_RE = re.compile(r"^[ \t]+$")
_MONTHS_ALT = "|".join(sorted((*MONTH_NAMES, *(f"{a}\\.?" for a in MONTH_ABBR if a != "may")),
                              key=len, reverse=True))
_DATE_RES = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    re.compile(rf"\b(?P<mon>{_MONTHS_ALT})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b",
               re.IGNORECASE),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTHS_ALT})\s*,?\s+"
               rf"(?P<y>\d{{4}})\b", re.IGNORECASE),
)
_QUOTE_RES = (re.compile(r'"([^"\n]+)"'), re.compile(r"“([^”\n]+)”"),
              re.compile(r"«([^»\n]+)»"), re.compile(r"„([^“”\n]+)[“”]"))
_MEET_RE = re.compile(r"\b(met with|meets with|met|meets|meeting with|held talks with|"
                      r"held a meeting with|held talks|had talks with|talks with|received)\b")
_TOPIC_RE = re.compile(r"\b(discussed|discuss|focused on|focussed on|talked about|addressed|"
                       r"exchanged views on|reviewed|touched upon|considered)\s+")
_TOPIC_TAIL_RE = re.compile(r"^\s*,?\s*(?:to discuss|on|about|regarding|concerning)\s+")
_TOPIC_LEAD_RE = re.compile(r"^(?:and\s+|the\s+issues?\s+(?:of|related\s+to)\s+|"
                            r"issues?\s+(?:of|related\s+to)\s+|questions?\s+of\s+|"
                            r"matters?\s+of\s+|prospects\s+for\s+)", re.IGNORECASE)
_SAY_RE = re.compile(r"\b(said|says|stated|states|noted|notes|added|adds|stressed|stresses|"
                     r"emphasi[sz]ed|underlined|remarked|declared|told|continued|concluded|"
                     r"explained|according to)\b", re.IGNORECASE)


# -- the document ------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A word of the document, with its span."""

    text: str
    start: int
    end: int
    possessive: bool

    @property
    def norm(self) -> str:
        """The word lower-cased."""
        return self.text.lower()

    @property
    def is_acronym(self) -> bool:
        """True for "OSCE", "ODIHR", "RFoM"."""
        upper = sum(1 for ch in self.text if ch.isupper())
        return upper >= 2 and len(self.text) <= 10 and upper * 2 >= len(self.text)

    @property
    def is_capitalised(self) -> bool:
        """True for "Minister", "Kassym-Jomart" (not for acronyms)."""
        return self.text[0].isupper() and not self.is_acronym


@dataclass(frozen=True)
class Span:
    """A verbatim stretch of the document."""

    start: int
    end: int


@dataclass
class DocPerson:
    """A person found in the document."""

    name: str
    name_span: Span
    title: str | None
    title_span: Span | None
    kb_id: str | None = None
    draft_id: str = ""
    role_id: str | None = None
    role_is_new: bool = False
    found_span: Span | None = None
    """Title and name as written together, e.g. "Secretary General Helga Schmid"."""

    @property
    def surname(self) -> str:
        """The last word of the name."""
        return self.name.split()[-1]

    @property
    def ref(self) -> str:
        """The id to use in references: the knowledge base's, or the draft's."""
        return self.kb_id or self.draft_id


@dataclass
class DocOrg:
    """An organisation written out with its acronym: "Full Name (ACR)"."""

    name: str
    acronym: str
    span: Span
    kb_id: str | None = None
    draft_id: str = ""
    parent: str | None = None


@dataclass
class DocRole:
    """A title not yet in the knowledge base."""

    draft_id: str
    name: str
    organization: str | None


@dataclass(frozen=True)
class Mention:
    """A reference to a person in the text (by name, surname, title or pronoun)."""

    start: int
    end: int
    person: DocPerson


@dataclass
class DocMeeting:
    """A candidate meeting."""

    participants: list[DocPerson]
    sentence: Span
    mentions: list[int] = field(default_factory=list)
    topics: list[Span] = field(default_factory=list)
    statements: list[tuple[DocPerson, Span, str]] = field(default_factory=list)
    draft_id: str = ""
    kb_match: str | None = None
    date: str = ""
    date_kind: str = "report"
    date_span: Span | None = None
    place: str | None = None
    place_span: Span | None = None


@dataclass(frozen=True)
class FoundDate:
    """A date and where the text states it."""

    value: str
    span: Span


class Document:
    """The text of a document, with its sentences and words."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.flat = squash_whitespace(text)
        self.tokens = [Token(_POSSESSIVE_RE.sub("", m.group()), m.start(),
                             m.end() - (2 if _POSSESSIVE_RE.search(m.group()) else 0),
                             bool(_POSSESSIVE_RE.search(m.group())))
                       for m in _WORD_RE.finditer(text)]
        self.words = [t for t in self.tokens
                      if not (text[t.start - 1:t.start] == "(" and text[t.end:t.end + 1] == ")")]
        """The words outside "(ACR)" parentheses, which belong to the gaps between words."""
        self.sentences = list(self._sentences())

    def _sentences(self) -> Iterable[Span]:
        offset = 0
        for line in self.text.splitlines(keepends=True):
            start = offset
            offset += len(line)
            body = line.rstrip()
            if not body.strip():
                continue
            lead = len(line) - len(line.lstrip())
            cursor = start + lead
            for match in re.finditer(r"(?<=[.!?])[\"”»’]?(?=\s+[\"“«A-Z0-9])", body):
                end = start + match.end()
                if self._abbreviation_before(start + match.start()):
                    continue
                yield Span(cursor, end)
                cursor = end
                while cursor < start + len(body) and self.text[cursor].isspace():
                    cursor += 1
            if cursor < start + len(body):
                yield Span(cursor, start + len(body))

    def _abbreviation_before(self, position: int) -> bool:
        word = re.search(r"(\S+)$", self.text[:position])
        return bool(word and word.group(1).lower().rstrip(".") in
                    {"mr", "mrs", "ms", "dr", "st", "no", "art", "para", "e.g", "i.e", "vs"})

    def at(self, span: Span) -> str:
        """The verbatim text of ``span``, whitespace collapsed."""
        return squash_whitespace(self.text[span.start:span.end])

    def sentence_of(self, position: int) -> Span:
        """The sentence containing ``position`` (or the nearest one before it)."""
        found = self.sentences[0] if self.sentences else Span(0, len(self.text))
        for sentence in self.sentences:
            if sentence.start <= position:
                found = sentence
            else:
                break
        return found

    def gap_ok(self, left: Token, right: Token) -> bool:
        """True when only spaces (and perhaps an "(ACR)") separate two words on a line."""
        gap = self.text[left.end:right.start]
        return bool(_SPACES_RE.match(gap) or _ACRONYM_GAP_RE.match(gap))

    def verify(self, quote: str) -> bool:
        """True when ``quote`` occurs in the text (whitespace-normalised)."""
        flat = squash_whitespace(quote)
        return bool(flat) and flat in self.flat


# -- public API --------------------------------------------------------------------------


def ingest(knowledge_dir: Path, file: Path, *, url: str, publisher: str,
           title: str | None = None, date: str | None = None,
           source_id: str | None = None) -> str:
    """Register ``file`` as a source of ``knowledge_dir`` and write its draft.

    Returns a summary for the curator. Raises an :class:`IngestError` (or a
    :class:`~meetbot.errors.KnowledgeError` when the knowledge base is already broken) before
    changing anything when the document or the options are unusable.
    """
    root = Path(knowledge_dir)
    file = Path(file)
    raw, text = _read_document(file)
    url = url.strip()
    if not re.fullmatch(r"https?://\S+", url):
        raise BadOption(f"--url must be an http(s) address without spaces (got {url!r})")
    publisher = squash_whitespace(publisher)
    if not publisher:
        raise BadOption("--publisher must not be empty")
    kb = load(root)
    doc = Document(text.removeprefix("\ufeff"))

    found_date = _first_date(doc)
    if date:
        published = _check_date(date)
    elif found_date is not None:
        published = found_date.value
    else:
        raise NoDate(str(file))
    title = squash_whitespace(title) if title else _find_title(doc, found_date)
    if not title:
        raise BadOption("no title found in the document; pass --title")
    sid = source_id.strip() if source_id else _source_id(title, published)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", sid) or len(sid) > 64:
        raise BadOption(f"--id must be lower-case letters, digits, '-' or '_' (at most 64), "
                        f"starting with a letter or digit (got {sid!r})")
    _refuse_duplicates(kb, root, raw, sid)
    source_rel = f"sources/{sid}.txt"
    source_path = root / source_rel
    draft_path = root / "drafts" / f"{sid}.yaml"
    if source_path.exists() and not _holds(source_path, raw):
        raise SourceFileExists(display_name(source_path, root))
    if draft_path.exists():
        raise DraftExists(display_name(draft_path, root))
    if not (root / SOURCES_FILE).exists() and any(
            p.name != SOURCES_FILE for p in knowledge_files(root) if _has_sources(p)):
        raise BadOption(f"this knowledge base registers its sources outside {SOURCES_FILE}; "
                        f"add the entry by hand")

    drafter = _Drafter(kb, doc, sid, published, found_date)
    draft_text = drafter.render(title=title)

    created_source = not source_path.exists()
    sources_yaml = root / SOURCES_FILE
    old_sources = sources_yaml.read_bytes() if sources_yaml.exists() else None
    entry = _source_entry(sid, title, publisher, url, published, _language(doc.text),
                          source_rel, draft_path.relative_to(root).as_posix())
    if created_source:
        _atomic_write(source_path, raw)
    try:
        new_sources, entry_line = _append_source(sources_yaml, old_sources, entry)
        _atomic_write(sources_yaml, new_sources)
        load(root)
    except (KnowledgeError, IngestError, OSError) as exc:
        if old_sources is None:
            sources_yaml.unlink(missing_ok=True)
        else:
            _atomic_write(sources_yaml, old_sources)
        if created_source:
            source_path.unlink(missing_ok=True)
        if isinstance(exc, KnowledgeError):
            raise RegistrationFailed("\n" + str(exc)) from None
        raise
    try:
        _atomic_write(draft_path, draft_text.encode("utf-8"))
    except OSError as exc:
        raise DraftNotWritten(f"{display_name(draft_path, root)}: {exc.strerror or exc}") from None
    problems = [p for p in check_drafts(root) if p.file == display_name(draft_path, root)]
    return drafter.summary(
        source=display_name(source_path, root), sources_yaml=display_name(sources_yaml, root),
        entry_line=entry_line, draft=display_name(draft_path, root), title=title,
        published=published, date_given=bool(date), nbytes=len(raw), problems=problems)


def check_drafts(knowledge_dir: Path) -> list[Problem]:
    """Validate every ``drafts/*.yaml`` as if merged with the served knowledge base.

    Each draft is checked on its own against the knowledge files (schema, unique ids,
    references to knowledge-base or draft ids, quotes verified against the registered
    sources). Returns the draft's problems, located ``file:line``; empty when all are valid.
    """
    root = Path(knowledge_dir)
    drafts_dir = root / "drafts"
    if not drafts_dir.is_dir():
        return []
    drafts = sorted(p for p in drafts_dir.iterdir()
                    if p.suffix in (".yaml", ".yml") and p.is_file())
    if not drafts:
        return []
    base: list[tuple[ParsedFile, KnowledgeFile]] = []
    declared: set[str] = set()
    for path in knowledge_files(root):
        try:
            parsed = parse_file(path, display_name(path, root))
        except KnowledgeError:
            continue  # reported by load(); the draft is checked against the rest
        declared.update(ids_in_data(parsed.data))
        model, _errors = validate_file(parsed)
        if model is not None:
            base.append((parsed, model))
    problems: list[Problem] = []
    for path in drafts:
        display = display_name(path, root)
        try:
            parsed = parse_file(path, display)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            continue
        model, errors = validate_file(parsed)
        problems.extend(errors)
        if model is None:
            continue
        found: list[Problem] = []
        try:
            assemble(root, [*base, (parsed, model)], found, "draft-check",
                      declared | ids_in_data(parsed.data))
        except KnowledgeError as exc:
            found = exc.problems
        problems.extend(p for p in found if p.file == display)
    return problems


# -- reading and registering -------------------------------------------------------------


def _read_document(file: Path) -> tuple[bytes, str]:
    try:
        raw = read_regular(file, MAX_FILE_BYTES)
    except FileTooLarge as exc:
        raise DocumentTooLarge(f"{file} is {describe_size(exc.size, exc.limit)}") from None
    except FileRefused as exc:
        raise DocumentUnreadable(f"{file}: {exc}") from None
    except OSError as exc:
        raise DocumentUnreadable(f"{file}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentNotText(f"{file}:{line}: byte 0x{raw[exc.start]:02x}") from None
    if "\x00" in text:
        raise DocumentNotText(f"{file} contains NUL bytes")
    if not text.strip():
        raise DocumentEmpty(str(file))
    return raw, text


def _check_date(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise BadOption(f"--date must be YYYY-MM-DD (or YYYY-MM, YYYY); got {value!r}")
    problem = unreal_date(value)
    if problem is not None:
        raise BadOption(f"--date {problem}")
    return value


def _holds(path: Path, raw: bytes) -> bool:
    """Whether ``path`` is a regular file whose bytes are ``raw``."""
    try:
        return read_regular(path, len(raw)) == raw
    except (OSError, FileRefused):
        return False


def _refuse_duplicates(kb: KnowledgeBase, root: Path, raw: bytes, sid: str) -> None:
    for other_id, doc in kb.sources.items():
        where = kb.where("sources", other_id)
        located = f"{where.file}:{where.line}" if where.line else where.file
        if _holds(root / doc.meta.file, raw):
            raise AlreadyRegistered(
                f"it is source {other_id!r} ({located}); to ingest it again, remove that "
                f"entry, {doc.meta.file} and drafts/{other_id}.yaml first")
        if other_id == sid:
            raise AlreadyRegistered(
                f"source id {sid!r} is taken ({located}) by a different document; pass --id "
                "to choose another id")


def _has_sources(path: Path) -> bool:
    try:
        return bool(re.search(r"(?m)^sources\s*:", path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def _source_entry(sid: str, title: str, publisher: str, url: str, published: str,
                  language: str, file: str, draft: str) -> list[str]:
    today = datetime.now(UTC).date().isoformat()
    return [f"- id: {sid}",
            f"  title: {_q(title)}",
            f"  publisher: {_q(publisher)}",
            f"  url: {_q(url)}",
            f"  published: {_q(published)}",
            f"  language: {language}",
            f"  file: {file}",
            f"  note: {_q(f'Registered by meetbot ingest on {today}; draft: {draft}.')}"]


def _append_source(path: Path, old: bytes | None, entry: list[str]) -> tuple[bytes, int]:
    """Return the new text of ``sources.yaml`` with ``entry`` added, and the entry's line.

    The entry is appended as text at the end of the ``sources:`` list (before the next
    top-level section, if any), indented like the existing entries; nothing else changes.
    """
    if old is None:
        return ("\n".join(["sources:", *(f"  {line}" for line in entry)]) + "\n").encode(), 2
    try:
        text = old.decode("utf-8")
    except UnicodeDecodeError:
        raise RegistrationFailed(f"{path} is not valid UTF-8") from None
    node = _sources_node(text, path)
    if node is None:
        block = ["", "sources:", *(f"  {line}" for line in entry)]
        insert_at = None
    elif not isinstance(node, yaml.SequenceNode) or (node.flow_style and node.value):
        raise RegistrationFailed(f"{path}: 'sources' is not a block list; add the entry by "
                                 "hand")
    elif node.flow_style:  # "sources: []"
        raise RegistrationFailed(f"{path}: 'sources: []' is empty; replace it by 'sources:' "
                                 "and run ingest again")
    else:
        indent = " " * node.start_mark.column
        block = ["", *(f"{indent}{line}" for line in entry)]
        insert_at = _section_end(text, node)
    lines = text.split("\n")
    first = block.index(next(line for line in block if line.strip().startswith("- id:")))
    if insert_at is None:
        head = text.rstrip("\n").split("\n")
        return ("\n".join([*head, *block]) + "\n").encode(), len(head) + first + 1
    head = lines[:insert_at]
    while head and not head[-1].strip():
        head.pop()
    new = "\n".join([*head, *block, "", *lines[insert_at:]])
    return new.encode(), len(head) + first + 1


def _sources_node(text: str, path: Path) -> yaml.Node | None:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise RegistrationFailed(f"{path} is not valid YAML: {exc}") from None
    if root is None:
        return None
    if not isinstance(root, yaml.MappingNode):
        raise RegistrationFailed(f"{path} is not a mapping of sections")
    for key, value in root.value:
        if key.value == "sources":
            found: yaml.Node = value
            return found
    return None


def _section_end(text: str, node: yaml.Node) -> int | None:
    """The line index of the first top-level key after ``node``, or None if it is last."""
    lines = text.split("\n")
    for index in range(node.end_mark.line, len(lines)):
        line = lines[index]
        if index == node.end_mark.line and node.end_mark.column > 0:
            continue
        if line and not line[0].isspace() and not line.startswith("#"):
            # step back over the comments that introduce the next section
            while index > 0 and lines[index - 1].startswith("#"):
                index -= 1
            return index
    return None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _language(text: str) -> str:
    letters = [ch for ch in text if ch.isalpha()]
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    return "ru" if letters and cyrillic * 2 > len(letters) else "en"


# -- title, date, id ---------------------------------------------------------------------


def _first_date(doc: Document) -> FoundDate | None:
    found: list[tuple[int, FoundDate]] = []
    for pattern in _DATE_RES:
        for match in pattern.finditer(doc.text):
            value = _date_value(match)
            if value:
                found.append((match.start(), FoundDate(value, Span(match.start(),
                                                                   match.end()))))
                break
    return min(found, key=lambda item: item[0])[1] if found else None


def _date_value(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    try:
        year = int(groups["y"])
        day = int(groups["d"])
        if groups.get("m"):
            month = int(groups["m"])
        else:
            name = groups["mon"].lower().rstrip(".")
            month = MONTH_NAMES.get(name) or MONTH_ABBR.get(name[:3]) or 0
        return date(year, month, day).isoformat()
    except (ValueError, TypeError):
        return None


def _find_title(doc: Document, found_date: FoundDate | None) -> str:
    """The headline: a substantial line (before the date line when there is one)."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in doc.text.splitlines(keepends=True):
        lines.append((offset, line.strip()))
        offset += len(line)
    counts: dict[str, int] = {}
    for _, line in lines:
        counts[line] = counts.get(line, 0) + 1

    def substantial(line: str) -> bool:
        words = line.split()
        return (4 <= len(words) <= 30 and 20 <= len(line) <= 200 and counts[line] == 1
                and line[-1] not in ".:;,!?" and line[0].isupper()
                and "test data" not in line.lower())

    dated = found_date.span if found_date is not None else None
    candidates = [(start, line) for start, line in lines if line and substantial(line)
                  and not (dated and start <= dated.start < start + len(line) + 1)]
    if found_date is not None:
        before = [c for c in candidates if c[0] < found_date.span.start]
        if before:
            return squash_whitespace(before[-1][1])
    if candidates:
        return squash_whitespace(candidates[0][1])
    for sentence in doc.sentences:
        text = doc.at(sentence)
        if dated and sentence.start <= dated.start < sentence.end:
            continue
        if len(text.split()) >= 4 and "test data" not in text.lower():
            return _shorten_words(text.rstrip("."), 120)
    return ""


def _shorten_words(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _slug(text: str, words: int = 5, limit: int = 40) -> str:
    stop = CONNECTORS | CAP_STOP | {"with", "meets", "met", "holds", "and", "to", "a"}
    kept = [w for w in normalize(text).split() if w not in stop] or normalize(text).split()
    slug = ""
    for word in kept[:words]:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug


def _source_id(title: str, published: str) -> str:
    return f"{_slug(title, 4) or 'source'}-{published}"


def _q(text: str) -> str:
    """A double-quoted YAML scalar on one line."""
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=2**31 - 1)
    return dumped.strip().removesuffix("...").strip()


# -- extraction --------------------------------------------------------------------------


class _Drafter:
    """Finds people, organisations, meetings and statements, and writes the draft."""

    def __init__(self, kb: KnowledgeBase, doc: Document, source_id: str, published: str,
                 found_date: FoundDate | None) -> None:
        self.kb = kb
        self.doc = doc
        self.source_id = source_id
        self.published = published
        self.found_date = found_date if found_date and found_date.value == published else None
        self.router = Router(kb)
        self.used_ids: set[str] = {i for table in (kb.people, kb.roles, kb.organizations,
                                                   kb.meetings, kb.events) for i in table}
        self.orgs = self._find_orgs()
        self.people: list[DocPerson] = []
        self.roles: list[DocRole] = []
        self.mentions: list[Mention] = []
        self._find_people()
        self._find_mentions()
        self.meetings: list[DocMeeting] = []
        self._find_meetings()
        self._find_topics()
        self.loose_statements: list[tuple[DocPerson | None, Span, str]] = []
        self._find_statements()
        self.dropped = 0
        self.events = self._find_events()

    # -- ids ---------------------------------------------------------------------------
    def _new_id(self, *parts: str) -> str:
        base = DRAFT_PREFIX + "-".join(p for p in (_slug(p, 8, 50) for p in parts) if p)
        base = base[:60].rstrip("-") or f"{DRAFT_PREFIX}entry"
        candidate, number = base, 2
        while candidate in self.used_ids:
            candidate = f"{base}-{number}"
            number += 1
        self.used_ids.add(candidate)
        return candidate

    def _alias(self, text: str, kind: str) -> str | None:
        targets = self.router.lexicon.aliases.get(normalize(text), [])
        return next((entry_id for k, entry_id in targets if k == kind), None)

    def _linked(self, text: str, kind: str, *, whole: bool = True) -> str | None:
        """The entry of ``kind`` the router links ``text`` to (all of it, if ``whole``)."""
        exact = self._alias(text, kind)
        if exact:
            return exact
        words = normalize(text).split()
        if not words:
            return None
        for mention in self.router.linker.link(words, quotes=False):
            if mention.kind != kind:
                continue
            if not whole or (mention.start == 0 and mention.end == len(words)):
                return mention.id
        return None

    # -- organisations -----------------------------------------------------------------
    def _find_orgs(self) -> list[DocOrg]:
        orgs: list[DocOrg] = []
        seen: set[str] = set()
        for match in re.finditer(r"\(([A-Za-z]{2,10})\)", self.doc.text):
            acronym = match.group(1)
            if sum(1 for ch in acronym if ch.isupper()) < 2:
                continue
            found = self._expand_acronym(acronym, match.start())
            if found is None:
                continue
            start, name_start = found
            name = self.doc.at(Span(name_start, match.start()))
            if normalize(name) in seen:
                continue
            seen.add(normalize(name))
            org = DocOrg(name, acronym, Span(start, match.end()))
            org.kb_id = (self._alias(name, "org") or self._alias(acronym, "org")
                         or self._linked(name, "org"))
            prefix = self.doc.at(Span(start, name_start))
            if prefix:
                org.parent = self._alias(prefix, "org")
                org.name = f"{prefix} {name}"
            orgs.append(org)
        for org in orgs:
            if org.kb_id is None:
                org.draft_id = self._new_id(org.acronym)
        return orgs

    def _expand_acronym(self, acronym: str, paren: int) -> tuple[int, int] | None:
        """Where "Full Name" (and a known-organisation prefix) start before "(ACR)"."""
        words = [t for t in self.doc.words if t.end <= paren]
        letters = [ch for ch in acronym if ch.isupper()]
        index = len(words) - 1
        position = paren
        name_start: int | None = None
        while index >= 0 and letters:
            token = words[index]
            gap = self.doc.text[token.end:position]
            if gap.strip() or "\n" in gap:
                return None
            if token.norm in CONNECTORS and token.text.islower():
                position = token.start
                index -= 1
                continue
            if not token.text[0].isupper():
                return None
            if token.text[0].upper() != letters[-1]:
                if token.is_acronym and token.text.upper() == "".join(letters[-len(token.text):]):
                    del letters[-len(token.text):]
                else:
                    return None
            else:
                letters.pop()
            name_start = token.start
            position = token.start
            index -= 1
        if letters or name_start is None:
            return None
        start = name_start
        if index >= 0:
            token = words[index]
            gap = self.doc.text[token.end:name_start]
            if _SPACES_RE.match(gap) and token.is_acronym and self._alias(token.text, "org"):
                start = token.start
        return start, name_start

    # -- people ------------------------------------------------------------------------
    def _name_like(self, token: Token) -> bool:
        norm = token.norm
        if not token.is_capitalised or len(token.text) < 2:
            return False
        if norm in TITLE_WORDS or norm in ORG_WORDS or norm in CAP_STOP or norm in WEEKDAYS:
            return False
        if norm in MONTH_NAMES:
            return False
        targets = self.router.lexicon.aliases.get(normalize(token.text), [])
        return not any(kind in ("org", "role", "event") for kind, _ in targets)

    def _find_people(self) -> None:
        tokens = self.doc.words
        by_name: dict[str, DocPerson] = {}
        i = 0
        while i < len(tokens):
            if not self._name_like(tokens[i]):
                i += 1
                continue
            j = i
            while (j + 1 < len(tokens) and not tokens[j].possessive
                   and self._spaces(tokens[j], tokens[j + 1])
                   and self._name_like(tokens[j + 1])):
                j += 1
            run = tokens[i:j + 1]
            i = j + 1
            if len(run) >= 2 and self._after_connector(run[0]):
                run = run[1:]
            if len(run) > 3:
                run = run[-3:]
            name = " ".join(t.text for t in run)
            kb_id = self._person_alias(name)
            title_span = self._title_before(run[0]) or self._title_after(run[-1])
            if len(run) == 1 and kb_id is None:
                continue
            if title_span is None and kb_id is None:
                continue
            key = kb_id or normalize(name)
            person = by_name.get(key)
            if person is None:
                for other in by_name.values():
                    if normalize(other.surname) == normalize(run[-1].text) and len(run) == 1:
                        person = other
                if person is None:
                    person = DocPerson(name, Span(run[0].start, run[-1].end), None, None,
                                       kb_id=kb_id)
                    by_name[key] = person
                    self.people.append(person)
            if len(run) > len(person.name.split()):
                person.name, person.name_span = name, Span(run[0].start, run[-1].end)
            if title_span is not None:
                title = self._title_text(title_span)
                if person.title is None or len(title) > len(person.title):
                    person.title, person.title_span = title, title_span
                    person.found_span = Span(min(title_span.start, run[0].start),
                                             max(title_span.end, run[-1].end))
        for person in self.people:
            self._resolve_role(person)
            if person.kb_id is None:
                person.draft_id = self._new_id(person.surname)

    def _spaces(self, left: Token, right: Token) -> bool:
        return bool(_SPACES_RE.match(self.doc.text[left.end:right.start]))

    def _after_connector(self, token: Token) -> bool:
        before = [t for t in self.doc.words if t.end <= token.start]
        return bool(before) and before[-1].norm in CONNECTORS and self._spaces(before[-1], token)

    def _person_alias(self, name: str) -> str | None:
        exact = self._alias(name, "person")
        if exact:
            return exact
        words = normalize(name).split()
        if len(words) < 2:
            return None
        return self._linked(name, "person")

    def _title_before(self, first: Token) -> Span | None:
        """The title written right before a name ("Secretary General" Helga Schmid)."""
        tokens = [t for t in self.doc.words if t.end <= first.start]
        position = first.start
        start: int | None = None
        has_title = False
        for count, token in enumerate(reversed(tokens)):
            gap = self.doc.text[token.end:position]
            if not (_SPACES_RE.match(gap) or _ACRONYM_GAP_RE.match(gap)):
                break
            lowered = token.text.islower()
            if lowered and token.norm not in CONNECTORS:
                break
            if not lowered and not (token.is_capitalised or token.is_acronym):
                break
            if token.possessive or count >= 16:
                break
            if token.norm in CAP_STOP and not lowered:
                break
            if token.norm in TITLE_WORDS:
                has_title = True
            position = token.start
            if not lowered:
                start = token.start
        if start is None or not has_title:
            return None
        return Span(start, self._title_end(start, first.start))

    def _title_after(self, last: Token) -> Span | None:
        """An appositive title: "Tomas Lindgren, Director of the Centre"."""
        after = self.doc.text[last.end:last.end + 3]
        if not after.startswith(", "):
            return None
        tokens = [t for t in self.doc.words if t.start >= last.end + 2][:16]
        if not tokens or tokens[0].norm not in TITLE_WORDS or not tokens[0].text[0].isupper():
            return None
        end = tokens[0].end
        for prev, token in itertools.pairwise(tokens):
            if not self.doc.gap_ok(prev, token):
                break
            if token.text.islower() and token.norm not in CONNECTORS:
                break
            end = token.end
        while True:
            tail = self.doc.text[tokens[0].start:end].split()
            if tail and tail[-1].lower() in CONNECTORS:
                end = tokens[0].start + self.doc.text[tokens[0].start:end].rfind(" ")
                continue
            break
        acronym = re.match(r"[ \t]*\([A-Za-z]{2,10}\)", self.doc.text[end:])
        if acronym:
            end += acronym.end()
        return Span(tokens[0].start, end)

    def _title_end(self, start: int, name_start: int) -> int:
        end = name_start
        while end > start and self.doc.text[end - 1].isspace():
            end -= 1
        return end

    def _title_text(self, span: Span) -> str:
        text = self.doc.at(span)
        text = re.sub(r"\s*\([A-Za-z]{2,10}\)", "", text)
        words = text.split()
        while words and (words[0].lower() in CONNECTORS or words[0].lower() in CAP_STOP):
            words.pop(0)
        return " ".join(words)

    def _resolve_role(self, person: DocPerson) -> None:
        if not person.title:
            return
        title = person.title
        role = self._linked(title, "role")
        if role is None and person.kb_id:
            wanted = set(normalize(title).split()) - CONNECTORS
            for holding in self.kb.people[person.kb_id].roles:
                known = self.kb.roles.get(holding.role)
                if known is None:
                    continue
                names = [known.name, *known.aliases]
                if any(wanted <= set(normalize(n).split()) for n in names):
                    role = holding.role
                    break
        if role is not None:
            person.role_id = role
            return
        existing = next((r for r in self.roles if normalize(r.name) == normalize(title)), None)
        if existing is None:
            existing = DocRole(self._new_id(title), title, self._role_org(title, person))
            self.roles.append(existing)
        person.role_id = existing.draft_id
        person.role_is_new = True

    def _role_org(self, title: str, person: DocPerson) -> str | None:
        span = person.title_span
        if span is not None:
            for org in self.orgs:
                if span.start <= org.span.start and org.span.end <= span.end + 1:
                    return org.kb_id or org.draft_id
        named = [org for org in self.orgs
                 if f" {normalize(org.name)} " in f" {normalize(title)} "]
        if named:
            best = max(named, key=lambda org: len(org.name))
            return best.kb_id or best.draft_id
        words = normalize(title).split()
        orgs = [m for m in self.router.linker.link(words, quotes=False, fuzzy=False)
                if m.kind == "org"]
        if orgs:
            return max(orgs, key=lambda m: m.end - m.start).id
        return None

    # -- mentions ----------------------------------------------------------------------
    def _find_mentions(self) -> None:
        """Every place a found person is referred to: name, surname, title or alias."""
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []

        def add(start: int, end: int, person: DocPerson) -> None:
            if any(start < e and s < end for s, e in taken):
                return
            taken.append((start, end))
            found.append(Mention(start, end, person))

        by_surname: dict[str, list[DocPerson]] = {}
        for person in self.people:
            by_surname.setdefault(normalize(person.surname), []).append(person)
        by_kb = {p.kb_id: p for p in self.people if p.kb_id}
        tokens = self.doc.words
        for index, token in enumerate(tokens):
            if not token.text[0].isupper():
                continue
            for size in (3, 2):
                run = tokens[index:index + size]
                if len(run) < size or not all(self._spaces(a, b)
                                               for a, b in itertools.pairwise(run)):
                    continue
                name = " ".join(t.text for t in run)
                hit = next((p for p in self.people if normalize(p.name) == normalize(name)),
                           None)
                kb_id = None if hit else self._alias(name, "person")
                hit = hit or (by_kb.get(kb_id) if kb_id else None)
                if hit is not None:
                    add(run[0].start, run[-1].end, hit)
            candidates = by_surname.get(normalize(token.text), [])
            if len(candidates) == 1:
                add(token.start, token.end, candidates[0])
                continue
            kb_id = self._alias(token.text, "person")
            if kb_id in by_kb:
                add(token.start, token.end, by_kb[kb_id])
        for start, end, person in self._title_references():
            add(start, end, person)
        found.sort(key=lambda m: m.start)
        self.mentions = found

    def _title_references(self) -> list[tuple[int, int, DocPerson]]:
        """"the Minister", "the Head of the OSCE", "Kazakh leader": titles standing alone."""
        out: list[tuple[int, int, DocPerson]] = []
        words = self.doc.words
        index = 0
        while index < len(words):
            token = words[index]
            if token.norm not in TITLE_HEADS or not token.text[0].isupper():
                index += 1
                continue
            start = index
            while start > 0 and self.doc.gap_ok(words[start - 1], words[start]) and (
                    words[start - 1].is_capitalised or words[start - 1].is_acronym) and \
                    words[start - 1].norm not in CAP_STOP and \
                    not self._name_like(words[start - 1]):
                start -= 1
            end = index
            while end + 1 < len(words) and self.doc.gap_ok(words[end], words[end + 1]) and (
                    words[end + 1].norm in CONNECTORS or words[end + 1].is_acronym
                    or words[end + 1].norm in TITLE_WORDS or words[end + 1].norm in ORG_WORDS):
                end += 1
            while end > index and words[end].norm in CONNECTORS:
                end -= 1
            index = end + 1
            following = words[end + 1] if end + 1 < len(words) else None
            if following is not None and self.doc.gap_ok(words[end], following) and (
                    self._name_like(following) or following.norm in CONNECTORS):
                continue  # a title followed by a name: the name is the mention
            phrase = " ".join(t.text for t in words[start:end + 1])
            person = self._holder(phrase)
            if person is not None:
                out.append((words[start].start, words[end].end, person))
        return out

    def _holder(self, phrase: str) -> DocPerson | None:
        """The found person a bare title refers to, when exactly one fits."""
        role = self._linked(phrase, "role")
        if role is not None:
            holders = [p for p in self.people if p.role_id == role]
            if len(holders) == 1:
                return holders[0]
        heads = {w for w in normalize(phrase).split() if w in TITLE_HEADS}
        if not heads:
            return None
        fitting = [p for p in self.people
                   if p.title and heads <= set(normalize(p.title).split())]
        if len(fitting) == 1:
            return fitting[0]
        return None

    def _mentions_in(self, start: int, end: int) -> list[Mention]:
        return [m for m in self.mentions if m.start >= start and m.end <= end]

    # -- meetings ----------------------------------------------------------------------
    def _find_meetings(self) -> None:
        by_key: dict[frozenset[str], DocMeeting] = {}
        for sentence in self.doc.sentences:
            text = self.doc.text[sentence.start:sentence.end]
            verb = _MEET_RE.search(text)
            if verb is None:
                continue
            mentions = self._mentions_in(sentence.start, sentence.end)
            if not mentions:
                continue
            pivot = sentence.start + verb.start()
            subject = _unique(m.person for m in mentions if m.end <= pivot)
            objects = _unique(m.person for m in mentions if m.start >= pivot)
            if verb.group(1) in ("meeting with",) or not subject:
                groups = [_unique([*subject, *objects])]
            else:
                groups = [_unique([*subject, other]) for other in objects
                          if other not in subject]
            for people in groups:
                if len(people) < 2:
                    continue
                key = frozenset(p.ref for p in people)
                meeting = by_key.get(key)
                if meeting is None:
                    meeting = DocMeeting(people, sentence)
                    by_key[key] = meeting
                    self.meetings.append(meeting)
                meeting.mentions.append(sentence.start)
                if meeting.sentence != sentence and self._better_summary(sentence,
                                                                         meeting.sentence):
                    meeting.sentence = sentence
                last = max(m.end for m in mentions)
                head = _TOPIC_TAIL_RE.match(self.doc.text[last:sentence.end])
                if people[-1] in objects and head is not None:
                    self._add_topics(meeting, last + head.end(), sentence.end)
        for meeting in self.meetings:
            self._date_meeting(meeting)
            self._place_meeting(meeting)
            names = [p.ref.removeprefix(DRAFT_PREFIX) for p in meeting.participants]
            year = meeting.date[:4]
            meeting.kb_match = self._kb_meeting(meeting)
            meeting.draft_id = self._new_id("-".join(names[:3]), year)

    def _better_summary(self, new: Span, old: Span) -> bool:
        """Prefer a full sentence (ending with a full stop) to a headline."""
        def full(span: Span) -> bool:
            return self.doc.at(span).endswith((".", "!", "?"))

        return full(new) and not full(old)

    def _date_meeting(self, meeting: DocMeeting) -> None:
        text = self.doc.text[meeting.sentence.start:meeting.sentence.end]
        for pattern in _DATE_RES:
            for match in pattern.finditer(text):
                value = _date_value(match)
                before = text[:match.start()].rstrip().lower()
                if value and (before.endswith(" on") or before.endswith(" held on")):
                    meeting.date, meeting.date_kind = value, "meeting"
                    meeting.date_span = Span(meeting.sentence.start + match.start(),
                                             meeting.sentence.start + match.end())
                    return
        meeting.date = self.published
        meeting.date_kind = "report"
        if self.found_date is not None:
            meeting.date_span = self.found_date.span

    def _place_meeting(self, meeting: DocMeeting) -> None:
        """A dateline ("Vienna, 14 March 2026 - ...") names where the report was written."""
        text = self.doc.text[meeting.sentence.start:meeting.sentence.end]
        head = re.match(r"([A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?),\s+", text)
        if head is None:
            return
        rest = text[head.end():]
        for pattern in _DATE_RES:
            match = pattern.match(rest)
            if match is not None and not self._name_like_text(head.group(1)):
                continue
            if match is not None:
                meeting.place = head.group(1)
                meeting.place_span = Span(meeting.sentence.start,
                                          meeting.sentence.start + head.end() + match.end())
                return

    def _name_like_text(self, text: str) -> bool:
        words = [t for t in Document(text).tokens]
        return bool(words) and all(self._name_like(t) for t in words)

    def _kb_meeting(self, meeting: DocMeeting) -> str | None:
        wanted = {p.ref for p in meeting.participants}
        for known in self.kb.meetings.values():
            if set(known.participants) == wanted and known.date[:7] == meeting.date[:7]:
                return known.id
        return None

    def _find_topics(self) -> None:
        for sentence in self.doc.sentences:
            text = self.doc.text[sentence.start:sentence.end]
            match = _TOPIC_RE.search(text)
            if match is None or text[match.end():].lstrip().startswith('"'):
                continue
            targets = self._meetings_for(sentence)
            if not targets:
                continue
            for meeting in targets:
                if meeting.sentence == sentence and meeting.topics:
                    continue
                self._add_topics(meeting, sentence.start + match.end(), sentence.end)

    def _meetings_for(self, sentence: Span) -> list[DocMeeting]:
        mentioned = {m.person.ref for m in self._mentions_in(sentence.start, sentence.end)}
        if mentioned:
            both = [m for m in self.meetings if mentioned <= {p.ref for p in m.participants}]
            if both:
                return both[:1] if len(both) > 1 and len(mentioned) == 1 else both
            common = {ref for ref in mentioned
                      if all(ref in {p.ref for p in m.participants} for m in self.meetings)}
            return [m for m in self.meetings
                    if (mentioned - common) & {p.ref for p in m.participants}]
        latest: list[tuple[int, DocMeeting]] = [
            (max(p for p in m.mentions if p <= sentence.start), m) for m in self.meetings
            if any(p <= sentence.start for p in m.mentions)]
        return [max(latest, key=lambda item: item[0])[1]] if latest else []

    def _add_topics(self, meeting: DocMeeting, start: int, end: int) -> None:
        text = self.doc.text[start:end]
        stripped = text.rstrip().rstrip(".;:!").rstrip()
        # a list introduced by a dash or colon ("three dimensions - a, b, and c") stays whole
        intro = re.search(r"\s[-–—]\s|:\s", stripped)
        limit = intro.start() if intro else len(stripped)
        pieces: list[tuple[int, int]] = []
        cursor = 0
        for match in re.finditer(r",\s+(?:and\s+)?|;\s+", stripped[:limit]):
            pieces.append((cursor, match.start()))
            cursor = match.end()
        pieces.append((cursor, len(stripped)))
        if len(pieces) > 1 and any(len(stripped[a:b].split()) < 2 for a, b in pieces):
            pieces = [(0, len(stripped))]
        for a, b in pieces:
            piece = stripped[a:b]
            lead = _TOPIC_LEAD_RE.match(piece)
            offset = lead.end() if lead else 0
            piece_start = start + a + offset
            piece_end = start + b
            if len(self.doc.at(Span(piece_start, piece_end)).split()) < 2:
                continue
            span = Span(piece_start, piece_end)
            if all(self.doc.at(span) != self.doc.at(t) for t in meeting.topics):
                meeting.topics.append(span)

    # -- statements --------------------------------------------------------------------
    def _quotes(self) -> list[tuple[Span, Span]]:
        """(quote, attribution) spans: quoted text and the rest of its sentence."""
        out: list[tuple[Span, Span]] = []
        for pattern in _QUOTE_RES:
            for match in pattern.finditer(self.doc.text):
                inner = Span(match.start(1), match.end(1))
                out.append((inner, self._attribution(match.start(), match.end())))
        # a closing quotation mark whose opening one is missing: quote from the paragraph start
        for match in re.finditer(r'(?m)^([^"\n]+[,.!?])"([^"\n]*)$', self.doc.text):
            inner = Span(match.start(1), match.end(1))
            if any(s.start <= inner.start < s.end for s, _ in out):
                continue
            if _SAY_RE.search(match.group(2)):
                out.append((inner, self._attribution(match.start(1), match.end(1) + 1)))
        cleaned: list[tuple[Span, Span]] = []
        for inner, attribution in sorted(out, key=lambda item: item[0].start):
            text = self.doc.text[inner.start:inner.end]
            trimmed = text.rstrip().rstrip(",").rstrip()
            span = Span(inner.start + (len(text) - len(text.lstrip())),
                        inner.start + len(trimmed))
            if len(self.doc.at(span).split()) >= 4:
                cleaned.append((span, attribution))
        return cleaned

    def _attribution(self, quote_start: int, quote_end: int) -> Span:
        """The words around a quotation in its sentence ("..., the President said.")."""
        line_start = self.doc.text.rfind("\n", 0, quote_start) + 1
        line_end = self.doc.text.find("\n", quote_end)
        line_end = len(self.doc.text) if line_end < 0 else line_end
        after = self.doc.text[quote_end:line_end]
        stop = re.search(r"[.!?](?:\s|$)", after)
        end = quote_end + (stop.end() if stop else len(after))
        before = self.doc.text[line_start:quote_start]
        colon = re.search(r"[^.!?]*$", before)
        start = line_start + (colon.start() if colon else len(before))
        return Span(start, end)

    def _find_statements(self) -> None:
        for quote, attribution in self._quotes():
            speaker, how = self._speaker(quote, attribution)
            meeting = self._meeting_of(speaker, quote.start) if speaker else None
            if speaker is not None and meeting is not None:
                meeting.statements.append((speaker, quote, how))
            else:
                self.loose_statements.append((speaker, quote, how))

    def _speaker(self, quote: Span, attribution: Span) -> tuple[DocPerson | None, str]:
        around = [m for m in self._mentions_in(attribution.start, attribution.end)
                  if not (quote.start <= m.start < quote.end)]
        if around:
            after = [m for m in around if m.start >= quote.end]
            mention = (after or around)[0]
            said = self.doc.at(Span(mention.start, mention.end))
            return mention.person, f"attributed to {said!r}"
        tail = self.doc.text[quote.end:attribution.end].lower()
        head = self.doc.text[attribution.start:quote.start].lower()
        pronoun = re.search(r"\b(he|she)\b", f"{head} {tail}")
        if pronoun and _SAY_RE.search(f"{head} {tail}"):
            previous = [m for m in self.mentions if m.end <= attribution.start]
            if previous:
                sentence = self.doc.sentence_of(previous[-1].start)
                subject = self._subject(sentence, PRONOUNS[pronoun.group(1)])
                if subject is not None:
                    return subject, (f"guessed: {pronoun.group(1)!r} taken as the subject of "
                                     "the sentence before")
        return None, "speaker not found"

    def _subject(self, sentence: Span, gender: str) -> DocPerson | None:
        """The person a sentence is about: its first mention, after an opening phrase
        ("During the meeting with X, Minister Y ...") when there is one."""
        mentions = self._mentions_in(sentence.start, sentence.end)
        text = self.doc.text[sentence.start:sentence.end]
        opener = re.match(r"(?:During|At|In|After|Before|Within|On|Following|Upon|Speaking)\b"
                          r"[^,]*,", text)
        if opener is not None:
            main = [m for m in mentions if m.start >= sentence.start + opener.end()]
            mentions = main or mentions
        for mention in mentions:
            known = self.kb.people.get(mention.person.kb_id or "")
            if known is None or known.gender in (None, gender):
                return mention.person
        return None

    def _meeting_of(self, speaker: DocPerson, position: int) -> DocMeeting | None:
        options = [m for m in self.meetings if speaker in m.participants]
        before = [(max(p for p in m.mentions if p <= position), m) for m in options
                  if any(p <= position for p in m.mentions)]
        if before:
            return max(before, key=lambda item: item[0])[1]
        return options[0] if options else None

    def _find_events(self) -> list[str]:
        words = normalize(self.doc.text).split()
        link = self.router.linker.link
        return _unique(m.id for m in link(words[:5000], quotes=False, fuzzy=False)
                       if m.kind == "event")

    # -- writing -----------------------------------------------------------------------
    def cite(self, span: Span, indent: int) -> list[str]:
        """A ``cite:`` block for ``span``; raises if the quote is not in the document."""
        quote = self.doc.at(span)
        if not self.doc.verify(quote):  # pragma: no cover - spans come from the text
            raise _Unverified(quote)
        pad = " " * indent
        return [f"{pad}cite:", f"{pad}  source: {self.source_id}", f"{pad}  quote: {_q(quote)}"]

    def render(self, *, title: str) -> str:
        """The draft file's text."""
        today = datetime.now(UTC).date().isoformat()
        out = [
            f"# DRAFT for source {self.source_id}",
            f"#   {title}",
            f"# Written by `meetbot ingest` on {today}.",
            "#",
            "# NOT SERVED. The bot answers only from the YAML files directly in knowledge/;",
            "# nothing in knowledge/drafts/ reaches users. Review every entry against",
            f"#   sources/{self.source_id}.txt",
            "# move what is right into people.yaml, roles.yaml, organizations.yaml and",
            "# meetings.yaml (renaming the draft- ids; add aliases, translations and keywords),",
            "# then delete this file and run `meetbot check`.",
            "# Found by simple text patterns: expect gaps and mistakes. Every cite quote below",
            "# was verified against the source text.",
            "#",
        ]
        if self.found_date is not None:
            out.append(f"# Date: {self.published} (the text says "
                       f"{self.doc.at(self.found_date.span)!r})")
        else:
            out.append(f"# Date: {self.published} (given with --date)")
        for event in self.events:
            out.append(f"# The text mentions event {event!r}: set `event: {event}` on the "
                       "meetings that were part of it.")
        out.append("")
        out += self._render_people()
        out += self._render_roles()
        out += self._render_orgs()
        out += self._render_meetings()
        return "\n".join(out).rstrip("\n") + "\n"

    def _render_people(self) -> list[str]:
        out: list[str] = []
        items: list[str] = []
        for person in self.people:
            cite_span = person.found_span or person.name_span
            if person.kb_id:
                where = self.kb.where("people", person.kb_id)
                out.append(f"# matches existing person {person.kb_id} ({where.file}:"
                           f"{where.line}), named {person.name!r}"
                           + (f" as {person.title!r}" if person.title else ""))
                held = {h.role for h in self.kb.people[person.kb_id].roles}
                if person.role_id and person.role_id not in held:
                    out.append("#   if the title is new for them, add to its roles:")
                    out += [f"#   {line}" for line in self._holding(person, cite_span, 2)]
                elif person.role_id:
                    out.append(f"#   (already holds {person.role_id}; add a holding with as_of "
                               f"{self.published} only if you want this source cited)")
                continue
            items.append(f"  - id: {person.draft_id}")
            items.append(f"    name: {_q(person.name)}")
            head = next((w for w in (person.title or "").split() if w.lower() in TITLE_HEADS),
                        None)
            aliases = _unique([person.surname, *([f"{head} {person.surname}"] if head else [])])
            items.append(f"    aliases: [{', '.join(_q(a) for a in aliases)}]")
            if person.title:
                items.append(f"    # found as: {_q(self.doc.at(cite_span))}")
            if person.role_id:
                items.append("    roles:")
                items += self._holding(person, cite_span, 6)
            else:
                items += self.cite(person.name_span, 4)
            items.append("    # gender: female | male  (only if the source shows it)")
            items.append("    # translations: {ru: ...}")
            items.append("")
        if out:
            out.append("")
        out.append("people:" if items else "people: []")
        return out + items + ([""] if not items else [])

    def _holding(self, person: DocPerson, span: Span, indent: int) -> list[str]:
        pad = " " * indent
        return [f"{pad}- role: {person.role_id}",
                f"{pad}  as_of: {_q(self.published)}",
                *self.cite(span, indent + 2)]

    def _render_roles(self) -> list[str]:
        if not self.roles:
            return ["roles: []", ""]
        out = ["roles:"]
        for role in self.roles:
            out.append(f"  - id: {role.draft_id}")
            out.append(f"    name: {_q(role.name)}")
            if role.organization:
                out.append(f"    organization: {role.organization}")
            out.append("    # head: true  (if the holder heads the organisation)")
            out.append("    # aliases: [...]; translations: {ru: ...}")
            out.append("")
        return out

    def _render_orgs(self) -> list[str]:
        out: list[str] = []
        items: list[str] = []
        for org in self.orgs:
            if org.kb_id:
                where = self.kb.where("organizations", org.kb_id)
                known = self.kb.organizations[org.kb_id]
                note = "" if org.acronym in known.acronyms else " (acronym not yet listed)"
                out.append(f"# matches existing organization {org.kb_id} ({where.file}:"
                           f"{where.line}): {self.doc.at(org.span)!r}{note}")
                continue
            items.append(f"  - id: {org.draft_id}")
            items.append(f"    name: {_q(org.name)}")
            items.append(f"    kind: {_org_kind(org.name)}")
            items.append(f"    acronyms: [{_q(org.acronym)}]")
            if org.parent:
                items.append(f"    parent: {org.parent}")
            items += self.cite(org.span, 4)
            items.append("    # description: ...; translations: {ru: ...}")
            items.append("")
        if out:
            out.append("")
        out.append("organizations:" if items else "organizations: []")
        return out + items + ([""] if not items else [])

    def _render_meetings(self) -> list[str]:
        out: list[str] = []
        items: list[str] = []
        for meeting in self.meetings:
            names = [p.name for p in meeting.participants]
            if meeting.kb_match:
                where = self.kb.where("meetings", meeting.kb_match)
                out.append(f"# matches existing meeting {meeting.kb_match} ({where.file}:"
                           f"{where.line}): {' and '.join(names)}")
                if meeting.topics or meeting.statements:
                    out.append("#   what this source adds, if it is not there yet:")
                for topic in meeting.topics:
                    out.append(f"#     - text: {_q(self.doc.at(topic))}")
                    out += [f"#   {line}" for line in self.cite(topic, 4)]
                for speaker, quote, how in meeting.statements:
                    out.append(f"#     - speaker: {speaker.ref}  # {how}")
                    out.append("#       kind: direct")
                    out += [f"#   {line}" for line in self.cite(quote, 4)]
                continue
            items.append(f"  - id: {meeting.draft_id}")
            items.append(f"    title: {_q(f'{names[0]} meets {_join(names[1:])}')}")
            items.append(f"    date: {_q(meeting.date)}")
            items.append(f"    date_kind: {meeting.date_kind}"
                         + ("  # the source's date; the meeting may be earlier"
                            if meeting.date_kind == "report" else ""))
            if meeting.date_span is not None:
                items.append("    date_cite:")
                items += self.cite(meeting.date_span, 4)[1:]
            if meeting.place and meeting.place_span:
                items.append(f"    place: {_q(meeting.place)}  # from the dateline: check it is "
                             "where they met")
                items.append("    place_cite:")
                items += self.cite(meeting.place_span, 4)[1:]
            items.append(f"    participants: [{', '.join(p.ref for p in meeting.participants)}]")
            items.append("    summary:")
            items.append(f"      text: {_q(self.doc.at(meeting.sentence))}")
            items += self.cite(meeting.sentence, 6)
            if meeting.topics:
                items.append("    topics:")
                for topic in meeting.topics:
                    items.append(f"      - text: {_q(self.doc.at(topic))}")
                    items += self.cite(topic, 8)
            if meeting.statements:
                items.append("    statements:")
                for speaker, quote, how in meeting.statements:
                    items.append(f"      - speaker: {speaker.ref}  # {how}")
                    items.append("        kind: direct")
                    items += self.cite(quote, 8)
            items.append("")
        for loose, quote, how in self.loose_statements:
            who = loose.ref if loose else "TODO"
            out.append(f"# a quotation with no meeting to attach it to ({how}):")
            out.append(f"#   - speaker: {who}")
            out.append("#     kind: direct")
            out += [f"#   {line}" for line in self.cite(quote, 2)]
        if out:
            out.append("")
        out.append("meetings:" if items else "meetings: []")
        return out + items

    # -- summary -----------------------------------------------------------------------
    def summary(self, *, source: str, sources_yaml: str, entry_line: int, draft: str,
                title: str, published: str, date_given: bool, nbytes: int,
                problems: Sequence[Problem]) -> str:
        """What ``meetbot ingest`` prints."""
        new_people = [p.draft_id for p in self.people if not p.kb_id]
        known_people = [p.kb_id for p in self.people if p.kb_id]
        new_orgs = [o.draft_id for o in self.orgs if not o.kb_id]
        known_orgs = [o.kb_id for o in self.orgs if o.kb_id]
        new_meetings = [m.draft_id for m in self.meetings if not m.kb_match]
        statements = sum(len(m.statements) for m in self.meetings)
        date_note = ("from --date" if date_given else
                     f"found in the text: {self.doc.at(self.found_date.span)!r}"
                     if self.found_date else "")
        lines = [
            f"Registered source {self.source_id!r} in {sources_yaml}:{entry_line}",
            f"  text:      {source} ({nbytes} bytes, copied verbatim)",
            f"  title:     {title!r}",
            f"  published: {published} ({date_note})",
            f"Draft written: {draft} (not served until you move its entries into the "
            "knowledge files)",
            f"  people:        {_listing(new_people, 'new')}; {_listing(known_people, 'known')}",
            f"  roles:         {_listing([r.draft_id for r in self.roles], 'new')}",
            f"  organisations: {_listing(new_orgs, 'new')}; {_listing(known_orgs, 'known')}",
            f"  meetings:      {_listing(new_meetings, 'candidate')}",
            f"  statements:    {statements} quoted"
            + (f", {len(self.loose_statements)} without a meeting (commented out)"
               if self.loose_statements else ""),
        ]
        if problems:
            lines.append(f"The draft has {len(problems)} problem(s):")
            lines += [f"  {p}" for p in problems]
        else:
            lines.append("  every cite quote verified against the source text; "
                         "`meetbot check` passes")
        lines.append("Next: review the draft, move what is right into knowledge/*.yaml, delete "
                     "the draft, then run `meetbot check`.")
        return "\n".join(lines)


class _Unverified(IngestError):
    """a draft quote could not be verified against the document (a bug in meetbot ingest;
    nothing was changed)"""


def _unique(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _listing(ids: Sequence[str | None], label: str) -> str:
    shown = [i for i in ids if i]
    if not shown:
        return f"0 {label}"
    return f"{len(shown)} {label} ({', '.join(shown)})"


def _org_kind(name: str) -> str:
    words = set(normalize(name).split())
    if "ministry" in words:
        return "ministry"
    if "government" in words:
        return "government"
    if words & {"republic", "kingdom", "federation", "principality"}:
        return "country"
    if words & {"organization", "organisation", "union", "nations", "alliance"}:
        return "international organization"
    return "institution"
