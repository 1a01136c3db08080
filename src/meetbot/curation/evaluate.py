"""Run a question file through the engine: accuracy per category, confusions, a sweep.

A question file is a YAML list. Each item is a question or a conversation::

    - q: when did tokaev meet shmid
      category: typo
      intent: meeting_date          # expected intent ("faq" accepts any FAQ entry)
      expect: ["7 June 2023"]       # all must appear in the answer (case-insensitive)
      expect_any: ["record no"]     # at least one must appear
      source: akorda-2023-06-07     # a citation must come from this source
      must_decline: true            # the bot must not answer (answered: false)
      answered: any                 # "the sources do not say": judged by its words alone,
                                    # declined or stated
      lang: en                      # the asker's language (default en): the answer is in
                                    # it when the question's own language is unclear, as
                                    # the Telegram user's language would be
    - category: follow_up
      conversation: [{q: ..., intent: ...}, {q: ..., ...}]

A turn passes when every expectation it states holds. An item passes when all its turns do.
Accuracy is reported per category and per language (the items' ``lang``), and
:func:`format_languages` sums the languages over several files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from meetbot.answers.engine import Engine
from meetbot.domain.answer import Answer
from meetbot.domain.dialogue import Context
from meetbot.errors import MeetbotError
from meetbot.files import MAX_FILE_BYTES, FileRefused, read_regular


class QuestionFileError(MeetbotError):
    """The question file is not a list of questions and conversations."""


@dataclass(frozen=True)
class Turn:
    """One question with what its answer must show."""

    q: str
    intent: str | None = None
    expect: tuple[str, ...] = ()
    expect_any: tuple[str, ...] = ()
    source: str | None = None
    must_decline: bool = False
    reject: tuple[str, ...] = ()
    """Substrings that must not appear: the wrong fact a confused answer would state."""
    either: bool = False
    """The answer may be counted as answered or not (``answered: any``): "the sources do
    not say" is judged by its words, whether the bot declines with it or states it."""


@dataclass(frozen=True)
class Item:
    """A question or conversation from the file."""

    category: str
    turns: tuple[Turn, ...]
    lang: str = "en"
    """The asker's language as the file labels it; a script variant such as ``ru-Latn``
    (Russian typed in Latin letters) is reported apart and asked with no language hint."""
    split: str | None = None
    """``dev`` (tuned on) or ``test`` (never tuned on), where the file splits its items."""

    @property
    def default_lang(self) -> str:
        """The language the engine is told the asker uses when the text does not say."""
        return "en" if "-" in self.lang else self.lang


@dataclass
class TurnResult:
    """How one turn went."""

    turn: Turn
    answer: Answer
    failures: list[str]


@dataclass
class Report:
    """Accuracy per category and language, confusions, and failures."""

    total: int = 0
    passed: int = 0
    by_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_language: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[tuple[Item, TurnResult]] = field(default_factory=list)
    declined_correctly: int = 0
    decoys: int = 0
    false_declines: int = 0
    wrong_answers: int = 0
    """Turns answered (``answered: true``) whose text fails its expectations (a fact missing,
    a rejected one stated, or an answer where a decline was due): a wrong fact stated with
    confidence, the worst outcome."""
    other_readings: int = 0
    """Turns answered with the expected facts, but by another intent or from another source
    than the item names."""
    by_cell: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0]))
    """Per (category, language): passed and total."""

    @property
    def accuracy(self) -> float:
        """Share of items that passed."""
        return self.passed / self.total if self.total else 0.0


