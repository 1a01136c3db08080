"""Russian typed in Latin letters ("kto takoy kosherbaev", "s kem vstrechalsya"): found and
written back in Cyrillic, so the question is understood and answered in Russian.

The Russian words the bot may meet — every word of the Russian catalogue, phrasings and
translations, and the most frequent words of Russian (``wordfreq``) — are romanised in the
ways people write them (``iuliia``'s schemes: Wikipedia, Telegram, BGN/PCGN, GOST, the
Moscow metro's and others), and each romanisation is indexed back to its word. A Latin
question is read as Russian when more of its words are such romanisations than are English
words (``wordfreq``'s English vocabulary); names and acronyms count for neither.

A catalogue opts in with ``latin_typing: true`` (Russian does); the index is built when the
knowledge base is loaded and is kept in the engine cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz, process

from meetbot.lang.catalog import Catalog

_CYRILLIC_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)?")
_LATIN_WORD = re.compile(r"[a-z]+")
SCHEMES = ("WIKIPEDIA", "TELEGRAM", "BGN_PCGN", "GOST_779", "MOSMETRO", "YANDEX_MAPS",
           "ICAO_DOC_9303", "SCIENTIFIC")
"""The romanisations of :mod:`iuliia` indexed (people type Russian in several ways)."""
COMMON_WORDS = 10000
"""The most frequent words of the language indexed besides the knowledge base's own."""
ENGLISH_WORDS = 30000
"""The most frequent English words: a Latin word among them counts as English."""
TYPO_SIMILARITY = 88.0
"""How close a word must be to a romanisation to be read as a typo of it."""


@lru_cache(maxsize=65536)
def romanised(word: str) -> tuple[str, ...]:
    """The ways ``word`` (Cyrillic) is written in Latin letters, by :data:`SCHEMES`."""
    import iuliia

    forms: dict[str, None] = {}
    for name in SCHEMES:
        latin = "".join(_LATIN_WORD.findall(anyascii(getattr(iuliia, name).translate(word))
                                            .lower()))
        if len(latin) > 1 or len(word) == 1:
            forms.setdefault(latin)
    return tuple(forms)


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    from wordfreq import top_n_list

    return frozenset(w for w in top_n_list("en", ENGLISH_WORDS) if w.isascii())


@dataclass(frozen=True)
class LatinTyping:
    """The romanisations of one Cyrillic language's words, indexed back to the words."""

    language: str
    words: Mapping[str, str]
    """Romanisation -> the word in Cyrillic (the most frequent word when several share one)."""
    english: frozenset[str]
    """Words that are English (ordinary vocabulary and the English phrasings)."""
    _by_length: dict[int, list[str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, catalog: Catalog, texts: Iterable[str], english: Iterable[str],
              names: Iterable[str] = ()) -> LatinTyping:
        """Index the words of ``catalog`` and of ``texts`` (phrasings, translations) with the
        language's most frequent words; ``english``: English words besides wordfreq's;
        ``names``: names whose words are left out (a name typed in Latin letters is found
        by its Latin spelling and says nothing about the asker's language)."""
        from wordfreq import top_n_list

        vocabulary: dict[str, None] = {}
        for word in top_n_list(catalog.language, COMMON_WORDS):
            vocabulary.setdefault(word.lower().replace("ё", "е"))
        own = [*catalog.function_words, *catalog.fillers, *catalog.wh_words,
               *catalog.yes_no_particles, *catalog.open_questions,
               *(n for names in catalog.months for n in names),
               *(w for words in catalog.pronouns.values() for w in words), *texts]
        for text in own:
            for word in _CYRILLIC_WORD.findall(text.lower().replace("ё", "е")):
                vocabulary.setdefault(word)
        for name in names:
            for word in _CYRILLIC_WORD.findall(name.lower().replace("ё", "е")):
                vocabulary.pop(word, None)
        index: dict[str, str] = {}
        for word in vocabulary:  # most frequent first: it keeps a shared romanisation
            for latin in romanised(word):
                index.setdefault(latin, word)
        known_english = set(_english())
        known_english.update(w for w in english if w.isascii())
        return cls(catalog.language, index, frozenset(known_english))

    def read(self, words: list[str], names: frozenset[str] = frozenset()) -> list[str] | None:
        """``words`` (normalised, Latin) in Cyrillic when they are this language typed in
        Latin letters (more of its words than English ones), else None. Names (the words of
        ``names``), acronyms and numbers stay as typed."""
        own = [word for word in words if word not in names]
        if (sum(word not in self.english for word in own)
                <= sum(word in self.english and word not in self.words for word in own)):
            return None  # more English words than there could be Russian: no typos sought
        russian = english = 0
        converted: list[str] = []
        for word in words:
            if word in names:
                converted.append(word)
                continue
            native = self.words.get(word) or self._typo(word)
            is_english = word in self.english
            if native is not None and not is_english:
                russian += 1
            elif is_english and native is None:
                english += 1
            converted.append(native if native is not None else word)
        if russian and russian > english:
            return converted
        return None

    def _typo(self, word: str) -> str | None:
        if len(word) < 5 or word in self.english or word.isdigit():
            return None
        if not self._by_length:
            for latin in self.words:
                self._by_length.setdefault(len(latin), []).append(latin)
        near = [w for size in range(len(word) - 1, len(word) + 2)
                for w in self._by_length.get(size, ())]
        hit = process.extractOne(word, near, scorer=fuzz.ratio, score_cutoff=TYPO_SIMILARITY)
        return self.words[hit[0]] if hit else None

    def __getstate__(self) -> dict[str, object]:
        """Pickle support (the engine cache): the length buckets are rebuilt on use."""
        return {"language": self.language, "words": dict(self.words),
                "english": self.english, "_by_length": {}}

    def __setstate__(self, state: dict[str, object]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
