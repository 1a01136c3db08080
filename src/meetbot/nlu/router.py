"""Route a question to an intent with its entities: entity linking, then intent scoring.

1. **Entity linking.** Every alias, acronym and name in the knowledge base is normalised
   (:func:`meetbot.lang.normalize.normalize`) into an index. Word n-grams of the question are
   looked up exactly, then fuzzily (rapidfuzz) with a cut-off that grows stricter for
   short words, so "tokaev", "shmid" and "kosherbaev" link while "camp" does not become
   "Kamp". Years and month names become date mentions.
2. **Templating.** Linked spans are replaced by slot words (``xperson``, ``xorg``...), so
   "when did tokaev meet shmid" and the example "when did {person} meet {person}" compare
   as equals.
3. **Intent scoring.** The template is scored against every example phrasing (intents and
   FAQ questions, templated the same way) with rapidfuzz; each intent keeps its best.
4. **Slots and context.** An intent that needs people it does not find in the question
   takes them from the previous turn when the question refers back ("she", "they", "that
   meeting", or names nothing at all). Words the knowledge base has never seen lower the
   confidence: that is how "who is the president of France?" is declined rather than
   forced onto "who is".
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

from rapidfuzz import fuzz, process

from meetbot.domain.dialogue import NO_CONTEXT, Context
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.lang.normalize import normalize, transliterate

Kind = Literal["person", "role", "org", "event", "date", "quote"]
SLOT_WORD: dict[str, str] = {"person": "xperson", "role": "xrole", "org": "xorg",
                             "event": "xevent", "date": "xdate", "quote": "xquote"}
_GENERIC_SLOTS = frozenset(SLOT_WORD.values())
_SLOT_RE = re.compile(r"\{(person|role|org|event|date|quote)\}")
_QUOTED = re.compile(r"[\"“”«»„]([^\"“”«»„]{3,})[\"“”«»„]")
QUOTE_MIN_WORDS = 5
"""A run of at least this many words found in a recorded statement counts as a quotation."""
COMMON_WORD_SHARE = 0.08
"""A word in more than this share of the phrasings is too common to select candidates."""
FUNCTION_WORD_DISCOUNT = 0.7
"""How much less a question's function word counts when a phrasing does not contain it."""
UNKNOWN_WORD_PENALTY = 0.55
"""Confidence factor per word that neither the phrasings nor the sources contain."""

FEMALE = frozenset({"she", "her", "hers", "herself"})
MALE = frozenset({"he", "him", "his", "himself"})
PLURAL = frozenset({"they", "them", "their", "both", "theirs", "themselves"})
BACK_REFERENCES = FEMALE | MALE | PLURAL | {"that", "this", "the", "it", "there", "then"}

FILLERS = frozenset("""
    please pls plz can could would you tell me let know i want wanted to like do does
    kindly hi hello hey ok okay so well just actually quick question bot dear sir madam
    and also
""".split())
STOPWORDS = frozenset("""
    a an the of in on at to for with by from about as and or is are was were be been
    being has have had do does did what who whom whose which when where why how that
    this these those it its into than then there their they them he she him her his hers
    me my we our you your i any all some not no yes s
    whether ever also again still yet just only even exactly really very much many more
    most such same other another each every both either neither if so because while
    during before after since until over under between through against among per via
    there here now then ever never always often sometimes perhaps maybe may might must
    shall should will would can could cannot get got go went make made take took give
    gave come came see saw know knew think thought tell told say said ask asked want
    like one ones thing things something anything someone anyone kind sort type way
    please thanks thank t d ll ve re m okay ok oh um uh hmm well let us lot lots end
    beginning start late early middle currently current recently recent today now
""".split())

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate([
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
        ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
        ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
        ("december", "dec"),
    ], start=1)
    for name in names
}
_YEAR = re.compile(r"^(19|20)\d\d$")

PERSON_INTENTS_2 = frozenset({"meeting_date", "meeting_place", "meeting_topics", "did_meet"})
"""Intents about a meeting between two people (one may be implied by context)."""

REQUIRES: Mapping[str, tuple[Kind, ...]] = {
    "who_is": ("person",),
    "role_holder": ("role",),
    "org_head": ("org",),
    "org_info": ("org",),
    "person_meetings": ("person",),
    "statements": ("person",),
    "event_info": ("event",),
    "event_when": ("event",),
    "event_where": ("event",),
}
"""The entity kinds an intent cannot answer without."""


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity found in the question (or carried over from the conversation)."""

    kind: Kind
    id: str
    text: str
    score: float
    start: int = -1
    end: int = -1


@dataclass(frozen=True, slots=True)
class Candidate:
    """One intent the question resembles, with the example phrasing it matched best."""

    intent: str
    score: float
    example: str
    missing: tuple[str, ...] = ()
    """Entries the example phrasing names ("person_schmid") that the question does not."""
    named: int = 0
    """Entries the example phrasing names that the question names too."""


def _rank(candidate: Candidate) -> tuple[float, int, str]:
    """Best first; on a tie, the phrasing naming more of the question's entries, then by name."""
    return (-candidate.score, -candidate.named, candidate.intent)


