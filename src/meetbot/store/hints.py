"""How to fix it: the plain-words part of the loader's messages.

- YAML syntax errors said as a curator would say them ("a tab character is used for
  indentation; YAML needs spaces"), at the line to look at, instead of the parser's wording;
- "did you mean" for a misspelt key or id (rapidfuzz, among the keys allowed at that place or
  the ids of that section);
- for a quote not found in its source, the closest text of the source (rapidfuzz's partial
  alignment) and the words that differ.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import yaml
from rapidfuzz import fuzz, process

from meetbot.domain.knowledge import Path_
from meetbot.errors import Problem

if TYPE_CHECKING:
    from pydantic import ValidationError



SIMILAR = 75.0
"""rapidfuzz ratio (0-100) at or above which a known key or id is offered as "did you mean"."""
CLOSEST_SHOWN = 0.6
"""Share of the quote (0-1) the closest source text must match to be shown beside it."""


def did_you_mean(value: str, choices: Iterable[str], cutoff: float = SIMILAR) -> str | None:
    """The choice closest to ``value`` (a misspelling of it), or None."""
    options = [c for c in choices if c != value]
    hit = process.extractOne(value, options, scorer=fuzz.ratio, score_cutoff=cutoff)
    return str(hit[0]) if hit else None


def keys_at(model: type, loc: Sequence[str | int]) -> list[str]:
    """The keys allowed in the mapping at ``loc`` (a path of keys and list indexes) inside
    an entry of dataclass ``model``; empty when that place is no dataclass."""
    current: type | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        hints = typing.get_type_hints(current)
        current = _dataclass_in(hints.get(part))
    if current is None or not dataclasses.is_dataclass(current):
        return []
    return [f.name for f in dataclasses.fields(current)]


def _dataclass_in(hint: Any) -> type | None:
    """The dataclass a field's type holds: ``X``, ``list[X]``, ``X | None``, ``Annotated``."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _dataclass_in(typing.get_args(hint)[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            found = _dataclass_in(arg)
            if found is not None:
                return found
    return None


def validation_problems(name: str, line_of: Callable[[Path_], int | None],
                        exc: ValidationError, prefix: Path_,
                        top_level: tuple[str, Sequence[str]],
                        section_types: Mapping[str, type]) -> list[Problem]:
    """Pydantic's errors in file ``name`` as ``file:line`` problems, in plain words.

    ``line_of`` finds the line of a data path; ``top_level`` is what the file may hold (a
    label and the keys); ``section_types`` the entry type of each section.

    A misspelt required key is one problem ("unknown key 'particpants' (did you mean
    'participants'?)"), not a second "missing required key" for the same mistake.
    """
    problems = []
    errors = exc.errors(include_url=False)
    misspelt: set[tuple[Any, ...]] = set()
    for err in errors:
        if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            loc = (*prefix, *err["loc"])
            allowed = (list(top_level[1]) if len(loc) == 1 else
                       keys_at(section_types[str(loc[0])], loc[2:-1])
                       if str(loc[0]) in section_types and len(loc) > 2 else [])
            close = did_you_mean(str(loc[-1]), allowed)
            if close:
                misspelt.add((*loc[:-1], close))
                err["ctx"] = {**err.get("ctx", {}), "close": close}
    for err in errors:
        loc = (*prefix, *err["loc"])
        where = ".".join(str(part) for part in loc)
        message = err["msg"]
        if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            message = f"unknown key {loc[-1]!r}"
            close = err.get("ctx", {}).get("close")
            guess = f"did you mean {close!r}?" if close else ""
            if len(loc) == 1:
                message += f" ({top_level[0]} are: {', '.join(top_level[1])}"
                message += f"; {guess})" if guess else ")"
            elif guess:
                message += f" ({guess})"
        elif err["type"] == "missing" and loc in misspelt:
            continue
        elif err["type"] == "missing":
            message = f"missing required key {loc[-1]!r}"
        else:
            named = False
            if err["type"] == "value_error":  # a check of the schema's: its own words
                message = str(err.get("ctx", {}).get("error", message))
                named = str(err.get("input")) in message
            message = f"{where}: {message}"
            if "input" in err and not isinstance(err["input"], dict | list) and not named:
                message += f" (got {err['input']!r})"
        problems.append(Problem(name, line_of(loc), message))
    return problems


# -- YAML syntax --------------------------------------------------------------------------


_SIMPLE_YAML_PROBLEMS: tuple[tuple[str, str, bool, str], ...] = (
    ("problem", "escape", False,
     "a backslash in a double-quoted text starts an escape YAML does not know: write \\\\ "
     "for a backslash, or use single quotes"),
    ("where", "flow sequence", True,
     "a '[' list opened on this line is not closed with ']' (or an item lacks its ',')"),
    ("where", "flow mapping", True,
     "a '{' mapping opened on this line is not closed with '}' (or an item lacks its ',')"),
    ("problem", "mapping values are not allowed", False,
     "a ':' where no key can start: if the value contains ': ', put it in quotes (\"...\"); "
     "otherwise the line is indented more than the keys above it"),
    ("problem", "expected ':'", True,
     "a key without ':' (or a line that does not line up with the keys above it): write "
     "'key: value'"),
    ("problem", "'-' indicator", False,
     "this '- ' item is not lined up with the items above it: indent it like them"),
    ("problem", "block sequence start", False,
     "this '- ' item is not lined up with the items above it: indent it like them"),
)
"""Parser wordings said in plain words: where the wording is (the parser's ``context`` or
``problem``), a part of it, whether the line to look at is where the construct opened (else
where the parser stopped), and the message."""
_UNCLOSED_QUOTE = ("the quoted text opened on this line is never closed: add the closing "
                   "quotation mark")


