"""How a question was understood, stage by stage: what ``/why`` and ``meetbot why`` show.

:func:`explain` runs the stages of :meth:`Engine.ask <meetbot.answers.engine.Engine.ask>`
again, with the conversation the question was asked in, and keeps what each one made of
it: the cleaned text and its language (Russian typed in Latin letters read back into
Cyrillic), the normalised words without their small talk, the entries found, the intents
scored, the route once its slots are filled, the evidence reading and its support, and the
answer policy's choice with the reason for it in one line. The engine is deterministic, so
this is what happened when the question was asked (unless the knowledge base has been
reloaded since). It reads the engine only; it changes nothing.

An operator's tool: it speaks English, whatever the question's language.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from meetbot.answers.engine import Engine
from meetbot.answers.policy import UNSUPPORTED, support
from meetbot.domain.dialogue import NO_CONTEXT, Context
from meetbot.domain.route import Route
from meetbot.lang.catalog import DEFAULT_LANGUAGE, Catalog
from meetbot.lang.normalize import MAX_QUESTION_CHARS, clean, normalize
from meetbot.nlu.reading import EvidenceReading
from meetbot.nlu.router import OUT_OF_SCOPE
from meetbot.render import shorten

QUOTE_CHARS = 80
"""How much of a fact's quote is shown."""
HITS_SHOWN = 3
"""How many of the facts found are shown."""


@dataclass(frozen=True, slots=True)
class Stage:
    """What one stage made of the question: lines to read, and the same as JSON fields."""

    name: str
    lines: tuple[str, ...]
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Explanation:
    """How one question was understood and what the policy chose to do with it."""

    question: str
    """The question as cleaned (what the answer echoes)."""
    language: str
    choice: str
    """The policy's choice (``structured``, ``evidence``, ``yes``, ``no``, ``clarify``,
    ``decline``, ``unstated``, ``out_of_scope``), or ``reply`` for a conversational intent's
    fixed reply, or ``invalid`` for text that is too long or has no words."""
    reason: str
    """Why, in one line."""
    route: Route | None
    stages: tuple[Stage, ...]

    @property
    def intent(self) -> str | None:
        """The intent the question was routed to (None when it was not routed)."""
        return self.route.intent if self.route is not None and self.route.intent else None

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """The explanation as one JSON object: the decision, then each stage's fields."""
        return {"question": self.question, "language": self.language,
                "intent": self.intent, "choice": self.choice, "reason": self.reason,
                "stages": [{"name": s.name, **s.fields} for s in self.stages]}


def explain(engine: Engine, question: str, context: Context | None = None, *,
            lang: str | None = None, default_lang: str = DEFAULT_LANGUAGE) -> Explanation:
    """Explain how ``engine`` answers ``question`` in the conversation ``context``.

    ``lang`` and ``default_lang`` are those the question was asked with
    (:meth:`Engine.ask <meetbot.answers.engine.Engine.ask>`).
    """
    ctx = context or NO_CONTEXT
    router = engine.router
    text = clean(question)
    language = lang or engine.language_of(text, default_lang)
    routed = text
    native = router.in_native_script(text)
    if native is not None:
        routed, typed_in = native
        language = lang or typed_in
    stages = [_cleaning(question, text, language, native, lang, default_lang)]
    if len(text) > MAX_QUESTION_CHARS:
        return Explanation(text, language, "invalid",
                           f"longer than {MAX_QUESTION_CHARS} characters ({len(text)}): "
                           "not read", None, tuple(stages))
    kept = router.without_small_talk(routed)
    words = router.words.normalized(kept, language).split()
    route = router.route(routed, ctx, language=language)
    stages.append(_normalising(routed, kept, words, route.words if route else ()))
    if route is None:
        return Explanation(text, language, "invalid", "no words to read", None, tuple(stages))
    stages += [_entities(route), _intents(route), _slots(route)]
    catalog = engine.catalog(language)
    if (route.intent and route.confidence >= engine.answer_threshold
            and _has_fixed_reply(engine, route.intent, catalog)):
        reason = (f"{route.intent} is conversational, at {route.confidence:.2f} ≥ "
                  f"{engine.answer_threshold:.2f}: its fixed reply (no evidence read)")
        stages.append(Stage("policy", (f"choice: reply — {reason}",),
                            {"choice": "reply", "reason": reason}))
        return Explanation(text, language, "reply", reason, route, tuple(stages))
    reading = router.read_evidence(route, ctx)
    supported = support(reading)
    confidence = engine.policy.confidence(engine.kb, route, reading)
    stages.append(_evidence(reading, supported, confidence))
    choice = engine.policy.decide(engine.kb, router.words, route, reading)
    reason = _reason(engine, route, reading, choice, supported, confidence)
    then = _then(engine, route, ctx, catalog, choice)
    lines = [f"choice: {choice} — {reason}"]
    if then:
        lines.append(f"then: {then}")
    stages.append(Stage("policy", tuple(lines),
                        {"choice": choice, "reason": reason, "then": then or None}))
    return Explanation(text, language, choice, reason, route, tuple(stages))


