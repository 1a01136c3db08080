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
    әғқңөұүһі); else Cyrillic → Russian, Latin → English.

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
    if cyrillic > latin and "ru" in available:
        return "ru"
    if latin > cyrillic:
        return DEFAULT_LANGUAGE
    if _CYRILLIC.search(text) and not _LATIN.search(text) and "ru" in available:
        return "ru"
    return default if default in available else DEFAULT_LANGUAGE
