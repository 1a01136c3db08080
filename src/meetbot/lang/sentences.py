"""Sentences of a text: split after a full stop, question or exclamation mark followed by a
capital letter or digit (Latin or Cyrillic), and at blank lines."""

from __future__ import annotations

import re

from meetbot.lang.normalize import squash_whitespace

_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[\"“A-Z0-9А-ЯЁ])|\n\s*\n")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, whitespace collapsed, without surrounding quotation marks."""
    out = []
    for chunk in _BOUNDARY.split(text):
        sentence = squash_whitespace(chunk).strip(" \"“”")
        if sentence:
            out.append(sentence)
    return out


_PARAGRAPH = re.compile(r"\n\s*\n")


def passages(text: str, *, most: int = 2) -> list[str]:
    """The paragraphs of ``text`` of at most ``most`` sentences, and the sentences of longer
    ones: a quotation with its "…, she said" stays whole, a long paragraph is cut up."""
    out: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        parts = sentences(paragraph)
        if len(parts) <= most:
            whole = squash_whitespace(paragraph).strip()
            if whole:
                out.append(whole)
        else:
            out.extend(parts)
    return out
