"""Render an :class:`Answer` as plain text, JSON, or Telegram HTML.

Every piece of text that came from a user or from the knowledge base is escaped with
:func:`html.escape` before it goes into Telegram HTML; the only tags emitted are ``<b>``,
``<i>``, ``<a href>`` and ``<blockquote>`` (``<blockquote expandable>`` for a long set of
quotes), all from Telegram's supported set. Telegram measures a message in UTF-16 code
units (an emoji or another character beyond U+FFFF counts twice): :func:`split_message`
measures the same way.
"""

from __future__ import annotations

import html
import json
import re

from meetbot.domain.answer import Answer, Citation
from meetbot.lang.catalog import Catalog, format_date

TELEGRAM_LIMIT = 4096
"""The longest message Telegram accepts, in UTF-16 code units."""
EXPANDABLE_QUOTES = 500
"""Quotes longer than this together are shown collapsed (``<blockquote expandable>``)."""
_MARK = re.compile(r"\[(\d+)\]")
_JSON = json.JSONEncoder(ensure_ascii=False)
"""What ``json.dumps(..., ensure_ascii=False)`` builds anew on every call."""


def citation_line(number: int, citation: Citation, catalog: Catalog | None = None) -> str:
    """Return "[1] Title — Publisher, 7 June 2023, URL" for plain text.

    ``catalog`` gives the date format in the answer's language (English without it).
    """
    when = catalog.date(citation.date) if catalog else format_date(citation.date)
    stop = "" if when.endswith(".") else "."  # "7 июня 2023 г." already ends with one
    return f"[{number}] {citation.title} — {citation.publisher}, {when}{stop} {citation.url}"


def to_plain(answer: Answer, *, quotes: bool = True, catalog: Catalog | None = None) -> str:
    """Render for the console and the command line: answer, then sources and quotes.

    ``catalog`` gives the "Sources" heading and the date format in the answer's language
    (English without it).
    """
    parts = [answer.text]
    if answer.suggestions:
        parts.append("\n".join(f"  • {s}" for s in answer.suggestions))
    if answer.citations:
        heading = (catalog.get("sources") if catalog else None) or "Sources"
        lines = [f"{heading}:"]
        for number, citation in enumerate(answer.citations, start=1):
            lines.append(citation_line(number, citation, catalog))
            if quotes:
                lines.append(f"    “{citation.quote}”")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def to_json(answer: Answer) -> str:
    """Render one object of the ``ask --json`` contract, on one line.

    Every control character (C0, DEL, C1) and U+2028/U+2029 is escaped as ``\\uXXXX``:
    ``ensure_ascii=False`` leaves DEL, C1 and the two separators raw, and a reader that
    splits lines on them (Python's ``str.splitlines``) would cut the object in two.
    """
    return json_line(answer.as_dict())


def json_line(data: object) -> str:
    """``data`` as JSON on one line that no line-splitting reader cuts (see :func:`to_json`)."""
    rendered = _JSON.encode(data)
    if rendered.isascii() and "\x7f" not in rendered:  # the usual case, checked quickly
        return rendered
    return _UNSAFE.sub(_escape, rendered)


