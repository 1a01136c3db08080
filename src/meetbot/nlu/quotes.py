"""Quotations: the recorded statements, indexed so a question quoting one can be spotted.

Text in quotation marks is a quotation; so, when an intent that takes one is in view, is a
long run of the question's words found in a recorded statement (word pairs are indexed).
"""

from __future__ import annotations

import itertools
import re

from rapidfuzz import fuzz

from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Mention
from meetbot.lang.normalize import normalize

QUOTED = re.compile(r"[\"“”«»„]([^\"“”«»„]{3,})[\"“”«»„]")
QUOTE_MIN_WORDS = 5
"""A run of at least this many words found in a recorded statement counts as a quotation."""
QUOTE_SIMILARITY = 80
"""How close a quotation must be to a statement to be tied to it."""


def find(words: list[str], part: list[str]) -> int:
    """Where the run ``part`` starts in ``words`` (-1: nowhere)."""
    for start in range(len(words) - len(part) + 1):
        if words[start:start + len(part)] == part:
            return start
    return -1


class StatementIndex:
    """Every recorded statement, normalised, with its word pairs and words indexed."""

    def __init__(self, kb: KnowledgeBase, stopwords: frozenset[str]) -> None:
        self.stopwords = stopwords
        self.statements: list[tuple[str, int, str]] = []
        """(meeting id, statement index, normalised quote) per statement."""
        self._bigrams: dict[str, set[int]] = {}
        self._words: dict[str, set[int]] = {}
        for meeting in kb.meetings.values():
            for index, statement in enumerate(meeting.statements):
                text = normalize(statement.cite.quote)
                number = len(self.statements)
                self.statements.append((meeting.id, index, text))
                words = text.split()
                for a, b in itertools.pairwise(words):
                    self._bigrams.setdefault(f"{a} {b}", set()).add(number)
                for word in set(words):
                    self._words.setdefault(word, set()).add(number)

    def best(self, text: str) -> tuple[float, int] | None:
        """The recorded statement ``text`` (normalised) is most like: (similarity, number).

        Only statements sharing a content word with ``text`` are compared, so the cost does
        not grow with every statement in the knowledge base.
        """
        words = [w for w in text.split() if w not in self.stopwords]
        candidates: set[int] = set()
        for word in words:
            candidates.update(self._words.get(word, ()))
        best: tuple[float, int] | None = None
        for number in candidates:
            quote = self.statements[number][2]
            score = (fuzz.partial_ratio(text, quote) if len(text) <= len(quote)
                     else fuzz.partial_ratio(quote, text))
            if best is None or score > best[0]:
                best = (score, number)
        return best

    def quotes(self, words: list[str], raw: str | None, implicit: bool,
               alias_words: frozenset[str]) -> list[Mention]:
        """Quotation spans: text in quotation marks, or (``implicit``) long runs of
        ``words`` found in statements, each tied to the statement it is closest to."""
        stopwords = self.stopwords
        spans: list[tuple[int, int]] = []
        if raw:
            for match in QUOTED.finditer(raw):
                quoted = normalize(match.group(1)).split()
                start = find(words, quoted)
                if quoted and start >= 0:
                    spans.append((start, start + len(quoted)))
        if not spans and not implicit:
            return []
        hit = [False] * len(words)
        for i in range(len(words) - 1 if implicit else 0):
            if words[i] in stopwords and words[i + 1] in stopwords:
                continue
            if f"{words[i]} {words[i + 1]}" in self._bigrams:
                hit[i] = hit[i + 1] = True
        for i in range(1, len(words) - 1):
            if hit[i - 1] and hit[i + 1] and not hit[i]:
                hit[i] = True
        i = 0
        while i < len(words):
            if not hit[i]:
                i += 1
                continue
            j = i
            while j < len(words) and hit[j]:
                j += 1
            content = [w for w in words[i:j] if w not in stopwords and w not in alias_words]
            if j - i >= QUOTE_MIN_WORDS and len(content) >= 2:
                spans.append((i, j))
            i = j
        mentions: list[Mention] = []
        for start, end in sorted(set(spans)):
            if any(start < m.end and m.start < end for m in mentions):
                continue
            text = " ".join(words[start:end])
            found = self.best(text)
            best_id = ""
            if found is not None and found[0] >= QUOTE_SIMILARITY:
                meeting_id, index, _ = self.statements[found[1]]
                best_id = f"{meeting_id}#{index}"
            mentions.append(Mention("quote", best_id, text, 100.0, start, end))
        return mentions
