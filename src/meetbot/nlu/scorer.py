"""Intent scoring: a question's template against every example phrasing.

The score is an IDF-weighted soft token F1: words weigh by how few intents use them, a typo
counts as the word it is closest to, and a function word the phrasing lacks costs less than
a missing content word. A mention matches its slot word in general phrasings and its own id
in FAQ ones. Each intent keeps its best phrasing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from cachetools import LRUCache
from rapidfuzz import fuzz, process

from meetbot.domain.route import Candidate, Mention
from meetbot.lang.words import LanguageWords
from meetbot.nlu.lexicon import MEMO_SIZE
from meetbot.nlu.templates import SLOT_WORDS, Example, unnamed
from meetbot.nlu.templates import specific as specific_token

COMMON_WORD_SHARE = 0.08
"""A word in more than this share of the phrasings is too common to select candidates."""
FUNCTION_WORD_DISCOUNT = 0.7
"""How much less a question's function word counts when a phrasing does not contain it."""
FILLER_WEIGHT = 0.15
"""What a filler word ("please", "so") weighs."""
KEPT_CANDIDATES = 8
"""Candidates a routing decision looks at (and a template's remembered score keeps)."""
SCORE_MEMO_SIZE = 4096
"""Templates whose scores are remembered (about 1 KB each)."""
TEMPLATE_MEMO_SIZE = 1024
"""Templates whose scores against the phrasings are remembered (a few KB each; one template
serves every pair of people asked about in it)."""
INFERRED_COST = 1e-6
"""What reading a pronoun as the entity it stands for costs a score: enough to break a tie."""
_UNSCORED = -2.0
"""Marks a phrasing not yet scored against a template (scores are at least 0)."""


def rank(candidate: Candidate) -> tuple[float, int, str]:
    """Best first; on a tie, the phrasing naming more of the question's entries, then by name."""
    return (-candidate.score, -candidate.named, candidate.intent)


def best_of(literal: list[Candidate], inferred: list[Candidate]) -> list[Candidate]:
    """Merge two readings of a question; on a tie, the literal one ranks first."""
    best: dict[str, Candidate] = {c.intent: c for c in literal}
    for candidate in inferred:
        if candidate.intent not in best or candidate.score > best[candidate.intent].score:
            best[candidate.intent] = replace(candidate, score=candidate.score - INFERRED_COST)
    return sorted(best.values(), key=rank)


@dataclass(slots=True)
class _TemplateScoring:
    """What scoring a template needs whatever entries the question names, and the scores of
    phrasings against it that do not depend on the entries named."""

    matched: dict[str, float]
    """Phrasing-vocabulary words of the template (or typos of them): best similarity."""
    weighted: dict[str, float]
    """The same words, weighted."""
    total: float
    """The weight of the template's words."""
    function: dict[str, float]
    """Function words of the template, by vocabulary word: their weight."""
    scores: dict[int, float | None] = field(default_factory=dict)
    """Per phrasing, once scored while naming none of the question's entries: its score
    before any penalty for naming another entry (None: no word shared)."""



