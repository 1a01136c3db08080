"""Reading a question for evidence: what it asks about, and the facts that answer it.

The routed question's entries become requirements a fact must meet (a person named; an
organisation or role, met by itself or by the people holding its roles; the meeting under
discussion when the question only refers back), its dates a period, and its other words the
BM25 query. Whether it asks yes or no, or why and how, comes from the catalogues' words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from meetbot.domain.dialogue import Context
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Mention, Route
from meetbot.lang.words import LanguageWords
from meetbot.nlu.evidence import Entity, EvidenceHit, EvidenceIndex


@dataclass(frozen=True, slots=True)
class EvidenceReading:
    """A question read for evidence, with the facts found for it."""

    query: dict[str, float]
    """The stemmed words the facts are ranked by, with their weights."""
    involving: tuple[frozenset[Entity], ...]
    """Each set: the entries of which a fact must involve one."""
    people: tuple[str, ...]
    """The people the question names (or refers back to)."""
    period: str | None
    yes_no: bool
    """The question asks yes or no ("did ...", "was ...", "... ли")."""
    open_question: bool
    """The question asks why or how."""
    hits: tuple[EvidenceHit, ...]
    content: frozenset[str] = frozenset()
    """The query words that are content words (no function words)."""
    leftover: frozenset[str] = frozenset()
    """Those of them that are no word of a name either: what the question asks beyond the
    entries it names, even ones it names only in part."""
    fresh: int = 0
    """How many content words the best fact shares with the question that no phrasing uses:
    what a question naming nothing known must share with a fact for it to answer it."""

    @property
    def best(self) -> EvidenceHit | None:
        """The best fact found, if any."""
        return self.hits[0] if self.hits else None


def read_evidence(index: EvidenceIndex, kb: KnowledgeBase, words: LanguageWords, route: Route,
                  ctx: Context, *, asks: Callable[[str], bool] | None = None,
                  names: frozenset[str] = frozenset(), limit: int = 5) -> EvidenceReading:
    """Read ``route`` (in the conversation ``ctx``) for evidence and search ``index``;
    ``asks`` tells a word of the question phrasings (or a typo of one); ``names``: the words
    of the knowledge base's names, never content of their own."""
    involving: list[frozenset[Entity]] = []
    yes_no = words.is_yes_no(list(route.words))
    people = list(route.ids("person"))
    for mention in _first_of_each(route, "person"):
        # a role read as its holder ("the minister"), as written, fits a new document too
        involving.append(frozenset({("person", mention.id), *_as_written(index, mention.text)}))
    for mention in _first_of_each(route, "role"):
        holders = {("person", p.id) for _, p, _ in kb.lookups.holders.get(mention.id, ())}
        involving.append(frozenset({("role", mention.id), *holders,
                                    *_as_written(index, mention.text)}))
    for mention in _first_of_each(route, "org"):
        holders = {("person", p.id) for r in kb.roles.values() if r.organization == mention.id
                   for _, p, _ in kb.lookups.holders.get(r.id, ())}
        involving.append(frozenset({("org", mention.id), *holders,
                                    *_as_written(index, mention.text)}))
    for event in route.ids("event"):
        involving.append(frozenset({("event", event)}))
    sources = route.ids("source")
    if sources:  # "what did kt.kz report about Kamp?": facts quoted from that document
        involving.append(frozenset(("source", s) for s in sources))
    refers_back = not words.back_references.isdisjoint(route.words)
    if not involving and refers_back and ctx.meeting:
        involving.append(frozenset({("meeting", ctx.meeting)}))
        meeting = kb.meetings.get(ctx.meeting)
        people = list(meeting.participants) if meeting else []
    intent = kb.intents.get(route.intent)
    required = frozenset(intent.requires) if intent is not None else frozenset()
    named = {i for m in route.mentions if m.start >= 0
             and not (m.kind == "date" and m.id in index.postings and yes_no)
             and not (m.partial and yes_no and m.kind not in required)
             for i in range(m.start, m.end)}  # entries and dates are requirements, not words
    # (in a yes/no question, a year some fact holds as a word, "did he mention 2010?", is a
    # word asked about too; so are the words of a role or organisation named only in part,
    # "did they bring up human rights?", unless the question asks about that very entry:
    # "was Schmid still the sec gen?")
    query = index.query([w for i, w in enumerate(route.words) if i not in named], asks)
    dates = route.ids("date")
    # with no word to rank by, facts matter only to a yes/no question (its "no, but ...")
    hits = index.search(query, involving=involving, period=dates[0] if dates else None,
                        speakers=people, limit=limit) if query or yes_no else []
    dated = {i for m in route.mentions if m.kind == "date" and m.start >= 0
             for i in range(m.start, m.end)}
    plain = [w for i, w in enumerate(route.words)
             if i not in named and i not in dated and w not in words.stopwords]
    content = frozenset(index.query(plain, asks))
    leftover = frozenset(index.query([w for w in plain if w not in names], asks))
    fresh = sum(w in content and w not in index.phrasing_words
                for w in hits[0].matched) if hits else 0
    return EvidenceReading(query, tuple(involving), tuple(people),
                           dates[0] if dates else None, yes_no,
                           not words.open_questions.isdisjoint(route.words), tuple(hits),
                           content, leftover, fresh)


def _first_of_each(route: Route, kind: str) -> list[Mention]:
    """The route's mentions of ``kind``, one per entry."""
    seen: dict[str, Mention] = {}
    for mention in route.mentions:
        if mention.kind == kind and mention.id not in seen:
            seen[mention.id] = mention
    return list(seen.values())


def _as_written(index: EvidenceIndex, text: str) -> set[Entity]:
    """A role or organisation as the question writes it ("the minister"): a fact whose own
    words say as much involves it too, in a document no curator has linked yet."""
    if text == "(context)":
        return set()
    words = " ".join(sorted(index.tokens(text)))
    return {("words", words)} if words else set()
