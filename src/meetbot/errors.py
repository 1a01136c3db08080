"""Exceptions raised by meetbot. Only the command line turns them into exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or worth a look) in the knowledge base, located by file and line."""

    file: str
    line: int | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        prefix = "" if self.severity == "error" else "warning: "
        return f"{where}: {prefix}{self.message}"


class MeetbotError(Exception):
    """Something went wrong in meetbot."""

    def __str__(self) -> str:
        return super().__str__() or (self.__doc__ or type(self).__name__).strip()


class KnowledgeError(MeetbotError):
    """The knowledge base has errors and cannot be served."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems) or (self.__doc__ or ""))


class KnowledgeChanged(MeetbotError):
    """The knowledge files changed while they were being read; load them once they settle."""


class TokenError(MeetbotError):
    """No valid Telegram bot token: set TELEGRAM_BOT_TOKEN (or use --token-file)."""
