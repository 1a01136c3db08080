"""``meetbot check``: beyond load errors, warnings that make the knowledge base better.

- a phrasing that routes to a different entry than its own (the router would misread it);
- near-duplicate phrasings in different entries (they make the router guess);
- entries with too few phrasings to be found reliably;
- intents the engine has no answer function or reply for;
- for every language with a message catalogue (shipped in ``meetbot/lang/locales`` or added in
  ``knowledge/messages``): names of people, roles, organisations and events, and the texts
  of meetings, facts and FAQ answers, without a translation into it; and message keys the
  English catalogue has (plus the intents' replies and "did you mean" questions) that its
  catalogue lacks. Users of that language would see English there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from rapidfuzz import fuzz

from meetbot.answers.engine import Engine
from meetbot.domain.dialogue import Context
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.errors import KnowledgeError, Problem
from meetbot.lang.catalog import DEFAULT_LANGUAGE, LOCALES_DIR
from meetbot.nlu.router import OUT_OF_SCOPE
from meetbot.store.yamlfile import ParsedFile, parse_file

MIN_PHRASINGS = 3
NEAR_DUPLICATE = 92.0
TRIVIAL = frozenset(
    "a an the of in on at to for with by from about is are was were do does did".split())
"""Words whose presence or absence does not change what a phrasing asks (with the fillers
of every catalogue language)."""


def warnings(engine: Engine) -> list[Problem]:
    """Return the warnings for the engine's knowledge base, in file order."""
    kb = engine.kb
    found: list[Problem] = []

    def warn(kind: str, entry_id: str, message: str) -> None:
        where = kb.where(kind, entry_id)
        found.append(Problem(where.file, where.line, message, "warning"))

    for intent in kb.intents.values():
        if (intent.id not in engine.handled_intents and not intent.reply):
            warn("intents", intent.id, f"intent {intent.id!r} has no answer function and "
                 "no reply: questions routed to it cannot be answered")
        if len(intent.examples) < MIN_PHRASINGS:
            warn("intents", intent.id, f"intent {intent.id!r} has only "
                 f"{len(intent.examples)} phrasing(s); add at least {MIN_PHRASINGS}")
    for faq in kb.faq.values():
        if len(faq.questions) < MIN_PHRASINGS:
            warn("faq", faq.id, f"FAQ {faq.id!r} has only {len(faq.questions)} phrasing(s); "
                 f"add at least {MIN_PHRASINGS}")

    examples = engine.router.examples
    for example in examples:
        if "{" in example.text:
            continue
        route = engine.router.route(example.text, Context())
        if route is None or not route.candidates:
            continue
        top = route.candidates[0]
        own = next((c for c in route.candidates if c.intent == example.intent), None)
        if top.intent != example.intent and (own is None or top.score > own.score + 0.02):
            kind, entry_id = _entry(example.intent)
            warn(kind, entry_id, f"phrasing {example.text!r} of {example.intent} routes to "
                 f"{top.intent} instead ({top.score:.2f} vs "
                 f"{own.score if own else 0:.2f}); reword it or add phrasings")
    trivial = TRIVIAL | engine.router.words.fillers
    by_template: dict[str, list[tuple[str, str]]] = {}
    for example in examples:
        by_template.setdefault(example.template, []).append((example.intent, example.text))
    templates = list(by_template)
    for i, first in enumerate(templates):
        for second in templates[i + 1:]:
            if abs(len(first) - len(second)) > 8:
                continue
            if fuzz.ratio(first, second) < NEAR_DUPLICATE:
                continue
            if (set(first.split()) ^ set(second.split())) - trivial:
                continue
            for intent_a, text_a in by_template[first]:
                for intent_b, text_b in by_template[second]:
                    if intent_a != intent_b:
                        kind, entry_id = _entry(intent_a)
                        warn(kind, entry_id, f"phrasing {text_a!r} ({intent_a}) is nearly the "
                             f"same as {text_b!r} ({intent_b})")
    for pairs in by_template.values():
        intents = {intent for intent, _ in pairs}
        if len(intents) > 1:
            kind, entry_id = _entry(sorted(intents)[0])
            warn(kind, entry_id, f"the same phrasing belongs to {', '.join(sorted(intents))}: "
                 f"{pairs[0][1]!r}")

    languages = [language for language in kb.catalogs if language != DEFAULT_LANGUAGE]
    for section, table in (("people", kb.people), ("roles", kb.roles),
                           ("organizations", kb.organizations), ("events", kb.events)):
        for entry_id, entry in table.items():
            for language in languages:
                if language not in entry.translations:
                    warn(section, entry_id, f"{section} {entry_id!r} has no {language} name "
                         f"(translations: {{{language}: ...}})")
    for section, entry_id, language, missing in _untranslated_texts(kb, languages):
        warn(section, entry_id, f"{section} {entry_id!r} has no {language} text for "
             f"{', '.join(missing)} (translations: {{{language}: ...}})")
    found.extend(catalogue_warnings(kb))
    return found


