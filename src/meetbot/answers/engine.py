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
from meetbot.answers.faq import faq_answer
from meetbot.answers.passages import PassageIndex
from meetbot.answers.registry import HANDLERS
from meetbot.answers.statements import StatementTopics
from meetbot.answers.suggestions import Suggester
from meetbot.answers.writer import Writer
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import NO_CONTEXT, Context, remember
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Route
from meetbot.domain.schema import Cite
from meetbot.lang.catalog import DEFAULT_LANGUAGE, Catalog
from meetbot.lang.detect import detect_language
from meetbot.lang.normalize import MAX_QUESTION_CHARS, clean, transliterate
from meetbot.nlu.router import OUT_OF_SCOPE, Router
from meetbot.store.directory import gc_paused

ANSWER_THRESHOLD = 0.60
"""Route confidence at or above which the bot answers.

Chosen by ``meetbot eval --sweep``: the highest accuracy on tests/questions.yaml that still
declines every out-of-scope decoy (see the README for the table).
"""
SUGGEST_THRESHOLD = 0.40
"""Between this and ANSWER_THRESHOLD the bot asks "did you mean"; below it, declines."""


class Engine:
    """Answers questions from one verified knowledge base."""

    def __init__(self, kb: KnowledgeBase, *, answer_threshold: float = ANSWER_THRESHOLD,
                 suggest_threshold: float = SUGGEST_THRESHOLD) -> None:
        self.kb = kb
        with gc_paused():
            self.router = Router(kb)
            self.passages = PassageIndex(kb, self.router.words.stopwords)
            kb.lookups  # noqa: B018 - build the indexes now, not on the first question
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self.suggester = Suggester(kb)
        self.topics = StatementTopics()

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
        catalog = self.catalog(language)
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(text, False, catalog.t("too_long", length=len(text),
                                                 limit=MAX_QUESTION_CHARS),
                          None, 0.0, kind="invalid", context=ctx, lang=catalog.language)
        route = self.router.route(text, ctx)
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
        if not intent or route.confidence < self.answer_threshold:
            passage = self._passage(question, route, ctx, catalog)
            if passage is not None:
                return passage
        if not intent or route.confidence < self.suggest_threshold:
            return self._not_covered(question, route, ctx, catalog)
        if route.confidence < self.answer_threshold:
            if route.candidates and route.candidates[0].intent == OUT_OF_SCOPE:
                return Answer(question, False, catalog.t("out_of_scope"), OUT_OF_SCOPE,
                              route.confidence, kind="decline", context=ctx, route=route,
                              lang=lang)
            suggestions = self.suggestions(route, ctx, catalog)
            if suggestions:
                return Answer(question, False, catalog.t("clarify"), None, route.confidence,
                              suggestions=tuple(suggestions), kind="clarify", context=ctx,
                              route=route, lang=lang)
            return self._not_covered(question, route, ctx, catalog)
        if intent == OUT_OF_SCOPE:
            return Answer(question, False, catalog.t("out_of_scope"), intent,
                          route.confidence, kind="decline", context=ctx, route=route,
                          lang=lang)
        reply = self._reply(intent, catalog)
        if reply is not None:
            return Answer(question, True, reply, intent, route.confidence,
                          kind="smalltalk", context=ctx, route=route, lang=lang,
                          follow_ups=self.suggester.starters(catalog))
        w = Writer(self.kb, catalog)
        if intent.startswith("faq:"):
            outcome = faq_answer(intent[4:], w)
        else:
            handler = HANDLERS.get(intent)
            if handler is None:
                return self._not_covered(question, route, ctx, catalog)
            outcome = handler(self, route, ctx, w)
        intent = outcome.intent or intent
        new_ctx = replace(outcome.context or remember(ctx, route), intent=intent,
                          sources=tuple(dict.fromkeys(c.source for c in w.citations))
                          or ctx.sources)
        return Answer(question, outcome.kind != "decline", w.text, intent, route.confidence,
                      tuple(w.citations), kind=outcome.kind, context=new_ctx, route=route,
                      follow_ups=outcome.follow_ups, lang=lang)

    def _reply(self, intent: str, catalog: Catalog) -> str | None:
        """The fixed reply of a conversational intent, in the catalogue's language."""
        if catalog.language != DEFAULT_LANGUAGE and catalog.has(f"reply.{intent}"):
            return catalog.get(f"reply.{intent}")
        entry = self.kb.intents.get(intent)
        return entry.reply if entry is not None else None

    def _passage(self, question: str, route: Route, ctx: Context,
                 catalog: Catalog) -> Answer | None:
        """Quote the best-matching source sentence when no curated answer is confident.

        Never for out-of-scope or conversational questions, nor when the question has words
        the knowledge base has never seen (then it is about something else).
        """
        top = route.candidates[0].intent if route.candidates else None
        if top == OUT_OF_SCOPE or top in self.suggester.conversational or route.unknown:
            return None
        names = frozenset(w for m in route.mentions if m.start >= 0
                          for w in route.words[m.start:m.end])
        hit = self.passages.search(list(route.words), ignore=self.router.intent_vocabulary,
                                   names=names)
        if hit is None:
            return None
        w = Writer(self.kb, catalog)
        mark = w.cite(Cite(source=hit.passage.source, quote=hit.passage.text))
        w.line("passage", quote=hit.passage.text, cite=mark)
        new_ctx = replace(ctx, sources=(hit.passage.source,), intent="passage")
        return Answer(question, True, w.text, "passage", round(0.5 * hit.coverage, 3),
                      tuple(w.citations), kind="answer", context=new_ctx, route=route,
                      lang=catalog.language)

    def _not_covered(self, question: str, route: Route, ctx: Context,
                     catalog: Catalog) -> Answer:
        text = catalog.t("not_covered")
        if route.unknown:
            names = ", ".join(f"“{w}”" for w in route.unknown[:3])
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

