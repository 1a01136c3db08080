"""Which words belong to the domain: a word no phrasing and no source uses is unknown.

An unknown word lowers the confidence of a reading: that is how "who is the president of
France?" is declined rather than forced onto "who is". An unknown word that is no ordinary
word of the catalogue languages either (``wordfreq``'s most frequent words) is taken for a
name the knowledge base does not know ("when did Tokayev meet Macron?"), and lowers it more.
"""

from __future__ import annotations

from collections.abc import Callable

from cachetools import LRUCache
from rapidfuzz import fuzz, process

from meetbot.lang.words import LanguageWords
from meetbot.nlu.lexicon import MEMO_SIZE, ByLength

WORD_FORM_SIMILARITY = 88.0
"""How close a word must be to a word of the knowledge base to count as another form of it
("invite" and "invited", "welcome" and "welcomed"; not "nationality" and "national")."""


class Vocabulary:
    """The words of the domain: phrasings (but for out-of-scope ones) and the knowledge base."""

    def __init__(self, known: frozenset[str], words: LanguageWords,
                 soft_match: Callable[[str], tuple[str, float] | None],
                 ordinary: frozenset[str] = frozenset()) -> None:
        self.known = known
        self.words = words
        self.ordinary = ordinary
        """Ordinary words of the catalogue languages (wordfreq's most frequent, normalised)."""
        self._soft_match = soft_match
        """The phrasing word a word is a typo of (the intent scorer's)."""
        self._sorted: ByLength | None = None
        self._other_form: LRUCache[str, bool] = LRUCache(MEMO_SIZE)

    def is_unknown(self, word: str) -> bool:
        """True when neither the phrasings nor the sources contain ``word`` (or a typo of it)."""
        if (word in self.known or word in self.words.stopwords or word in self.words.fillers
                or word.isdigit()):
            return False
        hit = self._soft_match(word)
        if hit is not None and hit[0] in self.known:
            return False
        return not self.other_form_known(word)

    def is_name(self, word: str) -> bool:
        """True when an unknown ``word`` looks like a name: it is no ordinary word of any
        catalogue language ("macron", "blinken"; not "weather", "basically")."""
        if word in self.ordinary or word.isdigit():
            return False
        return not any(any(letter in word for letter in own)
                       for own in self.words.letters.values())  # a word of that language

    def other_form_known(self, word: str) -> bool:
        """True when the sources use a form of ``word`` ("invite": "invited")."""
        if len(word) < 5:
            return False
        known = self._other_form.get(word)
        if known is None:
            if self._sorted is None:
                self._sorted = ByLength(sorted(self.known))
            known = self._other_form[word] = process.extractOne(
                word, self._sorted.near(word, WORD_FORM_SIMILARITY),
                scorer=fuzz.ratio, score_cutoff=WORD_FORM_SIMILARITY) is not None
        return known
