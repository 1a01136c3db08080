"""Stemming by endings, for a language no stemming library covers (Kazakh).

A catalogue lists its language's endings (``suffixes:``: case, plural, possessive and verb
endings); :class:`SuffixStemmer` strips the longest ending a word has, at most twice, keeping
at least :data:`MIN_STEM` letters, so "Тоқаевпен" (with Tokayev) and "Тоқаевтың" (Tokayev's)
both read "Тоқаев". Questions in the language, and the knowledge base's phrasings,
translations and aliases in it, are stemmed alike before they are compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

MIN_STEM = 3
"""Letters a stem keeps at least."""
STRIPPED = 2
"""Endings stripped at most from one word."""
_WORD = re.compile(r"[^\W\d_]+")


class SuffixStemmer:
    """Strips a language's word endings."""

    def __init__(self, suffixes: Iterable[str]) -> None:
        self.suffixes = tuple(sorted({s.strip("-").lower() for s in suffixes if s.strip("-")},
                                     key=lambda s: (-len(s), s)))

    def __reduce__(self) -> tuple[type[SuffixStemmer], tuple[tuple[str, ...]]]:
        """Pickle support (the engine cache)."""
        return (SuffixStemmer, (self.suffixes,))

    def stem(self, word: str) -> str:
        """``word`` without its endings (lower case)."""
        return _stem(self.suffixes, word.lower())

    def text(self, text: str) -> str:
        """``text`` with every word stemmed (the rest as it was)."""
        return _WORD.sub(lambda m: self.stem(m.group(0)), text)


@lru_cache(maxsize=65536)
def _stem(suffixes: tuple[str, ...], word: str) -> str:
    for _ in range(STRIPPED):
        for suffix in suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
                word = word[:-len(suffix)]
                break
        else:
            break
    return word