_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")
"""What the JSON encoder leaves raw but a line-splitting reader breaks on (C0 it escapes)."""


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def to_telegram_html(answer: Answer, *, quotes: bool = False,
                     catalog: Catalog | None = None) -> str:
    """Render for Telegram: answer first, then the source documents; quotes on demand.

    Each document is listed once, after the numbers of the citations that come from it
    ("[1][2] Title — Publisher, 7 June 2023"); with ``quotes`` each citation's verbatim quote
    follows in a blockquote (numbered when a document has several), collapsed when the
    quotes together are longer than :data:`EXPANDABLE_QUOTES` characters. ``catalog``
    gives the "Sources" heading and the date format in the answer's language (English
    without it).
    """
    body = html.escape(answer.text, quote=False)
    if not answer.citations:
        return body
    body = _MARK.sub(lambda m: _mark_link(m, answer.citations), body)
    heading = (catalog.get("sources") if catalog else None) or "Sources"
    groups: dict[str, list[tuple[int, Citation]]] = {}
    for number, citation in enumerate(answer.citations, start=1):
        groups.setdefault(citation.source, []).append((number, citation))
    lines = []
    long_set = sum(len(c.quote) for c in answer.citations) > EXPANDABLE_QUOTES
    quote_tag = "<blockquote expandable>" if long_set else "<blockquote>"
    for cited in groups.values():
        first = cited[0][1]
        when = catalog.date(first.date) if catalog else format_date(first.date)
        marks = "".join(f"[{number}]" for number, _ in cited)
        lines.append(
            f'{marks} <a href="{html.escape(first.url, quote=True)}">'
            f"{html.escape(first.title, quote=False)}</a> — "
            f"{html.escape(first.publisher, quote=False)}, {html.escape(when, quote=False)}")
        if quotes:
            for number, citation in cited:
                label = f"[{number}] " if len(cited) > 1 else ""
                lines.append(f"{quote_tag}{label}{html.escape(citation.quote, quote=False)}"
                             "</blockquote>")
    return f"{body}\n\n<b>{html.escape(heading, quote=False)}</b>\n" + "\n".join(lines)


def _mark_link(match: re.Match[str], citations: tuple[Citation, ...]) -> str:
    index = int(match.group(1)) - 1
    if 0 <= index < len(citations):
        url = html.escape(citations[index].url, quote=True)
        return f'<a href="{url}">[{index + 1}]</a>'
    return match.group(0)


def utf16_len(text: str) -> int:
    """The length of ``text`` as Telegram counts it: in UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut on a word boundary (with "…") to at most ``limit``
    characters; a single word longer than that is cut where it must be."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:—–-") + "…"


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split rendered HTML into messages of at most ``limit`` UTF-16 code units.

    The tags are counted too, so each part is within Telegram's limit whatever it counts.
    Splits on paragraph boundaries, then lines, never inside a tag or an entity; a single
    line longer than the limit is cut between tags with its open tags closed and reopened.
    """
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for block in _units(text, limit):
        candidate = f"{current}{block}" if current else block.lstrip("\n")
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current.rstrip("\n"))
        current = block.lstrip("\n")
    if current.strip():
        chunks.append(current.rstrip("\n"))
    return chunks


def _units(text: str, limit: int) -> list[str]:
    """Paragraphs (with their leading newlines), further split when too long."""
    units: list[str] = []
    for index, paragraph in enumerate(text.split("\n\n")):
        prefix = "\n\n" if index else ""
        if utf16_len(paragraph) + 2 <= limit:
            units.append(prefix + paragraph)
            continue
        for line_index, line in enumerate(paragraph.split("\n")):
            lead = prefix if line_index == 0 else "\n"
            if utf16_len(line) + 2 <= limit:
                units.append(lead + line)
            else:
                pieces = _hard_split(line, limit - 64)
                units.append(lead + pieces[0])
                units.extend("\n" + piece for piece in pieces[1:])
    return units


_TOKEN = re.compile(r"(<[^>]+>|&[a-zA-Z#0-9]+;)")


def _hard_split(line: str, size: int) -> list[str]:
    """Cut a long line of HTML into pieces of at most ``size`` UTF-16 code units, keeping
    tags balanced in each piece."""
    pieces: list[str] = []
    open_tags: list[str] = []
    current = ""
    length = 0
    for token in _TOKEN.split(line):
        if not token:
            continue
        atoms = [token] if _TOKEN.fullmatch(token) else list(token)
        for atom in atoms:
            width = utf16_len(atom)
            if length + width > size - sum(len(t) + 3 for t in open_tags):
                pieces.append(current + "".join(f"</{_name(t)}>" for t in reversed(open_tags)))
                current = "".join(open_tags)
                length = utf16_len(current)
            current += atom
            length += width
            if atom.startswith("</"):
                if open_tags:
                    open_tags.pop()
            elif atom.startswith("<") and not atom.endswith("/>"):
                open_tags.append(atom)
    if current:
        pieces.append(current)
    return pieces


def _name(tag: str) -> str:
    return tag[1:].split()[0].rstrip(">")
