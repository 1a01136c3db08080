"""What the understanding layer makes of a question: entities found and intents scored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["person", "role", "org", "event", "date", "quote", "source"]
"""The kinds of thing a question can name."""


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity found in the question (or carried over from the conversation)."""

    kind: Kind
    id: str
    text: str
    score: float
    start: int = -1
    end: int = -1
    partial: bool = False
    """Named by only some of its alias's words ("media freedom" for the Representative on
    Freedom of the Media): its words may be what the question is about."""


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
    """Words neither the phrasings nor the knowledge base use."""
    names: tuple[str, ...] = ()
    """Those of the unknown words that look like names (no ordinary word of a language)."""
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
