"""``meetbot check``: beyond load errors, warnings that make the knowledge base better.

- a phrasing that routes to a different entry than its own (the router would misread it);
- near-duplicate phrasings in different entries (they make the router guess);
- entries with too few phrasings to be found reliably;
- intents the engine has no answer function or reply for;
- names, roles, organisations and events without a Russian translation.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from .engine import Engine
from .errors import Problem
from .router import FILLERS, Context

MIN_PHRASINGS = 3
NEAR_DUPLICATE = 92.0
TRIVIAL = FILLERS | frozenset(
    "a an the of in on at to for with by from about is are was were do does did".split())
"""Words whose presence or absence does not change what a phrasing asks."""


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
            if (set(first.split()) ^ set(second.split())) - TRIVIAL:
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

    for section, table in (("people", kb.people), ("roles", kb.roles),
                           ("organizations", kb.organizations), ("events", kb.events)):
        for entry_id, entry in table.items():
            for language in kb.catalogs:
                if language != "en" and language not in entry.translations:
                    warn(section, entry_id, f"{section} {entry_id!r} has no {language} name "
                         f"(translations: {{{language}: ...}})")
    return found


def _entry(intent: str) -> tuple[str, str]:
    if intent.startswith("faq:"):
        return "faq", intent[4:]
    return "intents", intent