@dataclass(frozen=True, slots=True)
class Route:
    """The routing decision for one question."""

    intent: str
    confidence: float
    mentions: tuple[Mention, ...]
    candidates: tuple[Candidate, ...]
    template: str
    topic: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    from_context: bool = False
    words: tuple[str, ...] = field(default=())

    def ids(self, kind: Kind) -> list[str]:
        """Return the ids of the mentions of ``kind``, in order, without repeats."""
        seen: list[str] = []
        for mention in self.mentions:
            if mention.kind == kind and mention.id not in seen:
                seen.append(mention.id)
        return seen

    @property
    def margin(self) -> float:
        """The gap between the two best candidates (0 when there is only one)."""
        if len(self.candidates) < 2:
            return self.candidates[0].score if self.candidates else 0.0
        return self.candidates[0].score - self.candidates[1].score


@dataclass(frozen=True)
class Example:
    """An example phrasing, templated."""

    intent: str
    text: str
    template: str


def _word_close(typed: str, known: str) -> bool:
    """True when ``typed`` is ``known`` or a plausible typo of it."""
    if typed == known:
        return True
    cutoff = _fuzzy_cutoff(typed)
    return cutoff <= 100 and fuzz.ratio(typed, known) >= cutoff


def latin(word: str) -> str:
    """A normalised word (or phrase) in Latin letters; Latin input is returned unchanged."""
    if word.isascii():
        return word
    return " ".join(transliterate(word).split()) or word


def _fuzzy_cutoff(word: str) -> float:
    """Similarity needed for a fuzzy alias match: stricter for short strings."""
    n = len(word.replace(" ", ""))
    if n <= 3:
        return 101.0
    if n <= 5:
        return 80.0
    return 82.0


WORD_FORM_SIMILARITY = 88.0
"""How close a word must be to a word of the knowledge base to count as another form of it
("invite" and "invited", "welcome" and "welcomed"; not "nationality" and "national")."""
INFERRED_COST = 1e-6
"""What reading a pronoun as the entity it stands for costs a score: enough to break a tie."""
KEPT_CANDIDATES = 8
"""Candidates a routing decision looks at (and a template's remembered score keeps)."""
SCORE_MEMO_SIZE = 4096
"""Templates whose scores a router remembers (about 1 KB each) before it starts afresh."""
TEMPLATE_MEMO_SIZE = 1024
"""Templates whose scores against the phrasings a router remembers (a few KB each; one
template serves every pair of people asked about in it)."""
MEMO_SIZE = 20_000
"""Words and phrases whose fuzzy results a router remembers before it starts afresh."""

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """Results remembered for questions to come, bounded: when full, it starts afresh."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: K, value: V) -> V:
        """Keep ``value`` for ``key``; return it."""
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


Linked = tuple[list[tuple["Kind", str]] | None, float]
"""What a phrase links to (None: nothing) and how closely."""

_UNSCORED = -2.0
"""Marks a phrasing not yet scored against a template (scores are at least 0)."""


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


class _ByLength:
    """Words sorted by length, so that fuzzy searches compare only those of similar length."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = sorted(words, key=len)
        self.lengths = [len(word) for word in self.words]

    def near(self, text: str, cutoff: float) -> list[str]:
        """The words long enough and short enough for ``fuzz.ratio`` with ``text`` to reach
        ``cutoff``: as the distance is at least the difference in length, the ratio is at
        most ``200 * min(a, b) / (a + b)`` for lengths ``a`` and ``b``."""
        shortest = math.floor(len(text) * cutoff / (200 - cutoff))
        longest = math.ceil(len(text) * (200 - cutoff) / cutoff)
        return self.words[bisect.bisect_left(self.lengths, shortest):
                          bisect.bisect_right(self.lengths, longest)]