class IntentScorer:
    """Scores templates against the example phrasings of every intent."""

    def __init__(self, examples: list[Example], language: LanguageWords) -> None:
        """IDF weights per word (over intents) and an inverted index of ``examples``."""
        self.examples = examples
        self.words = language
        intents_with: dict[str, set[str]] = {}
        for ex in self.examples:
            for word in set(ex.template.split()):
                intents_with.setdefault(word, set()).add(ex.intent)
        n = len({ex.intent for ex in self.examples}) or 1
        self._idf = {w: math.log(1 + n / len(ids)) for w, ids in intents_with.items()}
        self._unknown_weight = math.log(1 + n)
        self._postings: dict[str, list[int]] = {}
        self._example_weight: list[float] = []
        self._example_specific: list[tuple[str, ...]] = []
        self._example_slots: list[tuple[str, ...]] = []
        """The slot word of each of those entries ("xperson" for "xperson_schmid")."""
        self._example_words: list[frozenset[str]] = []
        self._example_intent = [ex.intent for ex in self.examples]
        self._example_tuples: list[tuple[str, ...]] = []
        """Each example's distinct words, in a stable order (sums must not vary by run)."""
        for index, ex in enumerate(self.examples):
            words = frozenset(ex.template.split())
            self._example_words.append(words)
            self._example_tuples.append(tuple(dict.fromkeys(ex.template.split())))
            self._example_specific.append(tuple(w for w in words if "_" in w))
            self._example_slots.append(tuple(w.split("_", 1)[0]
                                             for w in self._example_specific[-1]))
            self._example_weight.append(sum(self.weight(w) for w in words) or 1.0)
            for word in words:
                self._postings.setdefault(word, []).append(index)
        self._vocab_list = sorted(w for w in self._idf if "_" not in w)
        self._soft_cache: LRUCache[str, tuple[tuple[str, float], ...]] = LRUCache(MEMO_SIZE)
        self._score_cache: LRUCache[tuple[str, tuple[str, ...]], tuple[Candidate, ...]] = (
            LRUCache(SCORE_MEMO_SIZE))
        self._template_cache: LRUCache[str, _TemplateScoring] = LRUCache(TEMPLATE_MEMO_SIZE)
        limit = max(COMMON_WORD_SHARE * len(self.examples), 20)
        self._common_words = frozenset(w for w, ids in self._postings.items() if len(ids) > limit)
        """Words in so many phrasings ("the", "what", a slot) that they don't pick candidates."""
        self._function_only = frozenset(
            i for i, words in enumerate(self._example_words)
            if all(w in self._common_words for w in words))
        """Phrasings made only of common words, always scored ("who is {person}")."""

    def weight(self, word: str) -> float:
        """How much ``word`` counts: its IDF over the intents; fillers almost nothing."""
        if word in self.words.fillers:
            return FILLER_WEIGHT
        if "_" in word:
            word = word.split("_", 1)[0]
        return self._idf.get(word, self._unknown_weight)

    def soft_match(self, word: str) -> tuple[str, float] | None:
        """The phrasing-vocabulary word ``word`` is (a typo of), with its similarity."""
        matches = self._soft_matches(word)
        return matches[0] if matches else None

    def _soft_matches(self, word: str) -> tuple[tuple[str, float], ...]:
        """Every phrasing-vocabulary word ``word`` may be a typo of, best first.

        A typo can be equally close to several words; each of them counts.
        """
        if word in self._idf:
            return ((word, 1.0),)
        found = self._soft_cache.get(word)
        if found is None:
            found = self._soft_cache[word] = self._soft_matches_uncached(word)
        return found

    def _soft_matches_uncached(self, word: str) -> tuple[tuple[str, float], ...]:
        if len(word) < 3 or word.isdigit() or word in SLOT_WORDS:
            return ()
        cutoff = {3: 85.0, 4: 75.0}.get(len(word), 80.0)
        hits = process.extract(word, self._vocab_list, scorer=fuzz.ratio,
                               score_cutoff=cutoff, limit=4)
        if not hits:
            return ()
        top = hits[0][1]
        return tuple((hit, score / 100.0) for hit, score, _ in hits if score >= top)

    def score_intents(self, template: str,
                      mentions: Iterable[Mention] = ()) -> list[Candidate]:
        """Score the template against every example: IDF-weighted soft token F1.

        A mention matches its slot word in general phrasings and its own id in FAQ ones.
        Many questions share a template ("when did {person} meet {person}"), so results are
        remembered per template and mentioned entries (bounded). An entry that no phrasing
        names counts only by its kind, so it is remembered as "an entry of that kind".
        """
        idf = self._idf
        specific = tuple(sorted({token if token in idf else unnamed(token)
                                 for token in map(specific_token, mentions)}))
        key = (template, specific)
        cached = self._score_cache.get(key)
        if cached is None:
            cached = self._score_cache[key] = tuple(self._score_intents(template, specific))
        return list(cached)

    def _template_scoring(self, template: str) -> _TemplateScoring:
        """The parts of scoring ``template`` that do not depend on the entries named."""
        found = self._template_cache.get(template)
        if found is not None:
            return found
        matched: dict[str, float] = {}
        total = 0.0
        function: dict[str, float] = {}  # function words of the question, by vocabulary word
        for word in dict.fromkeys(template.split()):
            hits = self._soft_matches(word)
            if not hits:
                total += self.weight(word)
                if word in self.words.stopwords:
                    function[word] = self.weight(word)
                continue
            total += self.weight(hits[0][0])
            for vocab_word, sim in hits:
                matched[vocab_word] = max(matched.get(vocab_word, 0.0), sim)
                if vocab_word in self.words.stopwords:
                    function[vocab_word] = self.weight(vocab_word)
        weighted = {word: self.weight(word) * sim for word, sim in matched.items()}
        found = self._template_cache[template] = _TemplateScoring(matched, weighted, total,
                                                                  function)
        return found

    def _score_intents(self, template: str, specific: tuple[str, ...]) -> list[Candidate]:
        """The best ``KEPT_CANDIDATES`` intents for ``template``, best first (see :func:`rank`)."""
        if not template.split():
            return []
        base = self._template_scoring(template)
        # Entry tokens ("xperson_schmid") contain "_", vocabulary words never do: the two
        # parts do not overlap, and the entries come first as they always have.
        matched: dict[str, float] = dict.fromkeys(specific, 1.0)
        matched.update(base.matched)
        weighted = {token: self.weight(token) * 1.0 for token in specific}
        weighted.update(base.weighted)
        q_total = base.total
        function = base.function
        asked = {token.split("_", 1)[0]: token for token in specific}
        # Candidates come from content words and slots; function words ("the", "what")
        # appear in most phrasings and would make every phrasing a candidate.
        common = self._common_words
        content = [word for word in matched if word not in common]
        if not content and weighted:  # only common words ("what is the {org}"): weightiest
            top = max(weighted.values())
            content = [word for word, weight in weighted.items() if weight >= top / 2]
        candidates: set[int] = set(self._function_only)
        for word in content:
            candidates.update(self._postings.get(word, ()))
        naming: set[int] = set()  # the phrasings naming an entry the question names
        for token in specific:
            naming.update(self._postings.get(token, ()))
        weight_of = weighted.get
        function_weight_of = function.get
        function_total = sum(function.values())
        zeros = itertools.repeat(0.0)
        example_tuples = self._example_tuples
        example_weight = self._example_weight
        example_specific = self._example_specific
        example_slots = self._example_slots
        example_intent = self._example_intent
        remembered = base.scores
        best_score: dict[str, float] = {}
        best_index: dict[str, int] = {}
        for index in candidates:  # in the set's order: on a tie, the first seen stays
            specific_here = example_specific[index]
            # Unless the phrasing names one of the question's entries, the entries named
            # add nothing to its score (only the penalty below): remembered per template.
            fresh = index in naming
            score = _UNSCORED if fresh else remembered.get(index, _UNSCORED)
            if score == _UNSCORED:
                words_here = example_tuples[index]
                overlap = sum(map(weight_of, words_here, zeros))
                if overlap:
                    # A function word the example lacks costs less than a missing content
                    # word.
                    spare = function_total - (sum(map(function_weight_of, words_here, zeros))
                                              if function_total else 0.0)
                    denominator = q_total - FUNCTION_WORD_DISCOUNT * spare
                    precision = overlap / denominator if denominator > 0 else 0.0
                    recall = overlap / example_weight[index]
                    # rounded: sums over sets add in hash order, and ties must not depend on it
                    score = round(2 * precision * recall / (precision + recall), 9)
                else:
                    score = None
                if not fresh:
                    remembered[index] = score
            if score is None:
                continue
            if specific_here and asked:
                for token, slot in zip(specific_here, example_slots[index], strict=True):
                    if slot in asked and token not in matched:
                        score *= 0.6
            intent = example_intent[index]
            if score > best_score.get(intent, -1.0):
                best_score[intent] = score
                best_index[intent] = index
        # How many of the question's entries each best phrasing names (most name none).
        named = {intent: sum(t in matched for t in tokens) if tokens else 0
                 for intent, index in best_index.items()
                 for tokens in (example_specific[index],)}
        ranked = sorted((-score, -named[intent], intent) for intent, score in best_score.items())
        best = []
        for _, _, intent in ranked[:KEPT_CANDIDATES]:  # only these are ever looked at
            index = best_index[intent]
            tokens = example_specific[index]
            missing = tuple(t for t in tokens if t not in matched) if tokens else ()
            best.append(Candidate(intent, best_score[intent], self.examples[index].text,
                                  missing, named[intent]))
        return best