# -- the stages ------------------------------------------------------------------------------


def _cleaning(question: str, text: str, language: str, native: tuple[str, str] | None,
              lang: str | None, default_lang: str) -> Stage:
    lines = [f"cleaned: {text!r}" + ("" if text == question else f" (asked: {question!r})")]
    told = (" (asked for)" if lang else
            f" (when the text does not tell: {default_lang})"
            if default_lang != DEFAULT_LANGUAGE else "")
    lines.append(f"language: {language}{told}")
    if native is not None:
        lines.append(f"typed in Latin letters, read as: {native[0]!r} ({native[1]})")
    return Stage("clean and language", tuple(lines),
                 {"cleaned": text, "language": language,
                  "read_as": native[0] if native else None})


def _normalising(routed: str, kept: str, words: list[str], read: tuple[str, ...]) -> Stage:
    lines = [f"words: {' '.join(words) or '(none)'}"]
    cut = len(words) - len(read)
    preamble = words[:cut] if cut > 0 and tuple(words[cut:]) == read else []
    if preamble:
        lines.append(f"preamble dropped: {' '.join(preamble)} (the question begins at "
                     f"{read[0]!r})")
    dropped: list[str] = []
    if kept != routed:
        before, after = normalize(routed).split(), normalize(kept).split()
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        dropped = [" ".join(before[i1:i2]) for tag, i1, i2, _, _ in matcher.get_opcodes()
                   if tag in ("delete", "replace")]
        lines.append(f"small talk dropped: {', '.join(dropped)} (read: "
                     f"{' '.join(kept.split())!r})")
    return Stage("normalised", tuple(lines),
                 {"words": words, "small_talk": dropped, "preamble": preamble})


def _entities(route: Route) -> Stage:
    lines: list[str] = []
    rows: list[dict[str, Any]] = []
    for mention in route.mentions:
        origin = "from context" if mention.text == "(context)" else repr(mention.text)
        partial = ", partial" if mention.partial else ""
        lines.append(f"  {mention.kind:<7} {mention.id:<28} {origin} "
                     f"(match {mention.score:.0f}{partial})")
        rows.append({"kind": mention.kind, "id": mention.id,
                     "text": None if mention.text == "(context)" else mention.text,
                     "score": round(mention.score, 2), "partial": mention.partial})
    return Stage("entities", ("entities:", *lines) if lines else ("entities: none",),
                 {"mentions": rows})


