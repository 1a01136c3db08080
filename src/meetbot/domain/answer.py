"""The one type every front end renders: an answer with its citations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from meetbot.domain.dialogue import Context
from meetbot.domain.route import Route

AnswerKind = Literal["answer", "negative", "clarify", "decline", "smalltalk", "invalid"]


@dataclass(frozen=True, slots=True)
class Citation:
    """A verified quote from a source, with what a reader needs to find it."""

    source: str
    title: str
    publisher: str
    url: str
    date: str
    quote: str

    def as_dict(self) -> dict[str, str]:
        """Return the citation as the ``ask --json`` contract spells it."""
        return {"source": self.source, "title": self.title, "publisher": self.publisher,
                "url": self.url, "date": self.date, "quote": self.quote}


@dataclass(frozen=True, slots=True)
class Answer:
    """What the bot says to one question.

    ``text`` is plain text: short sentences, with ``[n]`` marking the n-th citation.
    ``answered`` is true when the text states what the knowledge base says (including a
    well-founded "the sources record no meeting between ..."); false for declines,
    "did you mean" and invalid input.
    """

    question: str
    answered: bool
    text: str
    intent: str | None
    confidence: float
    citations: tuple[Citation, ...] = ()
    suggestions: tuple[str, ...] = ()
    kind: AnswerKind = "answer"
    context: Context = field(default_factory=Context)
    route: Route | None = None
    follow_ups: tuple[str, ...] = ()
    lang: str = "en"
    """The language of ``text`` (quotes stay in their source's language)."""

    def as_dict(self) -> dict[str, object]:
        """Return the answer as one object of the ``ask --json`` contract."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "citations": [c.as_dict() for c in self.citations],
            "suggestions": list(self.suggestions),
        }