class Router:
    """Entity linker and intent scorer over one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.stopwords, self.months = _language_words(kb)
        self.female, self.male, self.plural, self.back_references = _pronouns(kb)
        self._personal = self.female | self.male | self.plural
        """Pronouns that stand for a person ("she", "they")."""
        self._thing_references = self.back_references - self._personal - {
            "the", "that", "this", "there", "then"}
        """Words that stand for an organisation, event or role ("it")."""
        self.aliases: dict[str, list[tuple[Kind, str]]] = {}
        self._build_aliases()
        self.max_alias_words = max((len(a.split()) for a in self.aliases), default=1)
        by_words: dict[int, list[str]] = {}
        for alias in self.aliases:
            if alias.isascii():  # fuzzy matching happens in the Latin (transliterated) space
                by_words.setdefault(len(alias.split()), []).append(alias)
        self._alias_words = frozenset(w for alias in self.aliases for w in alias.split())
        self._aliases_by_length = {size: _ByLength(aliases) for size, aliases in by_words.items()}
        """Per number of words, the Latin aliases by length."""
        self._latin_alias_words = _ByLength(sorted({w for size, aliases in by_words.items()
                                                    if size > 1 for a in aliases
                                                    for w in a.split()}))
        """Every word of a multi-word alias: a chunk's words must each be close to one."""
        self._linked: Memo[str, Linked] = Memo()
        self._alias_like: Memo[str, bool] = Memo()
        self._other_form: Memo[str, bool] = Memo()
        self._build_statements()
        self.examples: list[Example] = []
        self._build_examples()
        self.intent_vocabulary = frozenset(
            word for ex in self.examples for word in ex.template.split()
            if word not in SLOT_WORD.values())
        self.question_words = frozenset(
            word for ex in self.examples if not ex.intent.startswith("faq:")
            for word in ex.template.split() if word not in SLOT_WORD.values())
        """Words of the general phrasings ("what", "say", "discuss"): never a topic."""
        in_scope = frozenset(
            word for ex in self.examples if ex.intent != "out_of_scope"
            for word in ex.template.split())
        self.vocabulary = in_scope | self._knowledge_vocabulary()
        """Words that belong to the domain; any other word makes a question less likely ours."""
        self._vocabulary_list: _ByLength | None = None
        self._build_scorer()
        self._latin_vocabulary = frozenset(latin(w) for w in self.intent_vocabulary
                                           if not w.isascii())
        self._latin_stopwords = frozenset(latin(w) for w in self.stopwords if not w.isascii())
        self._quote_intents = frozenset(ex.intent for ex in self.examples
                                        if SLOT_WORD["quote"] in ex.template.split())

    # -- index -------------------------------------------------------------------------
    def _add_alias(self, text: str, kind: Kind, entry_id: str) -> None:
        native = normalize(text)
        # the Latin form of the stemmed native alias too, so that a misspelt inflected
        # Cyrillic name ("кашербаевым" -> "kasherba") is compared stem to stem
        for key in dict.fromkeys((native, transliterate(text), latin(native))):
            if not key or key in self.stopwords:
                continue
            targets = self.aliases.setdefault(key, [])
            if (kind, entry_id) not in targets:
                targets.append((kind, entry_id))

    def _build_aliases(self) -> None:
        kb = self.kb
        given_names: dict[str, list[str]] = {}
        for person in kb.people.values():
            for text in (person.name, *person.aliases, *_translations(person.translations)):
                self._add_alias(text, "person", person.id)
            words = normalize(person.name).split()
            for word in words[:-1]:
                if len(word) >= 4:
                    given_names.setdefault(word, []).append(person.id)
        for word, ids in given_names.items():
            if len(ids) == 1 and word not in self.aliases:
                self._add_alias(word, "person", ids[0])
        for role in kb.roles.values():
            for text in (role.name, *role.aliases, *_translations(role.translations)):
                self._add_alias(text, "role", role.id)
        for org in kb.organizations.values():
            for text in (org.name, *org.acronyms, *org.aliases,
                         *_translations(org.translations)):
                self._add_alias(text, "org", org.id)
        for event in kb.events.values():
            for text in (event.name, *event.aliases, *_translations(event.translations)):
                self._add_alias(text, "event", event.id)

    def _knowledge_vocabulary(self) -> frozenset[str]:
        words: set[str] = set()
        for alias in self.aliases:
            words.update(alias.split())
        for doc in self.kb.sources.values():
            words.update(normalize(doc.text).split())
            words.update(normalize(doc.meta.title).split())
        for meeting in self.kb.meetings.values():
            for topic in meeting.topics:
                words.update(normalize(" ".join((topic.text, *topic.keywords))).split())
            for statement in meeting.statements:
                words.update(normalize(" ".join(statement.keywords)).split())
        for faq in self.kb.faq.values():
            for question in faq.questions:
                words.update(normalize(question).split())
        return frozenset(words)

    def _build_examples(self) -> None:
        for intent in self.kb.intents.values():
            for text in intent.examples:
                self.examples.append(Example(intent.id, text, self.template_of(text)))
        for faq in self.kb.faq.values():
            for text in faq.questions:
                self.examples.append(Example(f"faq:{faq.id}", text,
                                             self.template_of(text, specific=True)))

    def template_of(self, text: str, *, specific: bool = False) -> str:
        """Return the slot template of an example phrasing (slots may be written out).

        With ``specific`` (FAQ questions, which are about particular entries), a named entry
        becomes a slot word tied to its id, so it matches questions about that entry only.
        """
        marked = _SLOT_RE.sub(lambda m: f" {SLOT_WORD[m.group(1)]} ", text)
        words = normalize(marked).split()
        mentions = self.link(words, fuzzy=False, quotes=False)
        return " ".join(_templated(words, mentions, specific=specific))

    def _build_statements(self) -> None:
        """Index recorded statements by word pairs, to spot quotations in questions."""
        self.statements: list[tuple[str, int, str]] = []
        self._bigrams: dict[str, set[int]] = {}
        self._statement_words: dict[str, set[int]] = {}
        for meeting in self.kb.meetings.values():
            for index, statement in enumerate(meeting.statements):
                text = normalize(statement.cite.quote)
                number = len(self.statements)
                self.statements.append((meeting.id, index, text))
                words = text.split()
                for a, b in itertools.pairwise(words):
                    self._bigrams.setdefault(f"{a} {b}", set()).add(number)
                for word in set(words):
                    self._statement_words.setdefault(word, set()).add(number)

    def _quotes(self, words: list[str], raw: str | None, implicit: bool) -> list[Mention]:
        """Quotation spans: text in quotation marks, or long runs found in statements."""
        spans: list[tuple[int, int]] = []
        if raw:
            for match in _QUOTED.finditer(raw):
                quoted = normalize(match.group(1)).split()
                start = _find(words, quoted)
                if quoted and start >= 0:
                    spans.append((start, start + len(quoted)))
        if not spans and not implicit:
            return []
        hit = [False] * len(words)
        for i in range(len(words) - 1 if implicit else 0):
            if words[i] in self.stopwords and words[i + 1] in self.stopwords:
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
            content = [w for w in words[i:j] if w not in self.stopwords
                       and w not in self._alias_words]
            if j - i >= QUOTE_MIN_WORDS and len(content) >= 2:
                spans.append((i, j))
            i = j
        mentions: list[Mention] = []
        for start, end in sorted(set(spans)):
            if any(start < m.end and m.start < end for m in mentions):
                continue
            text = " ".join(words[start:end])
            found = self.best_statement(text)
            best_id = ""
            if found is not None and found[0] >= 80:
                meeting_id, index, _ = self.statements[found[1]]
                best_id = f"{meeting_id}#{index}"
            mentions.append(Mention("quote", best_id, text, 100.0, start, end))
        return mentions

    def best_statement(self, text: str) -> tuple[float, int] | None:
        """The recorded statement ``text`` (normalised) is most like: (similarity, number).

        Only statements sharing a content word with ``text`` are compared, so the cost does
        not grow with every statement in the knowledge base.
        """
        words = [w for w in text.split() if w not in self.stopwords]
        candidates: set[int] = set()
        for word in words:
            candidates.update(self._statement_words.get(word, ()))
        best: tuple[float, int] | None = None
        for number in candidates:
            quote = self.statements[number][2]
            score = (fuzz.partial_ratio(text, quote) if len(text) <= len(quote)
                     else fuzz.partial_ratio(quote, text))
            if best is None or score > best[0]:
                best = (score, number)
        return best

    def _build_scorer(self) -> None:
        """IDF weights per word (over intents) and an inverted index of the examples."""
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
            self._example_weight.append(sum(self._weight(w) for w in words) or 1.0)
            for word in words:
                self._postings.setdefault(word, []).append(index)
        self._vocab_list = sorted(w for w in self._idf if "_" not in w)
        self._soft_cache: Memo[str, tuple[tuple[str, float], ...]] = Memo()
        self._score_cache: Memo[tuple[str, tuple[str, ...]], tuple[Candidate, ...]] = Memo(
            SCORE_MEMO_SIZE)
        self._template_cache: Memo[str, _TemplateScoring] = Memo(TEMPLATE_MEMO_SIZE)
        limit = max(COMMON_WORD_SHARE * len(self.examples), 20)
        self._common_words = frozenset(w for w, ids in self._postings.items() if len(ids) > limit)
        """Words in so many phrasings ("the", "what", a slot) that they don't pick candidates."""
        self._function_only = frozenset(
            i for i, words in enumerate(self._example_words)
            if all(w in self._common_words for w in words))
        """Phrasings made only of common words, always scored ("who is {person}")."""

    def _weight(self, word: str) -> float:
        if word in FILLERS:
            return 0.15
        if "_" in word:
            word = word.split("_", 1)[0]
        return self._idf.get(word, self._unknown_weight)

    def _soft_match(self, word: str) -> tuple[str, float] | None:
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
            found = self._soft_cache.remember(word, self._soft_matches_uncached(word))
        return found

    def _soft_matches_uncached(self, word: str) -> tuple[tuple[str, float], ...]:
        if len(word) < 3 or word.isdigit() or word in SLOT_WORD.values():
            return ()
        cutoff = {3: 85.0, 4: 75.0}.get(len(word), 80.0)
        hits = process.extract(word, self._vocab_list, scorer=fuzz.ratio,
                               score_cutoff=cutoff, limit=4)
        if not hits:
            return ()
        top = hits[0][1]
        return tuple((hit, score / 100.0) for hit, score, _ in hits if score >= top)

    def is_unknown(self, word: str) -> bool:
        """True when neither the phrasings nor the sources contain ``word`` (or a typo of it)."""
        if word in self.vocabulary or word in self.stopwords or word in FILLERS or word.isdigit():
            return False
        hit = self._soft_match(word)
        if hit is not None and hit[0] in self.vocabulary:
            return False
        return not self._other_form_known(word)

    def _other_form_known(self, word: str) -> bool:
        """True when the sources use a form of ``word`` ("invite": "invited")."""
        if len(word) < 5:
            return False
        known = self._other_form.get(word)
        if known is None:
            if self._vocabulary_list is None:
                self._vocabulary_list = _ByLength(sorted(self.vocabulary))
            known = self._other_form.remember(word, process.extractOne(
                word, self._vocabulary_list.near(word, WORD_FORM_SIMILARITY),
                scorer=fuzz.ratio, score_cutoff=WORD_FORM_SIMILARITY) is not None)
        return known

    def score_intents(self, template: str,
                      mentions: Iterable[Mention] = ()) -> list[Candidate]:
        """Score the template against every example: IDF-weighted soft token F1.

        A mention matches its slot word in general phrasings and its own id in FAQ ones.
        Many questions share a template ("when did {person} meet {person}"), so results are
        remembered per template and mentioned entries (bounded). An entry that no phrasing
        names counts only by its kind, so it is remembered as "an entry of that kind".
        """
        idf = self._idf
        specific = tuple(sorted({token if token in idf else _unnamed(token)
                                 for token in map(_specific, mentions)}))
        key = (template, specific)
        cached = self._score_cache.get(key)
        if cached is None:
            cached = self._score_cache.remember(key, tuple(self._score_intents(template,
                                                                               specific)))
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
                total += self._weight(word)
                if word in self.stopwords:
                    function[word] = self._weight(word)
                continue
            total += self._weight(hits[0][0])
            for vocab_word, sim in hits:
                matched[vocab_word] = max(matched.get(vocab_word, 0.0), sim)
                if vocab_word in self.stopwords:
                    function[vocab_word] = self._weight(vocab_word)
        weighted = {word: self._weight(word) * sim for word, sim in matched.items()}
        return self._template_cache.remember(
            template, _TemplateScoring(matched, weighted, total, function))

    def _score_intents(self, template: str, specific: tuple[str, ...]) -> list[Candidate]:
        """The best ``KEPT_CANDIDATES`` intents for ``template``, best first (see ``_rank``)."""
        if not template.split():
            return []
        base = self._template_scoring(template)
        # Entry tokens ("xperson_schmid") contain "_", vocabulary words never do: the two
        # parts do not overlap, and the entries come first as they always have.
        matched: dict[str, float] = dict.fromkeys(specific, 1.0)
        matched.update(base.matched)
        weighted = {token: self._weight(token) * 1.0 for token in specific}
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

    # -- linking -----------------------------------------------------------------------
    def link(self, words: list[str], *, fuzzy: bool = True, quotes: bool = True,
             raw: str | None = None, implicit: bool = False) -> list[Mention]:
        """Find quotation, entity and date mentions in normalised ``words``, longest first.

        Text in quotation marks is a quotation; with ``implicit``, so is a long run of words
        found in a recorded statement.
        """
        taken = [False] * len(words)
        found: list[Mention] = self._quotes(words, raw, implicit) if quotes else []
        for mention in found:
            for i in range(mention.start, mention.end):
                taken[i] = True
        # a phrase in Latin is its words in Latin
        latin_words = [w if w.isascii() else latin(w) for w in words]
        # Each span of up to ``max_alias_words`` words is considered, longest first. Per
        # word, once, rather than for each span that holds it: whether it is a function
        # word and whether it occurs in some alias (an exact match needs every word of the
        # span to). ``*_reach[i]`` is where the run of such words starting at ``i`` ends,
        # so "are all words of words[start:end] such" is ``end <= reach[start]``.
        stopwords = self.stopwords
        alias_words = self._alias_words
        function_reach = _reach([w in stopwords or w in FILLERS for w in words])
        native_reach = _reach([w in alias_words for w in words])
        latin_reach = native_reach if latin_words == words else _reach(
            [all(part in alias_words for part in w.split()) for w in latin_words])
        free_reach = _reach([not t for t in taken]) if found else [len(words)] * (
            len(words) + 1)
        latin_function = [w in stopwords or w in self._latin_stopwords
                          for w in latin_words] if fuzzy else []
        alias_like: list[bool | None] = [None] * len(words)  # filled in as needed
        aliases = self.aliases
        for size in range(min(self.max_alias_words, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                end = start + size
                if end > free_reach[start] or end <= function_reach[start]:
                    continue  # overlaps a mention found already, or only function words
                hit = None
                score = 100.0
                if end <= native_reach[start]:
                    hit = aliases.get(" ".join(words[start:end]))
                if hit is None and end <= latin_reach[start]:
                    hit = aliases.get(" ".join(latin_words[start:end]))
                # A fuzzy match never starts or ends with a function word, and each of its
                # other words must be (a typo of) a word of some alias.
                if hit is None and fuzzy and not (latin_function[start]
                                                  or latin_function[end - 1]):
                    for i in range(start, end) if size > 1 else ():
                        if latin_function[i]:
                            continue
                        like = alias_like[i]
                        if like is None:
                            like = alias_like[i] = self._could_be_alias_word(latin_words[i])
                        if not like:
                            break
                    else:
                        latin_chunk = latin_words[start:end]
                        hit, score = self._fuzzy(" ".join(latin_chunk), latin_chunk, size)
                if hit is None:
                    continue
                kind, entry_id = hit[0]
                found.append(Mention(kind, entry_id, " ".join(words[start:end]), score,
                                     start, end))
                for i in range(start, end):
                    taken[i] = True
                free_reach = _reach([not t for t in taken])
        for i, word in enumerate(words):
            if taken[i]:
                continue
            if _YEAR.match(word):
                found.append(Mention("date", word, word, 100.0, i, i + 1))
            elif word in self.months and (word != "may" or _next_is_year(words, i)):
                year = words[i + 1] if _next_is_year(words, i) else "????"
                found.append(Mention("date", f"{year}-{self.months[word]:02d}", word, 100.0,
                                     i, i + 1))
        found.sort(key=lambda m: m.start)
        return _merge_month_year(found)

    def _fuzzy(self, phrase: str, chunk: list[str], size: int) -> Linked:
        """The alias the Latin ``phrase`` (words ``chunk``) is a typo of, if any.

        ``link`` has checked that the phrase neither starts nor ends with a function word
        and that each of its other words could be part of an alias.
        """
        if size == 1 and (phrase in self.intent_vocabulary or phrase in self._latin_vocabulary
                          or phrase in FILLERS or phrase.isdigit()):
            return None, 0.0
        cutoff = _fuzzy_cutoff(phrase)
        if cutoff > 100:
            return None, 0.0
        hit = self._linked.get(phrase)
        if hit is None:
            hit = self._linked.remember(phrase, self._fuzzy_search(phrase, chunk, size, cutoff))
        return hit

    def _could_be_alias_word(self, word: str) -> bool:
        """True when ``word`` is, or is a typo of, a word of some multi-word alias."""
        known = self._alias_like.get(word)
        if known is None:
            cutoff = _fuzzy_cutoff(word)
            known = self._alias_like.remember(word, word in self._alias_words or (
                cutoff <= 100 and process.extractOne(
                    word, self._latin_alias_words.near(word, cutoff), scorer=fuzz.ratio,
                    score_cutoff=cutoff) is not None))
        return known

    def _fuzzy_search(self, phrase: str, chunk: list[str], size: int, cutoff: float) -> Linked:
        by_length = self._aliases_by_length.get(size)
        candidates = by_length.near(phrase, cutoff) if by_length is not None else []
        for alias, score, _ in process.extract(phrase, candidates, scorer=fuzz.ratio,
                                               score_cutoff=cutoff, limit=5):
            if size == 1 or all(_word_close(a, b) or (
                    (a in self.stopwords or a in self._latin_stopwords) and b in self.stopwords)
                    for a, b in zip(chunk, alias.split(), strict=True)):
                return self.aliases[alias], float(score)
        return None, 0.0

    # -- routing -----------------------------------------------------------------------
    def route(self, question: str, context: Context | None = None) -> Route | None:
        """Route ``question``; ``None`` when it has no words to go on."""
        words = normalize(question).split()
        if not words:
            return None
        mentions = self.link(words, raw=question)
        template, candidates = self._score(words, mentions)
        ctx = context or NO_CONTEXT
        resolved = self._pronouns_as_slots(words, mentions, ctx)
        if resolved is not None:
            _, alternative = self._score(*resolved)
            candidates = _best_of(candidates, alternative)
        if any(c.intent in self._quote_intents for c in candidates[:3]):
            with_quotes = self.link(words, raw=question, implicit=True)
            if any(m.kind == "quote" for m in with_quotes):
                mentions = with_quotes
                template, candidates = self._score(words, mentions)
        taken = {i for m in mentions for i in range(m.start, m.end)}
        unknown = tuple(dict.fromkeys(w for i, w in enumerate(words)
                                      if i not in taken and len(w) > 1
                                      and self.is_unknown(w)))
        if not candidates:
            return Route("", 0.0, tuple(mentions), (), template, unknown=unknown,
                         words=tuple(words))
        topic = tuple(w for i, w in enumerate(words)
                      if i not in taken and w not in self.stopwords
                      and w not in FILLERS and w not in self.question_words)
        # Fitting slots can only lower a score, so stop once no later candidate can win.
        top: Route | None = None
        for candidate in candidates[:KEPT_CANDIDATES]:
            if top is not None and candidate.score <= top.confidence:
                break
            fitted = self._fit(candidate, mentions, words, ctx, unknown, template)
            if top is None or fitted.confidence > top.confidence:
                top = fitted
        assert top is not None
        return Route(top.intent, top.confidence, top.mentions, tuple(candidates[:5]),
                     top.template, topic=topic, unknown=top.unknown,
                     from_context=top.from_context, words=tuple(words))

    def _pronouns_as_slots(self, words: list[str], mentions: list[Mention],
                           ctx: Context) -> tuple[list[str], list[Mention]] | None:
        """Read "she", "they", "it" as the slot they refer to, when the context has one."""
        thing = ("org", ctx.orgs) if ctx.orgs else ("event", ctx.events) if ctx.events else (
            ("role", ctx.roles) if ctx.roles else None)
        if thing is None and not ctx.people:
            return None  # nothing to refer back to (a first question)
        taken = {i for m in mentions for i in range(m.start, m.end)}
        replaced = list(words)
        extra: list[Mention] = []
        for i, word in enumerate(words):
            if i in taken:
                continue
            if word in self._personal and ctx.people:
                extra.append(Mention("person", ctx.people[0], "(context)", 100.0, i, i + 1))
            elif word in self._thing_references and thing is not None:
                kind, ids = thing
                extra.append(Mention(kind, ids[0], "(context)", 100.0, i, i + 1))  # type: ignore[arg-type]
        if not extra:
            return None
        return replaced, sorted([*mentions, *extra], key=lambda m: m.start)

    def _from_context(self, kind: Kind, words: list[str], ctx: Context) -> list[Mention]:
        """Mentions of ``kind`` carried over from the conversation, honouring pronouns.

        "she"/"her" put the women of the context first, "he"/"him" the men; people whose
        gender the knowledge base does not record stay in between.
        """
        if kind == "person":
            present = set(words)
            wants = ("female" if present & self.female and not present & self.male else
                     "male" if present & self.male and not present & self.female else None)
            ids = list(ctx.people)
            if wants:
                rank = {wants: 0, None: 1}
                ids.sort(key=lambda pid: rank.get(self._gender(pid), 2))
            return [Mention("person", pid, "(context)", 100.0) for pid in ids]
        pool = {"org": ctx.orgs, "role": ctx.roles, "event": ctx.events}.get(kind, ())
        return [Mention(kind, pool[0], "(context)", 100.0)] if pool else []

    def _gender(self, person_id: str) -> str | None:
        person = self.kb.people.get(person_id)
        return person.gender if person else None

    def _roles_as_people(self, mentions: list[Mention]) -> list[Mention]:
        """Read a role ("the foreign minister") as the person holding it.

        The holder is the one who met another person named in the question, else the
        holder at the question's date, else the most recent one.
        """
        roles = [m for m in mentions if m.kind == "role"]
        if not roles:
            return mentions
        named = {m.id for m in mentions if m.kind == "person"}
        dates = [m.id for m in mentions if m.kind == "date"]
        out: list[Mention] = []
        for mention in mentions:
            if mention.kind != "role":
                out.append(mention)
                continue
            lookups = self.kb.lookups
            holders = [(as_of, person.id) for as_of, person, _ in
                       lookups.holders.get(mention.id, ())]
            if not holders:
                out.append(mention)
                continue
            met = [pid for _, pid in holders if any(
                named & set(m.participants) for m in lookups.by_person.get(pid, ()))]
            dated = [pid for as_of, pid in holders if dates and as_of.startswith(dates[0])]
            chosen = (met or dated or [holders[0][1]])[0]
            out.append(replace(mention, kind="person", id=chosen))
        return out

    def _score(self, words: list[str], mentions: list[Mention]) -> tuple[str, list[Candidate]]:
        template = " ".join(_templated(words, mentions))
        return template, self.score_intents(template, mentions)

    def _fit(self, candidate: Candidate, mentions: list[Mention], words: list[str],
             ctx: Context, unknown: tuple[str, ...], template: str) -> Route:
        """Fill the candidate's slots from the question and context; score the result."""
        intent = candidate.intent
        confidence = candidate.score
        if intent in PERSON_INTENTS_2 or "person" in REQUIRES.get(intent, ()) or (
                intent in ("list_meetings", "count_meetings", "source")):
            mentions = self._roles_as_people(mentions)
        resolved = list(mentions)
        used_context = False
        kinds = {m.kind for m in mentions}
        refers_back = not self.back_references.isdisjoint(words) or not kinds - {"date"}
        needs = REQUIRES.get(intent, ())
        for kind in needs:
            if kind in kinds:
                continue
            carried = self._from_context(kind, words, ctx) if refers_back else []
            if carried:
                resolved.extend(carried)
                used_context = True
            elif intent == "role_holder" and kind == "role" and "org" in kinds:
                continue
            else:
                confidence *= 0.5
        if intent in PERSON_INTENTS_2:
            people = [m for m in resolved if m.kind == "person"]
            if len(people) < 2 and ctx.people:
                carried = self._from_context("person", words, ctx)
                present = {m.id for m in people}
                extra = [m for m in carried if m.id not in present]
                if extra:
                    resolved.extend(extra[: 2 - len(people)])
                    used_context = True
            if not any(m.kind == "person" for m in resolved) and ctx.meeting is None:
                confidence *= 0.5
        fuzzy = [m.score / 100.0 for m in mentions if m.kind != "date"]
        if fuzzy:
            confidence *= min(1.0, 0.5 + 0.5 * min(fuzzy))
        free_text = intent in ("statements", "who_said", "out_of_scope") or (
            intent.startswith("faq:"))
        if intent == "statements" and not any(m.kind == "person" for m in resolved):
            free_text = False
        if unknown and (not free_text or candidate.missing):
            # an unknown word where a FAQ phrasing names someone is likely someone else
            confidence *= UNKNOWN_WORD_PENALTY ** len(unknown)
        return Route(intent, round(min(1.0, confidence), 4), tuple(resolved), (), template,
                     unknown=unknown, from_context=used_context)


def _pronouns(kb: KnowledgeBase) -> tuple[frozenset[str], ...]:
    """Pronouns of every catalogue language, normalised: female, male, plural, all."""
    sets: dict[str, set[str]] = {"female": set(FEMALE), "male": set(MALE),
                                 "plural": set(PLURAL), "thing": set(BACK_REFERENCES)}
    for catalog in kb.catalogs.values():
        for kind, words in catalog.pronouns.items():
            for word in words:
                sets.setdefault(kind, set()).update(normalize(word).split())
    every = sets["female"] | sets["male"] | sets["plural"] | sets["thing"]
    return (frozenset(sets["female"]), frozenset(sets["male"]), frozenset(sets["plural"]),
            frozenset(every))


def _language_words(kb: KnowledgeBase) -> tuple[frozenset[str], dict[str, int]]:
    """Function words and month names: English built in, other languages from catalogues."""
    stopwords = set(STOPWORDS)
    months = dict(MONTHS)
    for catalog in kb.catalogs.values():
        for word in catalog.function_words:
            stopwords.update(normalize(word).split())
        for index, month in enumerate(catalog.months):
            key = normalize(month)
            if key and " " not in key:
                months.setdefault(key, index % 12 + 1)
    return frozenset(stopwords), months


def _translations(translations: Mapping[str, str]) -> list[str]:
    return [v for v in translations.values() if v]


def _best_of(literal: list[Candidate], inferred: list[Candidate]) -> list[Candidate]:
    """Merge two readings of a question; on a tie, the literal one ranks first."""
    best: dict[str, Candidate] = {c.intent: c for c in literal}
    for candidate in inferred:
        if candidate.intent not in best or candidate.score > best[candidate.intent].score:
            best[candidate.intent] = replace(candidate, score=candidate.score - INFERRED_COST)
    return sorted(best.values(), key=_rank)


def _specific(mention: Mention) -> str:
    return f"{SLOT_WORD[mention.kind]}_{mention.id}"


def _unnamed(token: str) -> str:
    """``token`` ("xperson_braathu") as any entry of its kind ("xperson_?"; no id has "?").

    For an entry no phrasing names, that is all scoring uses: it weighs as its slot word,
    matches no phrasing's token, and tells which kinds of entry the question names.
    """
    return token.split("_", 1)[0] + "_?"


def _find(words: list[str], part: list[str]) -> int:
    for start in range(len(words) - len(part) + 1):
        if words[start:start + len(part)] == part:
            return start
    return -1


def _templated(words: list[str], mentions: Iterable[Mention], *,
               specific: bool = False) -> list[str]:
    out: list[str] = []
    by_start = {m.start: m for m in mentions}
    i = 0
    while i < len(words):
        mention = by_start.get(i)
        if mention is not None:
            generic = specific is False or mention.kind in ("date", "quote")
            out.append(SLOT_WORD[mention.kind] if generic else _specific(mention))
            i = mention.end
        else:
            out.append(words[i])
            i += 1
    return out


def _reach(flags: list[bool]) -> list[int]:
    """Per position ``i``: the end of the run of true ``flags`` starting there (``i`` when
    ``flags[i]`` is false); one more entry, for the end of the list."""
    reach = [len(flags)] * (len(flags) + 1)
    for i in range(len(flags) - 1, -1, -1):
        reach[i] = reach[i + 1] if flags[i] else i
    return reach


def _covered(index: int, mentions: Iterable[Mention]) -> bool:
    return any(m.start <= index < m.end for m in mentions)


def _next_is_year(words: list[str], i: int) -> bool:
    return i + 1 < len(words) and bool(_YEAR.match(words[i + 1]))


def _merge_month_year(mentions: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for mention in mentions:
        if (out and mention.kind == "date" and out[-1].kind == "date"
                and len(out[-1].id) == 7 and out[-1].id.startswith(mention.id)
                and out[-1].end == mention.start):
            last = out.pop()
            out.append(replace(last, end=mention.end, text=f"{last.text} {mention.text}"))
        else:
            out.append(mention)
    return out


