"""The document being ingested: its text, words, sentences, dates and headline.

Everything found in a document is a :class:`Span` of its text, so every quote a draft cites is
cut from the document itself and verified against it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from meetbot.curation.ingest.errors import (
    BadOption,
    DocumentEmpty,
    DocumentNotText,
    DocumentTooLarge,
    DocumentUnreadable,
)
from meetbot.curation.ingest.language import word_key
from meetbot.domain.schema import unreal_date
from meetbot.files import MAX_FILE_BYTES, FileRefused, FileTooLarge, describe_size, read_regular
from meetbot.lang.normalize import normalize, squash_whitespace
from meetbot.lang.sentences import sentence_spans

_WORD_RE = re.compile(r"[^\W\d_](?:[\w'’\-]*[^\W_])?")
_POSSESSIVE_RE = re.compile(r"['’]s$")
ACRONYM = r"[A-ZА-ЯЁ][A-Za-zА-Яа-яЁё]{1,9}(?: [A-ZА-ЯЁ][A-Za-zА-Яа-яЁё]{1,9}){0,2}"
"""An acronym in parentheses: "ODIHR", "RFoM", "OSCE PA", "ОБСЕ"."""
ACRONYM_RE = re.compile(rf"\(({ACRONYM})\)")
ACRONYM_GAP_RE = re.compile(rf"^[ \t]*\(({ACRONYM})\)[ \t]*$")
SPACES_RE = re.compile(r"^[ \t]+$")
_MONTH = r"(?P<mon>[^\W\d_]{3,}\.?)"
DATE_RES = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\s*,?\s+"
               rf"(?P<y>\d{{4}})\b"),
    re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})\b"),
)
"""Dates as "2026-03-14", "March 14, 2026", "14 March 2026" (month names of any catalogue
language, so "14 марта 2026" too) and "14.03.2026"."""


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
    def key(self) -> str:
        """The word as vocabulary compares it (normalised; Russian stemmed)."""
        return word_key(self.text)

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
        inside = [(m.start(), m.end()) for m in ACRONYM_RE.finditer(text)]
        self.words = [t for t in self.tokens
                      if not any(a < t.start and t.end < b for a, b in inside)]
        """The words outside "(ACR)" parentheses, which belong to the gaps between words."""
        self.keys = [t.key for t in self.words]
        self.starts = [t.start for t in self.words]
        self.sentences = [Span(start, end) for start, end in sentence_spans(text, lines=True)]

    def index(self, position: int) -> int:
        """The index in :attr:`words` of the first word starting at or after ``position``."""
        return bisect.bisect_left(self.starts, position)

    def word_range(self, span: Span) -> tuple[int, int]:
        """The indexes ``[first, last + 1)`` of the words inside ``span``."""
        first = self.index(span.start)
        last = first
        while last < len(self.words) and self.words[last].end <= span.end:
            last += 1
        return first, last

    def line_of(self, position: int) -> Span:
        """The line holding ``position`` (without its line break)."""
        start = self.text.rfind("\n", 0, position) + 1
        end = self.text.find("\n", position)
        return Span(start, len(self.text) if end < 0 else end)

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
        return bool(SPACES_RE.match(gap) or ACRONYM_GAP_RE.match(gap))

    def verify(self, quote: str) -> bool:
        """True when ``quote`` occurs in the text (whitespace-normalised)."""
        flat = squash_whitespace(quote)
        return bool(flat) and flat in self.flat



# -- reading ------------------------------------------------------------------------------


def read_document(file: Path) -> tuple[bytes, str]:
    """The bytes of ``file`` and its text, or an :class:`IngestError` saying why not."""
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


def check_date(value: str) -> str:
    """``--date`` checked: a real date as YYYY, YYYY-MM or YYYY-MM-DD."""
    value = value.strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise BadOption(f"--date must be YYYY-MM-DD (or YYYY-MM, YYYY); got {value!r}")
    problem = unreal_date(value)
    if problem is not None:
        raise BadOption(f"--date {problem}")
    return value


# -- dates and the headline ------------------------------------------------------------


def first_date(doc: Document, months: Mapping[str, int]) -> FoundDate | None:
    """The first date the text states (``months``: normalised month names and numbers)."""
    found: list[tuple[int, FoundDate]] = []
    for pattern in DATE_RES:
        for match in pattern.finditer(doc.text):
            value = date_value(match, months)
            if value:
                found.append((match.start(), FoundDate(value, Span(match.start(),
                                                                   match.end()))))
                break
    return min(found, key=lambda item: item[0])[1] if found else None


def date_value(match: re.Match[str], months: Mapping[str, int]) -> str | None:
    """The ISO date a match of :data:`DATE_RES` stands for, or None if it is no real date."""
    groups = match.groupdict()
    try:
        year = int(groups["y"])
        day = int(groups["d"])
        if groups.get("m"):
            month = int(groups["m"])
        else:
            month = months.get(normalize(groups["mon"].rstrip("."))) or 0
        return date(year, month, day).isoformat()
    except (ValueError, TypeError):
        return None


def find_title(doc: Document, found_date: FoundDate | None,
               connectors: frozenset[str] = frozenset()) -> str:
    """The headline: a substantial line without a full stop, the last one before the date
    line when there is one. A page often repeats its headline (its title and its heading):
    a repeated line counts; a line that breaks off at a connector ("Official website of the")
    does not."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in doc.text.splitlines(keepends=True):
        lines.append((offset, line.strip()))
        offset += len(line)

    def substantial(line: str) -> bool:
        words = line.split()
        return (4 <= len(words) <= 30 and 20 <= len(line) <= 200
                and line[-1] not in ".:;,!?" and line[0].isupper()
                and word_key(words[-1]) not in connectors
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