def _intents(route: Route) -> Stage:
    lines = [f"template: {route.template!r}", "candidates:" if route.candidates
             else "candidates: none"]
    for candidate in route.candidates:
        lines.append(f"  {candidate.score:.2f}  {candidate.intent:<22} "
                     f"(closest phrasing: {candidate.example!r})")
    lines.append(f"gap between top two: {route.margin:.2f}")
    return Stage("intents", tuple(lines), {
        "template": route.template, "margin": round(route.margin, 4),
        "candidates": [{"intent": c.intent, "score": round(c.score, 4), "example": c.example}
                       for c in route.candidates]})


def _slots(route: Route) -> Stage:
    lines = [f"intent: {route.intent or '(none)'}, confidence {route.confidence:.2f}"]
    if route.unknown:
        lines.append(f"unknown words: {', '.join(route.unknown)}")
    if route.names:
        lines.append(f"names the sources do not know: {', '.join(route.names)}")
    if route.from_context:
        lines.append("slots filled from the conversation")
    if route.topic:
        lines.append(f"topic words: {', '.join(route.topic)}")
    return Stage("slots", tuple(lines), {
        "intent": route.intent or None, "confidence": round(route.confidence, 4),
        "unknown": list(route.unknown), "names": list(route.names),
        "from_context": route.from_context, "topic": list(route.topic)})


def _evidence(reading: EvidenceReading, supported: float, confidence: float) -> Stage:
    query = sorted(reading.query.items(), key=lambda item: (-item[1], item[0]))
    lines = ["query: " + (", ".join(f"{w} {v:.2f}" for w, v in query) or "(no words)")]
    if reading.involving:
        lines.append("involving: " + "; ".join(
            " | ".join(f"{kind} {id_}" for kind, id_ in sorted(alternatives))
            for alternatives in reading.involving))
    if reading.period:
        lines.append(f"period: {reading.period}")
    asks = [name for name, flag in (("yes/no", reading.yes_no),
                                    ("why/how", reading.open_question)) if flag]
    if asks:
        lines.append(f"asks: {' and '.join(asks)}")
    hits = reading.hits[:HITS_SHOWN] if reading.query else ()
    lines.append("facts found:" if hits else "facts found: none" if reading.query
                 else "facts found: none looked for (no words beyond the entries named)")
    for number, hit in enumerate(hits, start=1):
        matched = ", ".join(hit.matched) or "nothing"
        lines.append(f"  {number}. {hit.fact.kind:<9} covers {hit.coverage:.2f}, "
                     f"matched: {matched}")
        lines.append(f"     “{shorten(hit.fact.cite.quote, QUOTE_CHARS)}”")
    if reading.leftover:
        lines.append(f"beyond its entries and phrasing: {', '.join(sorted(reading.leftover))}")
    lines.append(f"words no phrasing uses shared with the best fact: {reading.fresh}")
    lines.append(f"support: {supported:.2f}; confidence with support: {confidence:.2f}")
    return Stage("evidence", tuple(lines), {
        "query": {w: round(v, 4) for w, v in query},
        "involving": [sorted(f"{kind}:{id_}" for kind, id_ in alternatives)
                      for alternatives in reading.involving],
        "period": reading.period, "yes_no": reading.yes_no,
        "open_question": reading.open_question,
        "hits": [{"kind": h.fact.kind, "coverage": round(h.coverage, 4),
                  "matched": list(h.matched), "source": h.fact.cite.source,
                  "quote": shorten(h.fact.cite.quote, QUOTE_CHARS)} for h in hits],
        "content": sorted(reading.content), "leftover": sorted(reading.leftover),
        "fresh": reading.fresh, "support": round(supported, 4),
        "confidence": round(confidence, 4)})


# -- the decision, in words ---------------------------------------------------------------------


def _has_fixed_reply(engine: Engine, intent: str, catalog: Catalog) -> bool:
    """Whether ``intent`` is answered by a fixed reply (greetings, thanks, help)."""
    if catalog.language != DEFAULT_LANGUAGE and catalog.has(f"reply.{intent}"):
        return True
    entry = engine.kb.intents.get(intent)
    return entry is not None and entry.reply is not None


