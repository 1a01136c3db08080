"""Sentences of a text, as spans of the text itself (so quotes can be cut from them verbatim).

A sentence ends at ``.``, ``!`` or ``?`` (with a closing quotation mark, if any) followed by
white space and a capital letter (Latin or Cyrillic), a digit or an opening quotation mark,
except after a common abbreviation ("Mr.", "Dr.", "e.g."); and at a paragraph break (a blank
line). With ``lines=True`` every line break ends a sentence too: press releases put each
paragraph on a line, and their headlines, datelines and bylines carry no full stop.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from meetbot.lang.normalize import squash_whitespace

_END = re.compile(r"(?<=[.!?])[\"”»’]?(?=\s+[\"“«A-Z0-9А-ЯЁ])")
_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LAST_WORD = re.compile(r"(\S+)$")
ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "no", "art", "para", "e.g", "i.e",
                           "vs", "г", "гг", "т.е", "т.д", "им"})
"""Words written with a full stop that does not end the sentence (lower case, no last dot)."""


def sentence_spans(text: str, *, lines: bool = False) -> Iterator[tuple[int, int]]:
    """The ``(start, end)`` of each sentence of ``text``, in order, without surrounding space.

    Paragraphs (blank-line separated, or every line with ``lines=True``) never share a
    sentence.
    """
    for start, end in _blocks(text, lines):
        cursor = start
        for match in _END.finditer(text, start, end):
            if _abbreviation_before(text, match.start()):
                continue
            yield cursor, match.end()
            cursor = match.end()
            while cursor < end and text[cursor].isspace():
                cursor += 1
        if cursor < end:
            yield cursor, end


def sentences(text: str, *, lines: bool = False) -> list[str]:
    """The sentences of ``text`` (see :func:`sentence_spans`), as written."""
    return [text[start:end] for start, end in sentence_spans(text, lines=lines)]


def _blocks(text: str, lines: bool) -> Iterator[tuple[int, int]]:
    """Spans of the paragraphs (or lines) of ``text``, stripped of surrounding white space."""
    if lines:
        offset = 0
        for line in text.splitlines(keepends=True):
            start, offset = offset, offset + len(line)
            yield from _stripped(text, start, start + len(line.rstrip()))
        return
    cursor = 0
    for match in _PARAGRAPH.finditer(text):
        yield from _stripped(text, cursor, match.start())
        cursor = match.end()
    yield from _stripped(text, cursor, len(text))


def _stripped(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def _abbreviation_before(text: str, position: int) -> bool:
    word = _LAST_WORD.search(text, max(0, position - 40), position)
    return bool(word and word.group(1).lower().rstrip(".") in ABBREVIATIONS)


def passages(text: str, *, most: int = 2) -> list[str]:
    """The paragraphs of ``text`` of at most ``most`` sentences, and the sentences of longer
    ones, whitespace collapsed and without surrounding quotation marks: a quotation with its
    "…, she said" stays whole, a long paragraph is cut up."""
    out: list[str] = []
    for start, end in _blocks(text, False):
        parts = sentences(text[start:end])
        chunks = [text[start:end]] if len(parts) <= most else parts
        for chunk in chunks:
            passage = squash_whitespace(chunk).strip(" \"“”")
            if passage:
                out.append(passage)
    return out
