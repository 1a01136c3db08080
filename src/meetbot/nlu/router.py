"""Route a question to an intent with its entities: the understanding layer composed.

1. **Linking** (:mod:`~meetbot.nlu.linker`): names, aliases, acronyms, dates and quotations
   found in the normalised question.
2. **Templating** (:mod:`~meetbot.nlu.templates`): linked spans replaced by slot words, so
   "when did tokaev meet shmid" and "when did {person} meet {person}" compare as equals.
3. **Scoring** (:mod:`~meetbot.nlu.scorer`): the template against every example phrasing
   (intents and FAQ questions); each intent keeps its best.
4. **Slots** (:mod:`~meetbot.nlu.slots`): each candidate's slots filled from the question
   and the conversation, with what the :mod:`~meetbot.nlu.vocabulary` does not know
   lowering the confidence. The best fitted candidate is the route.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from meetbot.domain.dialogue import NO_CONTEXT, Context
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Candidate, Mention, Route
from meetbot.lang.normalize import normalize
from meetbot.lang.translit import LatinTyping
from meetbot.lang.vocabulary import common_words, ordinary_words
from meetbot.lang.words import LanguageWords
from meetbot.nlu.evidence import EvidenceIndex, stem
from meetbot.nlu.lexicon import Lexicon, latin
from meetbot.nlu.linker import EntityLinker
from meetbot.nlu.quotes import StatementIndex
from meetbot.nlu.reading import EvidenceReading, read_evidence
from meetbot.nlu.scorer import KEPT_CANDIDATES, IntentScorer, best_of
from meetbot.nlu.slots import SlotFiller
from meetbot.nlu.templates import SLOT_WORD, SLOT_WORDS, Example, marked, templated
from meetbot.nlu.vocabulary import Vocabulary

OUT_OF_SCOPE = "out_of_scope"
"""The intent of questions about something else entirely (decoys): declined."""
SMALL_TALK_FORM = 80.0
"""How close a word must be to a word of greetings, thanks and help to be another form of it."""
ELLIPSIS_SCORE = 0.85
"""How sure a follow-up that only names other entries or dates asks the last question again."""


class Router:
    """The understanding layer over one knowledge base: link, template, score, fill slots."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.words = LanguageWords.from_catalogs(kb.catalogs.values())
        self.lexicon = Lexicon(kb, self.words)
        self.statements = StatementIndex(kb, self.words.stopwords)
        self.linker = EntityLinker(self.lexicon, self.statements, self.words)
        self.examples = self._examples()
        self._templates = {ex.text: ex.template for ex in self.examples}
        self.intent_vocabulary = frozenset(
            word for ex in self.examples for word in ex.template.split()
            if word not in SLOT_WORDS)
        """Words of every phrasing (intents and FAQ)."""
        self.question_words = frozenset(
            word for ex in self.examples if not ex.intent.startswith("faq:")
            for word in ex.template.split() if word not in SLOT_WORDS)
        """Words of the general phrasings ("what", "say", "discuss"): never a topic."""
        self.lexicon.phrasing_words = self.intent_vocabulary | frozenset(
            latin(w) for w in self.intent_vocabulary if not w.isascii())
        self.scorer = IntentScorer(self.examples, self.words)
        in_scope = frozenset(word for ex in self.examples if ex.intent != OUT_OF_SCOPE
                             for word in ex.template.split())
        self.vocabulary = Vocabulary(in_scope | self.lexicon.vocabulary(), self.words,
                                     self.scorer.soft_match, ordinary_words(kb.catalogs))
        self.common = common_words(kb.catalogs)
        """The most common words of the catalogue languages: they name no topic."""
        self.slots = SlotFiller(kb, self.words)
        self.latin_typing = self._latin_typing()
        """Per language typed in Latin letters ("kto takoy ..."), its romanisations."""
        self._quote_intents = frozenset(ex.intent for ex in self.examples
                                        if SLOT_WORD["quote"] in ex.template.split())
        self.conversational = frozenset(i.id for i in kb.intents.values() if i.reply)
        """Intents answered with a fixed reply (greetings, thanks, help)."""
        self._small_talk_words = frozenset(
            word for ex in self.examples if ex.intent in self.conversational
            for word in ex.template.split())
        self.evidence = EvidenceIndex(kb, self.words, self.linker)
        self.evidence.ordinary = self.vocabulary.ordinary
        self.evidence.question_words = frozenset(
            form for ex in self.examples
            if not ex.intent.startswith("faq:") and ex.intent != OUT_OF_SCOPE
            and ex.intent not in self.conversational
            for word in ex.template.split() if word not in SLOT_WORDS
            for form in (word, stem(word)))
        self.evidence.small_talk_words = self._small_talk_words
        self.evidence.phrasing_words = frozenset(
            form for ex in self.examples
            if ex.intent not in self.conversational and ex.intent != OUT_OF_SCOPE
            for word in ex.template.split() if word not in SLOT_WORDS
            for form in (word, stem(word)))

    def _latin_typing(self) -> dict[str, LatinTyping]:
        kb = self.kb
        typed = [c for c in kb.catalogs.values() if c.latin_typing]
        if not typed:
            return {}
        texts = [ex.text for ex in self.examples]
        for meeting in kb.meetings.values():
            texts += [*meeting.summary.translations.values(), *meeting.translations.values()]
            for topic in meeting.topics:
                texts += [*topic.keywords, *topic.translations.values()]
            for statement in meeting.statements:
                texts += statement.keywords
        for faq in kb.faq.values():
            texts += faq.translations.values()
        english = [w for ex in self.examples for w in ex.template.split()
                   if w.isascii() and w not in SLOT_WORDS]
        names = [text for person in kb.people.values()
                 for text in (person.name, *person.aliases, *person.translations.values())]
        return {c.language: LatinTyping.build(c, texts, english, names) for c in typed}

    def in_native_script(self, text: str) -> tuple[str, str] | None:
        """``text`` written back in the script of a language typed in Latin letters, and the
        language: ("кто такой kosherbaev", "ru") for "kto takoy kosherbaev"; else None."""
        if not self.latin_typing or not (text.isascii() or all(
                ch.isascii() for ch in text if ch.isalpha())):
            return None  # emoji and symbols do not count, letters of another script do
        words = normalize(text).split()
        for language, typing in self.latin_typing.items():
            native = typing.read(words, self.lexicon.alias_words)
            if native is not None:
                return " ".join(native), language
        return None

    def _examples(self) -> list[Example]:
        examples = []
        for intent in self.kb.intents.values():
            for text in intent.examples:
                examples.append(Example(intent.id, text, self.template_of(text)))
        for faq in self.kb.faq.values():
            for text in faq.questions:
                examples.append(Example(f"faq:{faq.id}", text,
                                        self.template_of(text, specific=True)))
        return examples

    def template_of(self, text: str, *, specific: bool = False) -> str:
        """Return the slot template of an example phrasing (slots may be written out).

        With ``specific`` (FAQ questions, which are about particular entries), a named entry
        becomes a slot word tied to its id, so it matches questions about that entry only.
        """
        words = self.words.normalized(marked(text)).split()
        mentions = self.linker.link(words, fuzzy=False, quotes=False)
        return " ".join(templated(words, mentions, specific_entries=specific))

    def is_unknown(self, word: str) -> bool:
        """True when neither the phrasings nor the sources contain ``word`` (or a typo of it)."""
        return self.vocabulary.is_unknown(word)

    def score_intents(self, template: str, mentions: list[Mention]) -> list[Candidate]:
        """The intents ``template`` resembles, best first."""
        return self.scorer.score_intents(template, mentions)

    def without_small_talk(self, question: str) -> str:
        """``question`` without its clauses of mere greeting, thanks or politeness ("Hey,
        quick question - when did Tokayev meet Schmid? Thanks!"), when it has others."""
        if _QUOTE_MARKS.search(question):
            return question  # a quotation is kept whole
        clauses = [c for c in _CLAUSE.split(question) if c.strip()]
        if len(clauses) < 2:
            return question
        kept = [c for c in clauses if not self._is_small_talk(normalize(c).split())]
        return " ".join(kept) if kept and len(kept) < len(clauses) else question

    def _is_small_talk(self, words: list[str]) -> bool:
        """True when ``words`` greet, thank or ask for help and say nothing else (a clause of
        function words alone, "о которых ты знаешь", is part of the question)."""
        plain = self.words.stopwords | self.words.fillers
        talk = [w for w in words if w not in plain]
        return bool(talk) and all(w in self._small_talk_words or self._small_talk_form(w)
                                  for w in talk)

    def route(self, question: str, context: Context | None = None, *,
              language: str | None = None) -> Route | None:
        """Route ``question`` (in ``language``, when known); ``None`` when it has no words."""
        question = self.without_small_talk(question)
        words = self.words.normalized(question, language).split()
        if not words:
            return None
        link = self.linker.link
        mentions = link(words, raw=question)
        start = self._preamble_end(words, mentions, question)
        if start:  # "sorry if this is a dumb q but who is Braathu": from "who" on
            words = words[start:]
            mentions = link(words, raw=question)
        template, candidates = self._score(words, mentions)
        ctx = context or NO_CONTEXT
        resolved = self.slots.pronouns_as_slots(words, mentions, ctx)
        fitted_with = mentions
        if resolved is not None:
            _, alternative = self._score(*resolved)
            candidates = best_of(candidates, alternative)
            fitted_with = resolved[1]  # "what did he tell Kamp": he is who the context says
        again = self._again(words, mentions, ctx)
        if again is not None:  # "and in 2023?", "and Braathu?": the last question again
            candidates = best_of(candidates, [again])
        holders = self.slots.roles_as_people(mentions)
        if holders != mentions:  # "when did the Kazakh president meet ...": its holder
            _, alternative = self._score(words, holders)
            candidates = best_of(candidates, alternative)
        if any(c.intent in self._quote_intents for c in candidates[:3]):
            with_quotes = link(words, raw=question, implicit=True)
            if any(m.kind == "quote" for m in with_quotes):
                mentions = with_quotes
                template, candidates = self._score(words, mentions)
        taken = {i for m in mentions for i in range(m.start, m.end)}
        if candidates and candidates[0].intent in self.conversational and self.has_content(
                words, taken):
            # "what did Tokayev thank Schmid for?" is a question, not thanks
            candidates = [c for c in candidates if c.intent not in self.conversational]
        unknown = tuple(dict.fromkeys(w for i, w in enumerate(words)
                                      if i not in taken and len(w) > 1
                                      and self.is_unknown(w)))
        capitals = _written_in_capitals(question)
        names = tuple(w for w in unknown if w in capitals or self.vocabulary.is_name(w)
                      or self._in_a_name_slot(candidates, mentions))
        if not candidates:
            return Route("", 0.0, tuple(mentions), (), template, unknown=unknown, names=names,
                         words=tuple(words))
        stopwords, fillers = self.words.stopwords, self.words.fillers
        topic = tuple(w for i, w in enumerate(words)
                      if i not in taken and w not in stopwords
                      and w not in fillers and w not in self.question_words)
        # Fitting slots can only lower a score, so stop once no later candidate can win.
        top: Route | None = None
        for candidate in candidates[:KEPT_CANDIDATES]:
            if top is not None and candidate.score <= top.confidence:
                break
            fitted = self.slots.fit(candidate, fitted_with, words, ctx, unknown, template,
                                    names)
            if top is None or fitted.confidence > top.confidence:
                top = fitted
        assert top is not None
        return Route(top.intent, top.confidence, top.mentions, tuple(candidates[:5]),
                     top.template, topic=topic, unknown=top.unknown, names=top.names,
                     from_context=top.from_context, words=tuple(words))

    def _preamble_end(self, words: list[str], mentions: list[Mention], question: str) -> int:
        """Where the question begins after a preamble that names nothing the sources know
        ("hiii sorry if this is a dumb q but like | who is ..."): no entry, no word of the
        sources but the most common ones; 0 when it has none."""
        start = self.words.question_start(words)
        if not start or any(m.start < start for m in mentions) or _QUOTE_MARKS.search(
                question):
            return 0
        plain = self.words.stopwords | self.words.fillers | self.common
        known = self.vocabulary.known  # as written: a typo of a known word is no topic here
        if all(w in plain or w not in known for w in words[:start]):
            return start
        return 0

    def _again(self, words: list[str], mentions: list[Mention],
               ctx: Context) -> Candidate | None:
        """The previous question's intent, when this one only names other entries or dates
        ("and in 2023?", "what about Kamp?")."""
        intent = ctx.intent
        if (not intent or not mentions or intent not in self.kb.intents
                or intent in self.conversational or intent == OUT_OF_SCOPE):
            return None
        taken = {i for m in mentions for i in range(m.start, m.end)}
        ignored = self.words.stopwords | self.words.fillers
        if any(i not in taken and w not in ignored for i, w in enumerate(words)):
            return None
        return Candidate(intent, ELLIPSIS_SCORE, f"({intent}, asked again)")

    def _in_a_name_slot(self, candidates: list[Candidate], mentions: list[Mention]) -> bool:
        """True when the phrasing the question is most like names more people than it does
        ("when did Valtonen meet Putin?"), or its class asks about two people and it names
        fewer: an unknown word there stands for someone."""
        if not candidates:
            return False
        template = self._templates.get(candidates[0].example, "")
        wanted = template.split().count(SLOT_WORD["person"])  # "{person}", or a name written
        intent = self.kb.intents.get(candidates[0].intent)
        if intent is not None and intent.pair:  # about a meeting of two: "когда X с Y"
            wanted = max(wanted, 2)
        return wanted > sum(m.kind == "person" for m in mentions)

    def has_content(self, words: list[str], taken: set[int]) -> bool:
        """True when a message asks something beyond small talk: it names an entry, or has a
        word that is neither a function word nor a word of greetings, thanks and help."""
        if taken:
            return True
        ignored = self.words.stopwords | self.words.fillers | self._small_talk_words
        return any(w not in ignored and not w.isdigit() and not self._small_talk_form(w)
                   for w in words)

    def _small_talk_form(self, word: str) -> bool:
        """True when ``word`` is another form of a word of greetings, thanks and help
        ("helped": "help")."""
        return len(word) >= 4 and process.extractOne(
            word, self._small_talk_words, scorer=fuzz.ratio,
            score_cutoff=SMALL_TALK_FORM) is not None

    def read_evidence(self, route: Route, ctx: Context | None = None) -> EvidenceReading:
        """The facts that answer ``route``'s question, and how it asks (:mod:`.reading`)."""
        return read_evidence(self.evidence, self.kb, self.words, route, ctx or NO_CONTEXT,
                             asks=self._asks, names=self.lexicon.alias_words)

    def _asks(self, word: str) -> bool:
        """True when ``word`` is (a typo of) a word of the general question phrasings."""
        hit = self.scorer.soft_match(word)
        return hit is not None and hit[0] in self.evidence.question_words

    def _score(self, words: list[str], mentions: list[Mention]) -> tuple[str, list[Candidate]]:
        template = " ".join(templated(words, mentions))
        return template, self.scorer.score_intents(template, mentions)


_TOKEN = re.compile(r"\w+")
_CLAUSE = re.compile(r"[,.!?;:…—–]+|\s-\s")
"""Where a message's clauses end."""
_QUOTE_MARKS = re.compile(r"[\"“”«»„]")


def _written_in_capitals(question: str) -> frozenset[str]:
    """The words of ``question`` written as acronyms ("UN", "G7"), normalised: names."""
    return frozenset(normalize(token) for token in _TOKEN.findall(question)
                     if len(token) > 1 and token.upper() == token and not token.isdigit()
                     and any(ch.isalpha() for ch in token))
