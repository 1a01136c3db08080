"""The answering engine: question (+ conversation context) in, :class:`Answer` out.

Plain synchronous Python with no Telegram import; every front end calls :meth:`Engine.ask`.
The router (:mod:`meetbot.nlu`) reads the question; the answer policy here decides between
answering, a quoted source sentence, "did you mean" and declining; each question class has
one answer function (:mod:`meetbot.answers.registry`), written against the knowledge base's
structure, never against particular question strings. Every sentence comes from the message
catalogue of the asker's language (:mod:`meetbot.lang.catalog`); names, titles and topics
come from the knowledge base's curated translations; quotes stay verbatim.
"""

from __future__ import annotations

from dataclasses import replace

from meetbot.answers import (  # noqa: F401 - each module registers its answer functions
    events,
    meetings,
    organisations,
    people,
    roles,
    sources,
    statements,
)
from meetbot.answers.evidence import confidence as evidence_confidence
from meetbot.answers.evidence import confirms, evidence_answer, no_answer, unstated_answer
from meetbot.answers.faq import faq_answer
from meetbot.answers.policy import ANSWER_THRESHOLD, SUGGEST_THRESHOLD, AnswerPolicy
from meetbot.answers.registry import HANDLERS
from meetbot.answers.statements import StatementTopics
from meetbot.answers.suggestions import Suggester
from meetbot.answers.writer import Writer
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import NO_CONTEXT, Context, remember
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Route
from meetbot.lang.catalog import DEFAULT_LANGUAGE, Catalog
from meetbot.lang.detect import detect_language
from meetbot.lang.normalize import MAX_QUESTION_CHARS, clean, transliterate
from meetbot.nlu.router import OUT_OF_SCOPE, Router
from meetbot.nlu.slots import intent_spec
from meetbot.store.directory import gc_paused


