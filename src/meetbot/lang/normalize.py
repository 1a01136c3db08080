"""Text normalisation: the one processor used on questions, aliases and phrasings alike.

``normalize`` folds case, stems Cyrillic words with Snowball's Russian stemmer (PyStemmer: so
"Токаевым" and "Кошербаевым" meet "Токаев" and "Кошербаев", "встречался" meets
"встречались") and keeps them in Cyrillic, so Russian words never collide with English
ones ("лет" is not "let"); every other script is transliterated to ASCII and diacritics are
dropped ("Sinirlioğlu" is "sinirlioglu"); punctuation goes and spaces collapse.
``transliterate`` turns Cyrillic into Latin too: aliases are indexed both ways, so "Tokaev"
typed in Latin finds an alias curated only in Cyrillic.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from Stemmer import Stemmer

_POSSESSIVE = re.compile(r"(?<=\w)['’`´]s\b")
_NEGATION = re.compile(r"(?<=\w)n['’`´]t\b", re.IGNORECASE)
_CONTRACTION = re.compile(r"(?<=\w)['’`´](d|ll|ve|re|m)\b", re.IGNORECASE)
_APOSTROPHE = re.compile(r"(?<=\w)['’`´](?=\w)")
# Latin letters, digits, and the lower-case Russian and Kazakh Cyrillic letters.
_NON_WORD = re.compile(r"[^a-z0-9\u0430-\u044f\u0451\u0456\u04d9\u0493\u049b\u04a3"
                       r"\u04e9\u04b1\u04af\u04bb]+")
_FOREIGN = re.compile(r"[^\x00-\x7f\u0400-\u04ff]+")
"""Runs of characters that are neither ASCII nor Cyrillic (diacritics, other scripts)."""
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
"""A letter typed three or more times in a row ("soooo", "hiii"): once is meant."""
_ORDINAL = re.compile(r"(?<=\d)(?:-[^\W\d_]{1,3}\b|(?:st|nd|rd|th)\b)", re.IGNORECASE)
"""The ending of an ordinal number ("32nd", "32-м", "32-го", "32-ші"): the number is meant."""
_RUSSIAN = Stemmer("russian")
_CONTROL = {cat for cat in ("Cc", "Cf", "Cs", "Co", "Cn")}

MAX_QUESTION_CHARS = 500
"""Questions longer than this are not answered; the user is asked to shorten them."""


def clean(text: str) -> str:
    """Drop control, format (zero-width, bidi) and unassigned characters; collapse spaces."""
    if text.isprintable():  # no character of any "Other" category (nor a tab or newline)
        return " ".join(text.split())
    kept = [
        " " if ch in "\t\n\r\x0b\x0c" else ch
        for ch in text
        if ch in "\t\n\r\x0b\x0c" or unicodedata.category(ch) not in _CONTROL
    ]
    return " ".join("".join(kept).split())


@lru_cache(maxsize=65536)
def normalize(text: str, *, snowball: bool = True) -> str:
    """Return ``text`` casefolded, transliterated to ASCII, without punctuation.

    Cyrillic words are stemmed by Snowball's Russian stemmer, unless ``snowball`` is False:
    text of a language stemmed by its own endings (:mod:`meetbot.lang.stemming`), already
    stemmed, is kept as it is.
    """
    if "'" in text or "’" in text or "`" in text or "´" in text:  # all four need one
        text = _POSSESSIVE.sub("", text)
        text = _NEGATION.sub(" not", text)
        text = _CONTRACTION.sub("", text)
        text = _APOSTROPHE.sub("", text)
    text = _ORDINAL.sub("", text).casefold()
    if not text.isascii():
        if snowball:
            text = _CYRILLIC_WORD.sub(lambda m: _stem_russian(m.group(0)), text)
        text = _FOREIGN.sub(_ascii_letters, text.replace("ё", "е"))
    if _ELONGATED.search(text):
        text = _ELONGATED.sub(r"\1", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def _ascii_letters(match: re.Match[str]) -> str:
    """A run of other-script text in ASCII letters; symbols (emoji, pictographs, arrows,
    dingbats: Unicode's categories S*) are dropped, not spelt out as "thinking" or "pray"."""
    run = match.group(0)
    kept = "".join(ch for ch in run if not unicodedata.category(ch).startswith("S"))
    return anyascii(kept).casefold() if kept else " "


@lru_cache(maxsize=16384)
def transliterate(text: str) -> str:
    """``normalize`` with Cyrillic transliterated to Latin as well (for alias indexing)."""
    # anyascii writes the soft and hard signs as apostrophes: drop them inside words.
    return normalize(_CYRILLIC_WORD.sub(lambda m: anyascii(m.group(0)).replace("'", ""), text))


SHORTEST_STEMMED = 4
"""Shorter Cyrillic words are kept as written: they are mostly pronouns and particles, whose
endings carry their meaning ("она" she, "они" they, "оно" it; all "он" once stemmed)."""


@lru_cache(maxsize=65536)
def _stem_russian(word: str) -> str:
    if len(word) < SHORTEST_STEMMED:
        return word.lower()
    return str(_RUSSIAN.stemWord(word.lower()))


def tokens(text: str) -> list[str]:
    """Return the normalised words of ``text``."""
    return normalize(text).split()


def squash_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space (how quotes are compared to sources)."""
    return " ".join(text.split())
