"""Which language a question is written in, to answer it in the same one."""

from __future__ import annotations

import re
from collections.abc import Mapping

from meetbot.lang.catalog import DEFAULT_LANGUAGE, Catalog

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
_QUOTED = re.compile(r"[\"“”«»„][^\"“”«»„]*[\"“”«»„]")
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, available: Mapping[str, Catalog], *,
                    default: str = DEFAULT_LANGUAGE) -> str:
    """The language to answer ``text`` in: a catalogue's own letters name it (Kazakh's
    әғқңөұүһі); else Cyrillic text is in the Cyrillic catalogue language whose own words it
    uses most (Russian when none), Latin text in English.

    Text with no letters of either script (an acronym typed in Latin counts as Latin) keeps
    ``default`` — in Telegram, the user's chosen or app language.
    """
    text = _QUOTED.sub(" ", text)  # a quotation is in its source's language, not the asker's
    if text.isascii():  # no Cyrillic: any word at all is Latin (the first always counts)
        if _WORD.search(text):
            return DEFAULT_LANGUAGE
        return default if default in available else DEFAULT_LANGUAGE
    lowered = text.lower()
    for language, catalog in available.items():
        if catalog.letters and any(letter in lowered for letter in catalog.letters):
            return language  # letters only this language uses (Kazakh's әғқңөұүһі)
    cyrillic = latin = 0
    for index, word in enumerate(_WORD.findall(text)):
        if index and word[:1].isupper():
            continue  # a name or an acronym says nothing about the asker's language
        if _CYRILLIC.match(word):
            cyrillic += 1
        elif _LATIN.match(word):
            latin += 1
    written = _cyrillic_language(lowered, available)
    if cyrillic > latin and written:
        return written
    if latin > cyrillic:
        return DEFAULT_LANGUAGE
    if _CYRILLIC.search(text) and not _LATIN.search(text) and written:
        return written
    return default if default in available else DEFAULT_LANGUAGE


def _cyrillic_language(text: str, available: Mapping[str, Catalog]) -> str | None:
    """Of the catalogue languages written in Cyrillic, the one whose own words (function
    words, fillers, question words, pronouns) ``text`` uses most; on a tie, one with no
    letters of its own (Russian beside Kazakh)."""
    words = _WORD.findall(text)
    best: tuple[int, int, str] | None = None
    for language, catalog in available.items():
        if not catalog.name or not _CYRILLIC.match(catalog.name):
            continue  # a catalogue's name is written in its own script
        own = _own_words(catalog)
        score = sum(word in own for word in words)
        rank = (score, 0 if catalog.letters else 1, language)
        if best is None or rank > best:
            best = rank
    return best[2] if best else None


_OWN_WORDS: dict[int, frozenset[str]] = {}


def _own_words(catalog: Catalog) -> frozenset[str]:
    found = _OWN_WORDS.get(id(catalog))
    if found is None:
        listed = [*catalog.function_words, *catalog.fillers, *catalog.wh_words,
                  *catalog.yes_no_particles, *catalog.open_questions,
                  *(w for words in catalog.pronouns.values() for w in words)]
        found = _OWN_WORDS[id(catalog)] = frozenset(w.lower() for w in listed)
    return found