class Engine:
    """Answers questions from one verified knowledge base."""

    def __init__(self, kb: KnowledgeBase, *, answer_threshold: float = ANSWER_THRESHOLD,
                 suggest_threshold: float = SUGGEST_THRESHOLD) -> None:
        self.kb = kb
        with gc_paused():
            self.router = Router(kb)
            kb.lookups  # noqa: B018 - build the indexes now, not on the first question
        self.policy = AnswerPolicy(answer_threshold, suggest_threshold)
        self.suggester = Suggester(kb)
        self.topics = StatementTopics()

    @property
    def answer_threshold(self) -> float:
        """Route confidence at or above which the bot answers (see :mod:`.policy`)."""
        return self.policy.answer_threshold

    @answer_threshold.setter
    def answer_threshold(self, value: float) -> None:
        self.policy.answer_threshold = value

    @property
    def suggest_threshold(self) -> float:
        """Route confidence at or above which the bot asks "did you mean"."""
        return self.policy.suggest_threshold

    @suggest_threshold.setter
    def suggest_threshold(self, value: float) -> None:
        self.policy.suggest_threshold = value

    @property
    def handled_intents(self) -> frozenset[str]:
        """Intent ids this engine can answer (besides FAQ entries and fixed replies)."""
        return frozenset(HANDLERS) | {OUT_OF_SCOPE}

    def catalog(self, language: str) -> Catalog:
        """The message catalogue for ``language`` (English when there is none)."""
        return self.kb.catalog(language)

    def warm_up(self) -> None:
        """Prepare what first answers would otherwise prepare, so no user waits for it.

        Babel's locale data (10-25 ms per language), the transliteration tables, and the
        normalised words of every statement (what "what did X say about T" searches).
        Long-running modes call this in the background after each load.
        """
        for catalog in self.kb.catalogs.values():
            catalog.date("2000-01-02")
            catalog.date("2000-01")
            transliterate(catalog.name)  # loads the table for the language's script
        for meeting in self.kb.meetings.values():
            for statement in meeting.statements:
                self.topics.haystack(statement)

    def language_of(self, question: str, default: str = DEFAULT_LANGUAGE) -> str:
        """The language to answer ``question`` in (``default`` when the text is ambiguous)."""
        return detect_language(question, self.kb.catalogs, default=default)

    # -- the one entry point -----------------------------------------------------------
    def ask(self, question: str, context: Context | None = None, *, lang: str | None = None,
            default_lang: str = DEFAULT_LANGUAGE) -> Answer:
        """Answer ``question`` in the light of the conversation ``context``.

        The answer is in ``lang`` if given, else in the question's language; text that
        could be either (an acronym, a name) is answered in ``default_lang``.
        """
        ctx = context or NO_CONTEXT
        text = clean(question)  # what the answer echoes too: no controls, one-line
        language = lang or self.language_of(text, default_lang)
        routed = text
        native = self.router.in_native_script(text)
        if native is not None:  # "kto takoy ...": Russian typed in Latin letters
            routed, typed_in = native
            language = lang or typed_in
        catalog = self.catalog(language)
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(text, False, catalog.t("too_long", length=len(text),
                                                 limit=MAX_QUESTION_CHARS),
                          None, 0.0, kind="invalid", context=ctx, lang=catalog.language)
        route = self.router.route(routed, ctx, language=language)
        if route is None:
            return Answer(text, False, catalog.t("empty"), None, 0.0, kind="invalid",
                          context=ctx, lang=catalog.language)
        return self.answer(text, route, ctx, catalog)

    def answer(self, question: str, route: Route, ctx: Context,
               catalog: Catalog | None = None) -> Answer:
        """Turn a routing decision into an Answer (declining or asking when unsure)."""
        catalog = catalog or self.catalog(DEFAULT_LANGUAGE)
        lang = catalog.language
        intent = route.intent
        confident = bool(intent) and route.confidence >= self.answer_threshold
        reply = self._reply(intent, catalog) if confident else None
        if reply is not None:
            return Answer(question, True, reply, intent, route.confidence,
                          kind="smalltalk", context=ctx, route=route, lang=lang,
                          follow_ups=self.suggester.starters(catalog))
        reading = self.router.read_evidence(route, ctx)
        choice = self.policy.decide(self.kb, self.router.words, route, reading)
        w = Writer(self.kb, catalog)
        confidence = route.confidence
        if choice == "structured":
            if intent.startswith("faq:"):
                outcome = faq_answer(intent[4:], route, ctx, w)
            else:
                handler = HANDLERS.get(intent)
                if handler is None:
                    return self._not_covered(question, route, ctx, catalog)
                outcome = handler(self, route, ctx, w)
            if (reading.yes_no and outcome.kind == "answer"
                    and not intent_spec(self.kb, intent).yes_no and confirms(route, w)):
                w.parts.insert(0, w.t("evidence.yes"))  # "is ODIHR part of the OSCE?"
        elif choice in ("evidence", "yes"):
            outcome = evidence_answer(route, ctx, w, reading, yes=choice == "yes")
            confidence = evidence_confidence(reading)
        elif choice == "no":
            outcome = no_answer(route, ctx, w, reading)
            confidence = max(route.confidence, evidence_confidence(reading))
        elif choice == "out_of_scope":
            return self._out_of_scope(question, route, ctx, catalog)
        elif choice == "unstated":
            outcome = unstated_answer(route, ctx, w, reading)
            return Answer(question, False, w.text, None, route.confidence,
                          tuple(w.citations), kind="decline", context=ctx, route=route,
                          lang=lang)
        elif choice == "clarify":
            if route.candidates and route.candidates[0].intent == OUT_OF_SCOPE:
                return self._out_of_scope(question, route, ctx, catalog)
            suggestions = self.suggestions(route, ctx, catalog)
            if suggestions:
                return Answer(question, False, catalog.t("clarify"), None, route.confidence,
                              suggestions=tuple(suggestions), kind="clarify", context=ctx,
                              route=route, lang=lang)
            return self._not_covered(question, route, ctx, catalog)
        else:
            return self._not_covered(question, route, ctx, catalog)
        intent = outcome.intent or intent
        new_ctx = replace(outcome.context or remember(ctx, route), intent=intent,
                          sources=tuple(dict.fromkeys(c.source for c in w.citations))
                          or ctx.sources)
        return Answer(question, outcome.kind != "decline", w.text, intent, round(confidence, 4),
                      tuple(w.citations), kind=outcome.kind, context=new_ctx, route=route,
                      follow_ups=outcome.follow_ups, lang=lang)

    def _out_of_scope(self, question: str, route: Route, ctx: Context,
                      catalog: Catalog) -> Answer:
        return Answer(question, False, catalog.t("out_of_scope"), OUT_OF_SCOPE,
                      route.confidence, kind="decline", context=ctx, route=route,
                      lang=catalog.language)

    def _reply(self, intent: str, catalog: Catalog) -> str | None:
        """The fixed reply of a conversational intent, in the catalogue's language."""
        if catalog.language != DEFAULT_LANGUAGE and catalog.has(f"reply.{intent}"):
            return catalog.get(f"reply.{intent}")
        entry = self.kb.intents.get(intent)
        return entry.reply if entry is not None else None

    def _not_covered(self, question: str, route: Route, ctx: Context,
                     catalog: Catalog) -> Answer:
        text = catalog.t("not_covered")
        if route.names:
            names = ", ".join(f"“{w}”" for w in route.names[:3])
            text = catalog.t("unknown_words", names=names) + " " + text
        return Answer(question, False, text, None, route.confidence, kind="decline",
                      context=ctx, route=route, lang=catalog.language)

    def suggestions(self, route: Route, ctx: Context, catalog: Catalog | None = None,
                    limit: int = 3) -> list[str]:
        """Readable questions for the top candidates, slots filled from the question."""
        return self.suggester.suggestions(route, ctx, catalog or self.catalog(DEFAULT_LANGUAGE),
                                          limit)

    # -- browsing (used by /meetings, /people in front ends) ---------------------------
    def meeting_summary(self, meeting_id: str, *, lang: str = DEFAULT_LANGUAGE) -> Answer:
        """Answer "tell me about this meeting" for one meeting id (menus and buttons)."""
        return meetings.meeting_summary(self, meeting_id, lang)