def _untranslated_texts(kb: KnowledgeBase, languages: list[str]
                        ) -> Iterator[tuple[str, str, str, list[str]]]:
    """(section, id, language, what lacks a translation) for meetings, facts and FAQ answers."""
    for language in languages:
        for meeting in kb.meetings.values():
            missing = [name for name, translations in (
                ("the title", meeting.translations), ("the summary", meeting.summary.translations))
                if language not in translations]
            missing += [f"topic {_shorten(topic.text, 40)!r}" for topic in meeting.topics
                        if language not in topic.translations]
            if missing:
                yield "meetings", meeting.id, language, missing
        for event in kb.events.values():
            missing = [f"fact {_shorten(fact.text, 40)!r}" for fact in event.facts
                       if language not in fact.translations]
            if missing:
                yield "events", event.id, language, missing
        for faq in kb.faq.values():
            if language not in faq.translations:
                yield "faq", faq.id, language, ["the answer"]


def catalogue_warnings(kb: KnowledgeBase) -> list[Problem]:
    """A warning for each message the English catalogue has and another language's lacks.

    Besides the catalogue's own keys, a language needs ``reply.<intent>`` for each intent
    with a fixed reply and ``suggest.<intent>`` for each "did you mean" question (English
    keeps those in ``intents.yaml``). The warning names the language's catalogue file — the
    knowledge base's own ``messages/<lang>.yaml`` when there is one — and the line of its
    ``messages:`` section.
    """
    english = kb.catalogs.get(DEFAULT_LANGUAGE)
    if english is None:
        return []
    expected = {key: str(value) for key, value in english.messages.items()}
    for intent in kb.intents.values():
        if intent.reply:
            expected.setdefault(f"reply.{intent.id}", intent.reply)
        elif intent.id != OUT_OF_SCOPE:
            expected.setdefault(f"suggest.{intent.id}", intent.suggestion)
    files = _catalogue_files(kb.root / "messages")
    found: list[Problem] = []
    for language, catalog in kb.catalogs.items():
        if language == DEFAULT_LANGUAGE:
            continue
        where, line = files.get(language, (str(LOCALES_DIR / f"{language}.yaml"), None))
        for key, text in expected.items():
            if key not in catalog.messages:
                found.append(Problem(where, line, f"message {key!r} has no {language} text, "
                                     f"so English is shown: {_shorten(text)!r}", "warning"))
    return found


def _catalogue_files(extra: Path) -> dict[str, tuple[str, int | None]]:
    """For each language, its last catalogue file (as loaded) and its ``messages:`` line."""
    paths = sorted(LOCALES_DIR.glob("*.yaml"))
    if extra.is_dir():
        paths += sorted(extra.glob("*.yaml"))
    found: dict[str, tuple[str, int | None]] = {}
    for path in paths:
        display = _display(path)
        try:
            parsed: ParsedFile = parse_file(path, display)
        except KnowledgeError:
            continue
        language = parsed.data.get("language")
        if isinstance(language, str):
            found[language] = (display, parsed.line(("messages",)))
    return found


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return os.fspath(path)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _entry(intent: str) -> tuple[str, str]:
    if intent.startswith("faq:"):
        return "faq", intent[4:]
    return "intents", intent