def load_questions(path: Path) -> list[Item]:
    """Read a question file; raise QuestionFileError with the item number when malformed."""
    try:
        data = yaml.safe_load(read_regular(path, MAX_FILE_BYTES).decode("utf-8"))
    except OSError as exc:
        raise QuestionFileError(f"{path}: {exc.strerror or exc}") from None
    except (FileRefused, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise QuestionFileError(f"{path}: {exc}") from None
    if not isinstance(data, list):
        raise QuestionFileError(f"{path}: expected a list of questions")
    items = []
    for number, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            raise QuestionFileError(f"{path}: item {number} is not a mapping")
        turns_raw = raw.get("conversation") or [raw]
        turns = tuple(_turn(t, path, number) for t in turns_raw)
        split = raw.get("split")
        items.append(Item(str(raw.get("category", "uncategorised")), turns,
                          str(raw.get("lang", "en")), str(split) if split else None))
    return items


def _turn(raw: Any, path: Path, number: int) -> Turn:
    if not isinstance(raw, dict) or not isinstance(raw.get("q"), str):
        raise QuestionFileError(f"{path}: item {number} has a turn without a 'q' string")
    return Turn(raw["q"], raw.get("intent"), tuple(raw.get("expect") or ()),
                tuple(raw.get("expect_any") or ()), raw.get("source"),
                bool(raw.get("must_decline", False)), tuple(raw.get("reject") or ()),
                raw.get("answered") == "any")


READING_FAILURES = ("intent ", "no citation from ")
"""Failures of how a turn was answered, not of what its answer says."""


def check_turn(turn: Turn, answer: Answer) -> list[str]:
    """Return what is wrong with ``answer`` for ``turn`` (empty when it passes)."""
    failures = []
    text = answer.text.casefold()
    if turn.must_decline:
        if answer.answered:
            failures.append(f"answered ({answer.intent}) but should decline")
        return failures
    if not answer.answered and not turn.either:
        failures.append(f"not answered ({answer.kind})")
    if turn.intent:
        got = answer.intent or "-"
        ok = got.startswith("faq:") if turn.intent == "faq" else got == turn.intent
        if not ok:
            failures.append(f"intent {got} != {turn.intent}")
    missing = [e for e in turn.expect if e.casefold() not in text]
    if missing:
        failures.append(f"missing {missing}")
    if turn.expect_any and not any(e.casefold() in text for e in turn.expect_any):
        failures.append(f"none of {list(turn.expect_any)}")
    if turn.source and turn.source not in {c.source for c in answer.citations}:
        failures.append(f"no citation from {turn.source}")
    stated = [r for r in turn.reject if r.casefold() in text]
    if stated:
        failures.append(f"states {stated}")
    return failures


def run_item(engine: Engine, item: Item) -> Iterator[TurnResult]:
    """Ask the item's turns in order, carrying the conversation context."""
    context = Context()
    for turn in item.turns:
        answer = engine.ask(turn.q, context, default_lang=item.default_lang)
        context = answer.context
        yield TurnResult(turn, answer, check_turn(turn, answer))


def select(items: list[Item], split: str | None) -> list[Item]:
    """The items of one half (``dev`` or ``test``); all of them when ``split`` is None."""
    return items if split is None else [i for i in items if i.split == split]


def evaluate(engine: Engine, items: list[Item]) -> Report:
    """Run every item and collect the report."""
    report = Report()
    for item in items:
        results = list(run_item(engine, item))
        ok = all(not r.failures for r in results)
        report.total += 1
        report.passed += ok
        report.by_category[item.category][0] += ok
        report.by_category[item.category][1] += 1
        report.by_language[item.lang][0] += ok
        report.by_language[item.lang][1] += 1
        report.by_cell[(item.category, item.lang)][0] += ok
        report.by_cell[(item.category, item.lang)][1] += 1
        for result in results:
            turn, answer = result.turn, result.answer
            if answer.answered and result.failures:
                if any(not f.startswith(READING_FAILURES) for f in result.failures):
                    report.wrong_answers += 1
                else:
                    report.other_readings += 1
            if turn.must_decline:
                report.decoys += 1
                report.declined_correctly += not answer.answered
            elif not answer.answered:
                report.false_declines += 1
            if turn.intent and not result.failures:
                continue
            expected = turn.intent or ("(decline)" if turn.must_decline else "?")
            got = answer.intent or ("(decline)" if not answer.answered else "?")
            if got.startswith("faq:") and expected == "faq":
                got = "faq"
            if expected != got:
                report.confusions[(expected, got)] += 1
            if result.failures:
                report.failures.append((item, result))
    return report


def sweep(engine: Engine, items: list[Item],
          answer_levels: tuple[float, ...] = (0.45, 0.5, 0.55, 0.6, 0.62, 0.65, 0.7, 0.75,
                                              0.8, 0.85),
          gap: float = 0.2) -> list[tuple[float, float, float, float]]:
    """Accuracy, decline precision and recall at each answer threshold.

    Returns rows of (answer_threshold, accuracy, decoys declined, in-scope answered).
    """
    rows = []
    saved = engine.answer_threshold, engine.suggest_threshold
    try:
        for level in answer_levels:
            engine.answer_threshold = level
            engine.suggest_threshold = max(0.0, level - gap)
            report = evaluate(engine, items)
            in_scope = sum(len(i.turns) for i in items) - report.decoys
            rows.append((level, report.accuracy,
                         report.declined_correctly / report.decoys if report.decoys else 1.0,
                         1 - report.false_declines / in_scope if in_scope else 1.0))
    finally:
        engine.answer_threshold, engine.suggest_threshold = saved
    return rows


def format_report(report: Report, *, show_failures: int = 20) -> str:
    """Return the report as readable text."""
    lines = [f"accuracy: {report.passed}/{report.total} = {report.accuracy:.1%}", "",
             "by category:"]
    for category, (ok, n) in sorted(report.by_category.items()):
        lines.append(f"  {category:<16} {ok:>4}/{n:<4} {ok / n:6.1%}")
    lines.append("by language:")
    for lang, (ok, n) in sorted(report.by_language.items()):
        lines.append(f"  {lang:<16} {ok:>4}/{n:<4} {ok / n:6.1%}")
    languages = sorted(report.by_language)
    if len(languages) > 1:
        lines.append("by category and language:")
        lines.append(f"  {'':<18}" + "".join(f"{lang:>10}" for lang in languages))
        for category in sorted(report.by_category):
            cells = []
            for lang in languages:
                ok, n = report.by_cell.get((category, lang), (0, 0))
                cells.append(f"{ok:>4}/{n:<4}" if n else f"{'-':>9} ")
            lines.append(f"  {category:<18}" + "".join(f"{c:>10}" for c in cells))
    if report.decoys:
        lines.append(f"decoys declined: {report.declined_correctly}/{report.decoys}")
    lines.append(f"wrong answers stated as answered: {report.wrong_answers}")
    lines.append(f"right answers by another reading or source: {report.other_readings}")
    if report.confusions:
        lines.append("confused (expected -> got):")
        for (expected, got), count in report.confusions.most_common(12):
            lines.append(f"  {expected} -> {got}: {count}")
    if report.failures and show_failures:
        lines.append("failures:")
        for _item, result in report.failures[:show_failures]:
            lines.append(f"  {result.turn.q!r}: {'; '.join(result.failures)}")
    return "\n".join(lines)


def format_languages(reports: list[Report]) -> str:
    """Accuracy per language over several reports (one per question file), as text."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for report in reports:
        for lang, (ok, n) in report.by_language.items():
            totals[lang][0] += ok
            totals[lang][1] += n
    lines = ["accuracy by language (all files):"]
    for lang, (ok, n) in sorted(totals.items()):
        lines.append(f"  {lang:<16} {ok:>4}/{n:<4} {ok / n:6.1%}")
    return "\n".join(lines)
