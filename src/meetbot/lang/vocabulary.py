"""The ordinary words of the catalogue languages, from word-frequency data (``wordfreq``).

A word among a language's most frequent ones is vocabulary, not a name: "basically",
"weather" and "france" are ordinary English words, "macron" and "blinken" are not. A
language wordfreq does not cover (Kazakh) is known by its own letters instead
(:class:`~meetbot.lang.words.LanguageWords`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from meetbot.lang.catalog import Catalog
from meetbot.lang.normalize import normalize

ORDINARY_WORDS = 30000
"""How many of a language's most frequent words count as its ordinary vocabulary."""
COMMON_WORDS = 250
"""How many of a language's most frequent words are so common that they name no topic of
their own ("one", "need", "think"; not "security", 640th, or "rights", 663rd)."""


def ordinary_words(catalogs: Mapping[str, Catalog]) -> frozenset[str]:
    """The ordinary words of every catalogue language wordfreq knows, normalised."""
    found: set[str] = set()
    for language in catalogs:
        found |= _most_frequent(language, ORDINARY_WORDS)
    return frozenset(found)


def common_words(catalogs: Mapping[str, Catalog]) -> frozenset[str]:
    """The most common words of every catalogue language wordfreq knows, normalised."""
    found: set[str] = set()
    for language in catalogs:
        found |= _most_frequent(language, COMMON_WORDS)
    return frozenset(found)


@lru_cache(maxsize=16)
def _most_frequent(language: str, count: int) -> frozenset[str]:
    from wordfreq import available_languages, top_n_list

    if language not in available_languages():
        return frozenset()
    return frozenset(w for word in top_n_list(language, count)
                     for w in normalize(word).split())
