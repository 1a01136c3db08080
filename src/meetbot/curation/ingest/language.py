"""The vocabulary drafting reads a document with, per document language (data in
``languages/<code>.yaml``), and phrase matching over a document's words.

Words and phrases are normalised as the document's words are (:func:`word_key`): English
folded to lower case, Russian stemmed, so one listed form stands for all ("отметил" for
"отметила").
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from meetbot.lang.normalize import normalize

LANGUAGES_DIR = Path(__file__).resolve().parent / "languages"
WILDCARD = "*"
WILDCARD_WORDS = 4
"""A ``*`` in a phrase stands for one to this many words."""


def word_key(text: str) -> str:
    """A word as vocabulary compares it: normalised, hyphens kept ("co-operation")."""
    return "-".join(normalize(text).split())


class Phrases:
    """Phrases (runs of words, ``*`` for one to four words) to find in a list of word keys."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self.phrases: list[tuple[str, ...]] = []
        for phrase in phrases:
            words = tuple(WILDCARD if w == WILDCARD else word_key(w) for w in phrase.split())
            if words and all(words):
                self.phrases.append(words)
        self.phrases.sort(key=len, reverse=True)
        self.first: dict[str, list[tuple[str, ...]]] = {}
        for words in self.phrases:
            self.first.setdefault(words[0], []).append(words)

    def match(self, keys: Sequence[str], at: int) -> int | None:
        """The end index of the phrase starting at ``keys[at]`` that skips the fewest words
        for its ``*`` (then the longest), or None."""
        best: tuple[int, int] | None = None
        for words in self.first.get(keys[at], ()):
            found = _match(words, keys, at, 0)
            if found is not None and (best is None or (found[1], -found[0]) < (best[1], -best[0])):
                best = found
        return best[0] if best is not None else None

    def find(self, keys: Sequence[str], start: int = 0, end: int | None = None
             ) -> tuple[int, int] | None:
        """The first ``(start, end)`` of a phrase in ``keys[start:end]``, or None."""
        stop = len(keys) if end is None else end
        for index in range(start, stop):
            found = self.match(keys, index)
            if found is not None and found <= stop:
                return index, found
        return None


def _match(words: tuple[str, ...], keys: Sequence[str], at: int,
           skipped: int) -> tuple[int, int] | None:
    """(end, words skipped by ``*``) of ``words`` matched at ``keys[at]``, fewest skipped."""
    if not words:
        return at, skipped
    if at >= len(keys):
        return None
    head, rest = words[0], words[1:]
    if head == WILDCARD:
        for skip in range(1, WILDCARD_WORDS + 1):
            found = _match(rest, keys, at + skip, skipped + skip)
            if found is not None:
                return found
        return None
    if keys[at] != head:
        return None
    return _match(rest, keys, at + 1, skipped)


@dataclass(frozen=True)
class Vocabulary:
    """The words of one language's press releases (see ``languages/en.yaml``)."""

    language: str
    title_words: frozenset[str]
    title_heads: frozenset[str]
    org_words: frozenset[str]
    org_heads: frozenset[str]
    page_words: frozenset[str]
    connectors: frozenset[str]
    honorifics: Mapping[str, frozenset[str]]
    slug_skip: frozenset[str]
    meeting: Phrases
    topics: Phrases
    topic_tails: Phrases
    topic_leads: Phrases
    speech: Phrases
    speaker_intros: Phrases
    turn_markers: Mapping[str, Phrases]
    subject_skips: frozenset[str]
    openers: Phrases
    meeting_date_leads: Phrases
    org_kinds: Mapping[str, frozenset[str]]
    org_place_heads: frozenset[str]
    ministries: Mapping[str, str]
    ministry_blockers: frozenset[str]
    weekdays: frozenset[str]
    meeting_words: frozenset[str]
    list_joins: Phrases
    subject_pronouns: Mapping[str, frozenset[str]]
    relatives: frozenset[str]
    meeting_title: str
    """A drafted meeting's title: ``{first}`` meets ``{others}``, or ``{all}`` of them."""
    and_word: str
    place_connectors: frozenset[str]
    prepositions: frozenset[str]

    def pronoun_gender(self, key: str) -> str | None:
        """The gender a subject pronoun ("she", "он") tells, or None for any other word."""
        return next((g for g, words in self.subject_pronouns.items() if key in words), None)

    def gender_of_turn(self, keys: Sequence[str], at: int) -> tuple[str | None, int] | None:
        """A turn marker ("For her part") at ``keys[at]``: the gender it tells and its end."""
        for gender, phrases in self.turn_markers.items():
            end = phrases.match(keys, at)
            if end is not None:
                return (None if gender == "any" else gender), end
        return None


def _words(values: Sequence[str]) -> frozenset[str]:
    if not all(isinstance(v, str) for v in values):  # "on" unquoted is YAML's true
        raise TypeError(f"vocabulary words must be strings (quote them): {values!r}")
    return frozenset(word_key(v) for v in values if word_key(v))


_YAML_KEYS = {"meeting": "meeting_phrases", "topics": "topic_phrases",
              "speech": "speech_phrases"}
"""The fields whose key in ``languages/<code>.yaml`` is not their own name."""


def _converted(hint: Any, raw: Any) -> Any:
    """A value of ``languages/<code>.yaml`` as the :class:`Vocabulary` field typed ``hint``
    holds it: words normalised (:func:`word_key`), phrases compiled; a mapping of words to
    texts (``ministries``) has its words normalised, any other mapping its values."""
    if hint is str:
        return str(raw)
    if hint is Phrases:
        return Phrases(raw)
    if hint == frozenset[str]:
        return _words(raw)
    if typing.get_origin(hint) is Mapping:
        value_hint = typing.get_args(hint)[1]
        if value_hint is str:
            return {word_key(k): str(v) for k, v in raw.items()}
        return {k: _converted(value_hint, v) for k, v in raw.items()}
    raise TypeError(f"no reading of vocabulary values as {hint!r}")


@lru_cache(maxsize=8)
def vocabulary(language: str) -> Vocabulary:
    """The vocabulary of ``language``'s documents (English for a language without one)."""
    path = LANGUAGES_DIR / f"{language}.yaml"
    if not path.is_file():
        path = LANGUAGES_DIR / "en.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    hints = typing.get_type_hints(Vocabulary)
    return Vocabulary(**{field.name: _converted(hints[field.name],
                                                data[_YAML_KEYS.get(field.name, field.name)])
                         for field in fields(Vocabulary)})