def yaml_problem(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """The line to look at and a plain-words message for a YAML syntax error in ``text``."""
    mark = exc.problem_mark or exc.context_mark
    context = exc.context_mark
    line = mark.line + 1 if mark else None
    lines = text.split("\n")
    wording = {"problem": str(exc.problem or ""), "where": str(exc.context or "")}
    problem, where = wording["problem"], wording["where"]

    def text_of(number: int | None) -> str:
        return lines[number - 1] if number and 0 < number <= len(lines) else ""

    here = text_of(line)
    opened = context.line + 1 if context else line
    if "tab" in problem or "\t" in here[: len(here) - len(here.lstrip())]:
        return line, ("a tab character is used for indentation; YAML needs spaces (replace "
                      "the tab with spaces)")
    if "quoted scalar" in where and "end of stream" in problem:
        return opened, _UNCLOSED_QUOTE
    for part, words, at_opening, message in _SIMPLE_YAML_PROBLEMS:
        if words in wording[part]:
            return (opened if at_opening else line), message
    if "expected key" in problem or "but found '<scalar>'" in problem:
        unclosed = _unclosed_quote_above(lines, line or 0)
        if unclosed:
            return unclosed, _UNCLOSED_QUOTE
        if _text_after_quote(here):
            return line, ("text after the closing quotation mark: put the whole value in "
                          "quotes (inside single quotes, write ' as '')")
        return line, ("this line does not line up with the keys above it: check its "
                      "indentation")
    if "cannot start any token" in problem and mark is not None:
        char = here[mark.column:mark.column + 1] if mark.column < len(here) else ""
        if char.strip():
            return line, (f"a value cannot start with {char!r}: put the value in quotes "
                          "(\"...\")")
    raw = " ".join(part for part in (where, problem) if part)
    return line, raw or str(exc)


def _unclosed_quote_above(lines: list[str], line: int) -> int | None:
    """The line (at most five above ``line``) whose value opens a quote it does not close."""
    for number in range(line - 1, max(0, line - 6), -1):
        value = lines[number - 1].split(": ", 1)[1] if ": " in lines[number - 1] else ""
        value = value.strip()
        if value[:1] in ("\"", "'") and value.replace('\\"', "").count(value[0]) % 2:
            return number
    return None


def _text_after_quote(line: str) -> bool:
    value = line.split(": ", 1)[1].strip() if ": " in line else ""
    if not value or value[0] not in "\"'":
        return False
    closing = value.find(value[0], 1)
    return 0 < closing < len(value) - 1


# -- quotes -------------------------------------------------------------------------------


def closest_text(quote: str, text: str) -> tuple[str, float] | None:
    """The stretch of ``text`` most like ``quote`` (whole words), and how alike (0-1)."""
    if not quote or not text:
        return None
    found = fuzz.partial_ratio_alignment(quote, text)
    if found is None:
        return None
    start, end = found.dest_start, found.dest_end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end].strip(), found.score / 100


def quote_hint(quote: str, text: str) -> str:
    """What to tell the curator about a quote not found in ``text``: the closest text and the
    words that differ, or that nothing like it is there."""
    found = closest_text(quote, text)
    if found is None or found[1] < CLOSEST_SHOWN:
        return "nothing like it is in the source: check the source id, or copy the quote again"
    closest, _score = found
    differs = _difference(quote, closest)
    closest = _trimmed(quote, closest)
    hint = f"the source has {cut_short(closest, 160)!r}"
    if differs:
        hint += f" ({differs})"
    return hint


_EDGE = "\"'“”‘’«»„,.;:!?()[]"


def _keys(words: list[str]) -> list[str]:
    """Words as compared: without the punctuation around them."""
    return [w.strip(_EDGE) or w for w in words]


def _difference(quote: str, closest: str) -> str:
    ours, theirs = quote.split(), closest.split()
    matcher = difflib.SequenceMatcher(a=_keys(ours), b=_keys(theirs), autojunk=False)
    codes = matcher.get_opcodes()
    while codes and codes[0][0] == "insert":  # words of the source around the match
        codes.pop(0)
    while codes and codes[-1][0] == "insert":
        codes.pop()
    changes = [(ours[a1:a2], theirs[b1:b2]) for tag, a1, a2, b1, b2 in codes if tag != "equal"]
    if not changes or len(changes) > 3:
        return ""
    parts = []
    for mine, source in changes:
        if mine and source:
            parts.append(f"{' '.join(mine)!r} where the source has {' '.join(source)!r}")
        elif mine:
            parts.append(f"{' '.join(mine)!r} is not in the source")
        else:
            parts.append(f"the source also has {' '.join(source)!r}")
    return "; ".join(parts)


def _trimmed(quote: str, closest: str) -> str:
    """``closest`` without the source's words beyond either end of the quote's match."""
    ours, theirs = quote.split(), closest.split()
    blocks = difflib.SequenceMatcher(a=_keys(ours), b=_keys(theirs),
                                     autojunk=False).get_matching_blocks()
    useful = [b for b in blocks if b.size]
    if not useful:
        return closest
    kept = theirs[useful[0].b:useful[-1].b + useful[-1].size]
    return " ".join(kept).strip("\"“”«»„ ")


def cut_short(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
