"""The answer functions, one per question class, registered by intent id.

An answer function takes the engine, the route, the conversation context and a
:class:`~meetbot.answers.writer.Writer`, and returns an :class:`Outcome`. It is registered
with ``@answers("intent_id")``; ``meetbot check`` verifies that every intent in
``intents.yaml`` that has no fixed reply has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from meetbot.domain.answer import AnswerKind
from meetbot.domain.dialogue import Context
from meetbot.domain.route import Route

if TYPE_CHECKING:
    from meetbot.answers.engine import Engine
    from meetbot.answers.writer import Writer


@dataclass(frozen=True)
class Outcome:
    """What an answer function produced, before the Answer is assembled."""

    writer: Writer
    kind: AnswerKind = "answer"
    context: Context | None = None
    follow_ups: tuple[str, ...] = ()
    intent: str | None = None
    """Set when the question was answered as a different class than it was routed to."""


Handler = Callable[["Engine", Route, Context, "Writer"], Outcome]
HANDLERS: dict[str, Handler] = {}
"""The answer function of each intent (functions, not bound methods: an engine holds no
cycle, so a replaced one is freed at once)."""


def answers(intent_id: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the answer to questions of ``intent_id``."""

    def register(handler: Handler) -> Handler:
        if intent_id in HANDLERS:
            raise ValueError(f"two answer functions for intent {intent_id!r}")
        HANDLERS[intent_id] = handler
        return handler

    return register