def _reason(engine: Engine, route: Route, reading: EvidenceReading, choice: str,
            supported: float, confidence: float) -> str:
    """Why the policy chose ``choice``, in one line, from the figures it weighed."""
    policy = engine.policy
    answer_at, suggest_at = policy.answer_threshold, policy.suggest_threshold
    best = reading.best
    covered = best.coverage if best is not None and reading.query else 0.0
    fact = f"a fact ({best.fact.kind}) covering {covered:.2f}" if best else "no fact"
    sure = confidence >= answer_at
    if choice == "yes":
        return f"yes/no question with {fact} ≥ {policy.yes_threshold:.2f}"
    if choice == "no":
        return (f"yes/no question, and the best fact covers only {covered:.2f} < "
                f"{policy.yes_threshold:.2f}: what the sources do record")
    if choice == "structured":
        if sure:
            return (f"{route.intent} at {route.confidence:.2f} (with support "
                    f"{confidence:.2f}) ≥ {answer_at:.2f}")
        return (f"{route.intent} at {confidence:.2f} < {answer_at:.2f}, but {fact} ≥ "
                f"{policy.evidence_threshold:.2f} is a kind of fact its answer is made of")
    if choice == "evidence":
        if sure and reading.open_question and covered >= policy.strong_evidence:
            return f"why/how question with {fact} ≥ {policy.strong_evidence:.2f}"
        if sure:
            return (f"asks more than {route.intent} answers "
                    f"({', '.join(sorted(reading.leftover))}), and the facts support it "
                    f"{supported:.2f} ≥ {policy.evidence_threshold:.2f}")
        return (f"no confident reading ({confidence:.2f} < {answer_at:.2f}), and {fact} ≥ "
                f"{policy.evidence_threshold:.2f}")
    if choice == "unstated":
        unknown = [w for w in route.unknown if len(w) > 2]
        why = (f"words the sources never use: {', '.join(unknown)}" if unknown
               else f"support {supported:.2f} < {UNSUPPORTED:.2f}")
        return f"about a person, event or meeting of the sources, asking what no fact says ({why})"
    if choice == "out_of_scope":
        return f"{OUT_OF_SCOPE} at {route.confidence:.2f} ≥ {answer_at:.2f}"
    if choice == "clarify":
        return (f"unsure: {route.intent or 'no intent'} at {route.confidence:.2f}, between "
                f"{suggest_at:.2f} and {answer_at:.2f}")
    names = f"; names the sources do not know: {', '.join(route.names)}" if route.names else ""
    return (f"{route.intent or 'no intent'} at {route.confidence:.2f} < {suggest_at:.2f}, and "
            f"{fact} < {policy.evidence_threshold:.2f}{names}")


def _then(engine: Engine, route: Route, ctx: Context, catalog: Catalog, choice: str) -> str:
    """What the engine does after a choice that is not the whole story."""
    if choice == "clarify":
        if route.candidates and route.candidates[0].intent == OUT_OF_SCOPE:
            return "declined as out of scope (its best candidate)"
        suggestions = engine.suggestions(route, ctx, catalog)
        if not suggestions:
            return "declined: no question to suggest"
        return "did you mean: " + " | ".join(suggestions)
    if choice == "structured" and not (route.intent.startswith("faq:")
                                       or route.intent in engine.handled_intents):
        return f"declined: no answer function for {route.intent}"
    return ""


def render_explanation(explanation: Explanation) -> str:
    """The explanation as plain text: the decision first, then each stage."""
    head = [f"question: {explanation.question!r}",
            f"decision: {explanation.choice} ({explanation.intent or 'no intent'})"]
    blocks = ["\n".join(head)]
    for stage in explanation.stages:
        blocks.append("\n".join((f"[{stage.name}]", *(f"  {line}" for line in stage.lines))))
    return "\n\n".join(blocks)
