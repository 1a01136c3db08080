"""The answer policy: one decision between a structured answer, evidence, asking and declining.

The router's reading (an intent with a confidence) and the evidence reading (the facts found,
with how much of the question each covers) are weighed together:

1. A yes/no question about known entries ("was that meeting about security?") is answered
   "yes" when a fact covers what it asks, else "no" with what the sources do record — unless
   its intent answers yes or no itself (``yes_no`` in ``intents.yaml``) or a curated FAQ
   answer is confident.
2. A confident structured reading answers; a why/how question whose phrasing did not ask
   why or how, or a question asking more than the reading answers, is answered from the
   evidence instead when a fact covers it well.
3. Otherwise a fact covering the question answers it, quoted.
4. Below that: "did you mean" between the suggestion and answer thresholds, else decline.

The thresholds are chosen by ``meetbot eval --sweep`` on the development questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Route
from meetbot.lang.normalize import normalize
from meetbot.lang.words import LanguageWords
from meetbot.nlu.reading import EvidenceReading
from meetbot.nlu.router import OUT_OF_SCOPE
from meetbot.nlu.slots import intent_spec

ANSWER_THRESHOLD = 0.60
"""Route confidence at or above which the bot answers from the structured reading."""
SUGGEST_THRESHOLD = 0.40
"""Between this and ANSWER_THRESHOLD the bot asks "did you mean"; below it, declines."""
EVIDENCE_THRESHOLD = 0.75
"""Coverage of the question by a fact at or above which the fact answers it."""
YES_THRESHOLD = 0.75
"""Coverage at or above which a fact answers a yes/no question "yes"."""
STRONG_EVIDENCE = 0.90
"""Coverage at which a fact answers a why/how question over a structured reading."""
SUPPORT_FLOOR = 0.5
"""What is left of a structured reading's confidence when nothing covers the rest of the
question."""
UNSUPPORTED = 0.5
"""Below this support, a question about a known person or event asks what the sources do
not say: it is told so, rather than offered "did you mean"."""
FRESH_WORDS = 2
"""Words no phrasing uses that a question naming no known entry must share with a fact."""

Choice = Literal["structured", "evidence", "yes", "no", "clarify", "decline", "unstated",
                 "out_of_scope"]


@dataclass
class AnswerPolicy:
    """Thresholds, and the decision they make."""

    answer_threshold: float = ANSWER_THRESHOLD
    suggest_threshold: float = SUGGEST_THRESHOLD
    evidence_threshold: float = EVIDENCE_THRESHOLD
    yes_threshold: float = YES_THRESHOLD
    strong_evidence: float = STRONG_EVIDENCE

    def confidence(self, kb: KnowledgeBase, route: Route, reading: EvidenceReading) -> float:
        """The structured reading's confidence, lowered when the question says more than the
        reading accounts for and the facts do not cover it either (an intent that takes free
        text, a topic or a quotation, weighs the rest of the question itself)."""
        if intent_spec(kb, route.intent).free_text:
            return route.confidence
        return route.confidence * (SUPPORT_FLOOR + (1 - SUPPORT_FLOOR) * support(reading))

    def decide(self, kb: KnowledgeBase, words: LanguageWords, route: Route,
               reading: EvidenceReading) -> Choice:
        """How to answer ``route``'s question, given the evidence ``reading``."""
        intent = route.intent
        top = route.candidates[0].intent if route.candidates else None
        core = _names_core_entry(reading)
        if OUT_OF_SCOPE in (top, intent):
            # about someone the sources record, it asks what they do not say ("how old is
            # Tokayev?"); else it is about something else: never forced on a fact
            if core:
                return "unstated"
            if route.confidence >= self.answer_threshold:
                return "out_of_scope"
            return "clarify" if route.confidence >= self.suggest_threshold else "decline"
        best = reading.best
        covered = best.coverage if best is not None and reading.query else 0.0
        structured = bool(intent) and self.confidence(kb, route, reading) >= (
            self.answer_threshold)
        usable = not route.names  # an unknown name: the question is about someone else
        # it names what it asks about, or shares words of its own with a fact
        anchored = bool(reading.involving or reading.period) or reading.fresh >= FRESH_WORDS
        if (reading.yes_no and (reading.involving or reading.period) and reading.query and usable
                and not intent_spec(kb, intent).yes_no
                and not (structured and intent.startswith("faq:"))):
            if covered >= self.yes_threshold:
                return "yes"
            if best is not None:
                return "no"
        if structured and intent != OUT_OF_SCOPE:
            if (reading.open_question and usable and anchored
                    and covered >= self.strong_evidence
                    and not _asks_why_or_how(route, words)):
                return "evidence"
            if (usable and reading.fresh and support(reading) >= self.evidence_threshold
                    and _leftover(reading) and not intent_spec(kb, intent).free_text):
                # it asks more than the reading answers, and a fact says it ("what did the
                # minister discuss with Karin Holm?")
                return "evidence"
            return "structured"
        unknown_words = [w for w in route.unknown if len(w) > 2]  # not a slip like "sy"
        if core and (unknown_words or support(reading) < UNSUPPORTED):
            return "unstated"  # about a known person or event, asking what no fact says
        plausible = bool(intent) and route.confidence >= self.suggest_threshold
        if (usable and anchored and covered >= self.evidence_threshold
                and (reading.fresh or not plausible)):
            # beside a plausible reading, the fact must match words no phrasing uses
            if plausible and best is not None and best.fact.kind in intent_spec(kb,
                                                                                 intent).facts:
                return "structured"  # its answer is made of such facts: it gives it
            return "evidence"
        if intent and route.confidence >= self.suggest_threshold:
            return "clarify"
        return "decline"


def _leftover(reading: EvidenceReading) -> bool:
    """True when the question has content words beyond its entries and its phrasing."""
    return any(w in reading.query for w in reading.leftover)


def _names_core_entry(reading: EvidenceReading) -> bool:
    """True when the question names a person, an event or a meeting of the sources."""
    return any(kind in ("person", "event", "meeting")
               for alternatives in reading.involving for kind, _ in alternatives)


def support(reading: EvidenceReading) -> float:
    """How much of what a question says beyond its entries and its phrasing ("the Secretary
    General *of the Council of Europe*") the facts about those entries cover: 1 when it says
    nothing more."""
    content = {w: reading.query[w] for w in reading.content if w in reading.query}
    if not content:
        return 1.0
    best = reading.best
    if best is None:
        return 0.0
    return sum(v for w, v in content.items() if w in best.matched) / sum(content.values())


def _asks_why_or_how(route: Route, words: LanguageWords) -> bool:
    """True when the phrasing the question matched asks why or how too."""
    if not route.candidates:
        return False
    example = set(normalize(route.candidates[0].example).split())
    return not words.open_questions.isdisjoint(example)
