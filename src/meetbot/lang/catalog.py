"""Message catalogues: every sentence the bot says, per language, with Babel for the rest.

Catalogues ship in ``meetbot/locales/<lang>.yaml`` and may be extended or overridden by
``knowledge/messages/<lang>.yaml`` (a curator adds a language there, no code change).
A message is a string with ``{placeholders}``, or a mapping of plural categories chosen by
``count`` with Babel's plural rules for the language. Dates are formatted by Babel with the
catalogue's patterns. Any key missing in a language falls back to English.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from meetbot.domain.schema import Rule

if TYPE_CHECKING:
    from babel import Locale

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"


_FILE_RULES: dict[str, Any] = {"extra": "forbid"}
"""Validation settings of a catalogue file (applied by :mod:`meetbot.store.loader`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DateFormats:
    """Babel date patterns for a language."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _FILE_RULES

    day: str = "d MMMM y"
    month: str = "MMMM y"
    month_only: str = "MMMM"
    year: str = "y"


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogFile:
    """The shape of one ``<lang>.yaml`` catalogue."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _FILE_RULES

    language: Annotated[str, Rule(pattern=r"^[a-z]{2,3}$")]
    name: str | None = None
    date_formats: DateFormats | None = None
    months: list[str | list[str]] = field(default_factory=list)
    """The twelve months in order, each a name or a list of names ("Sep", "Sept")."""
    function_words: list[str] = field(default_factory=list)
    """Words that carry no content of their own ("the", "what", "please")."""
    fillers: list[str] = field(default_factory=list)
    """Function words that are mere politeness or hesitation ("please", "so", "hi"): they
    weigh almost nothing when a question is compared with the phrasings."""
    yes_no_openers: list[str] = field(default_factory=list)
    """Words that make a question a yes/no question when it opens with them ("did", "was")."""
    yes_no_particles: list[str] = field(default_factory=list)
    """Words that make a question a yes/no question wherever they stand (Russian "ли")."""
    open_questions: list[str] = field(default_factory=list)
    """Words asking for a reason or a manner ("why", "how"): answered from the evidence."""
    wh_words: list[str] = field(default_factory=list)
    """Words asking for a thing, person, time or place ("what", "who", "when"): a question
    holding one asks for it, not yes or no ("can you tell me who she is")."""
    question_first: bool = False
    """A question in this language opens with its question word ("who", "why"): what a
    message says before that word, naming nothing the sources know ("sorry if this is a
    dumb q but"), is preamble, not part of the question."""
    latin_typing: bool = False
    """People often type this language in Latin letters ("kto takoy ..."): such questions are
    read back into its script (:mod:`meetbot.lang.translit`)."""
    letters: str = ""
    """Letters only this language of the catalogues uses (Kazakh's әғқңөұүһі): a question
    holding one is in this language. Without it, the letters its messages use often and no
    other catalogue's messages use at all."""
    suffixes: list[str] = field(default_factory=list)
    """Word endings to strip for a stem, for a language no stemming library covers
    (:mod:`meetbot.lang.stemming`)."""
    pronouns: dict[Literal["female", "male", "plural", "thing", "refer", "other"],
                   list[str]] = field(default_factory=dict)
    """Words that refer back to the conversation: she/he/they (``female``, ``male``,
    ``plural``), it (``thing``: an organisation, event or role), words that only signal a
    reference back without standing for an entry themselves (``refer``: that, there), and
    words for the other person of the meeting under discussion (``other``)."""
    messages: dict[str, str | dict[str, str]] = field(default_factory=dict)


def unusable_date_patterns(file: CatalogFile) -> list[tuple[str, str]]:
    """The catalogue's date patterns Babel cannot format a date with, and why."""
    if file.date_formats is None:
        return []
    from babel import Locale, UnknownLocaleError
    from babel.dates import format_date as babel_format_date

    try:
        locale = Locale.parse(file.language)
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en")
    found = []
    for name, pattern in asdict(file.date_formats).items():
        try:
            babel_format_date(dt.date(2023, 6, 7), pattern, locale=locale)
        except Exception as exc:  # Babel raises several kinds for a bad pattern
            found.append((name, f"date pattern {pattern!r} cannot format a date "
                                f"({type(exc).__name__}: {exc}); use day, month and year "
                                "fields only, e.g. 'd MMMM y'"))
    return found


@dataclass(frozen=True)
class Catalog:
    """The messages of one language, with English behind it for missing keys."""

    language: str
    name: str
    messages: Mapping[str, Any]
    date_formats: DateFormats
    months: tuple[tuple[str, ...], ...] = ()
    """The names of each month, January first."""
    function_words: tuple[str, ...] = ()
    fillers: tuple[str, ...] = ()
    yes_no_openers: tuple[str, ...] = ()
    yes_no_particles: tuple[str, ...] = ()
    open_questions: tuple[str, ...] = ()
    wh_words: tuple[str, ...] = ()
    latin_typing: bool = False
    letters: str = ""
    suffixes: tuple[str, ...] = ()
    pronouns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fallback: Catalog | None = None
    question_first: bool = False
    dates: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Dates formatted in advance (see :meth:`prepared`); others are formatted on demand."""
    plural_rules: tuple[tuple[str, str], ...] | None = field(default=None, compare=False,
                                                             repr=False)
    """The language's CLDR plural rules, taken from Babel in advance (see :meth:`prepared`)."""
    list_patterns: tuple[tuple[str, str], ...] | None = field(default=None, compare=False,
                                                              repr=False)
    """The language's CLDR patterns for lists ("a, b and c"), taken from Babel in advance."""
    _locale: Locale | None = field(default=None, compare=False, repr=False)

    def prepared(self, dates: Iterable[str], fallback: Catalog | None) -> Catalog:
        """This catalogue with ``dates`` formatted and its plural and list rules looked up.

        Loading prepares every date of the knowledge base, and the prepared catalogues go
        into the engine cache: answering from the cache then needs neither Babel's date
        formatting nor its locale data (tens of milliseconds on a cold start).
        """
        return replace(self, fallback=fallback, dates={d: self.date(d) for d in dates},
                       plural_rules=tuple(sorted(self.locale.plural_form.rules.items())),
                       list_patterns=tuple(sorted(
                           self.locale.list_patterns["standard"].items())),
                       _locale=None)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support (the engine cache): Babel's locale is looked up again on use."""
        return {**self.__dict__, "_locale": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def locale(self) -> Locale:
        """The Babel locale (English rules when Babel does not know the language)."""
        if self._locale is not None:
            return self._locale
        from babel import Locale, UnknownLocaleError  # imported on first use: starts faster

        try:
            locale = Locale.parse(self.language)
        except (UnknownLocaleError, ValueError):
            locale = Locale.parse("en_GB")
        if self.language == "en":
            locale = Locale.parse("en_GB")
        object.__setattr__(self, "_locale", locale)
        return locale

    def has(self, key: str) -> bool:
        """True when this language (not its fallback) has ``key``."""
        return key in self.messages

    def raw(self, key: str) -> Any:
        """The message for ``key`` here or in the fallback; KeyError when nowhere."""
        if key in self.messages:
            return self.messages[key]
        if self.fallback is not None:
            return self.fallback.raw(key)
        raise KeyError(key)

    def get(self, key: str) -> str | None:
        """The plain message for ``key``, or None when no language has it."""
        try:
            value = self.raw(key)
        except KeyError:
            return None
        return value if isinstance(value, str) else None

    def t(self, key: str, /, **values: Any) -> str:
        """Format the message ``key`` with ``values`` (``count`` picks the plural form)."""
        message = self.raw(key)
        if isinstance(message, dict):
            category = "other"
            if "count" in values:
                rule = (_plural_rule(self.plural_rules) if self.plural_rules is not None
                        else self.locale.plural_form)
                category = rule(int(values["count"]))
            message = message.get(category) or message.get("other") or next(
                iter(message.values()))
        return _tidy(message.format_map(_Defaults(values)))

    def join(self, items: Sequence[str]) -> str:
        """``items`` as a list in this language ("a, b and c"; Babel's ``format_list``)."""
        from babel.lists import format_list

        if self.list_patterns is None:
            return format_list(list(items), locale=self.locale)
        return format_list(list(items), locale=_list_locale(self.language, self.list_patterns))

    def date(self, value: str) -> str:
        """Format a date as precise as the source gives it (``2023``, ``2023-06``, ...)."""
        known = self.dates.get(value)
        if known is not None:
            return known
        return _format_date(value, self.locale, self.date_formats)


@lru_cache(maxsize=16)
def _plural_rule(rules: tuple[tuple[str, str], ...]) -> Callable[[int], str]:
    from babel.plural import PluralRule

    rule: Callable[[int], str] = PluralRule(dict(rules))
    return rule


@lru_cache(maxsize=16)
def _list_locale(language: str, patterns: tuple[tuple[str, str], ...]) -> Locale:
    """A Babel locale that knows its list patterns without loading its locale data."""
    from babel import Locale, UnknownLocaleError

    class _Prepared(Locale):
        @property
        def list_patterns(self) -> dict[str, dict[str, str]]:  # type: ignore[override]
            return {"standard": dict(patterns)}

    try:
        return _Prepared(language)
    except (UnknownLocaleError, ValueError):
        return _Prepared("en")


@lru_cache(maxsize=8192)
def _format_date(value: str, locale: Locale, formats: DateFormats) -> str:
    """Format a partial date with Babel (cached: the same dates recur in every list)."""
    from babel.dates import format_date as babel_format_date

    parts = value.split("-")
    try:
        if len(parts) == 3:
            day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            return babel_format_date(day, formats.day, locale=locale)
        if len(parts) == 2 and parts[0] == "????":
            month = dt.date(2000, int(parts[1]), 1)
            return babel_format_date(month, formats.month_only,
                                     locale=locale)
        if len(parts) == 2:
            month = dt.date(int(parts[0]), int(parts[1]), 1)
            return babel_format_date(month, formats.month, locale=locale)
        if len(parts) == 1 and parts[0].isdigit():
            year = dt.date(int(parts[0]), 1, 1)
            return babel_format_date(year, formats.year, locale=locale)
    except ValueError:
        pass
    return value


class _Defaults(dict[str, Any]):
    """Leave unknown placeholders visible rather than failing on a curator's typo."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" +([.,:;)])")


def _tidy(text: str) -> str:
    if "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    # what _SPACE_BEFORE_PUNCTUATION matches, found faster than by it (sub() with "\1" is slow)
    if " ." in text or " ," in text or " :" in text or " ;" in text or " )" in text:
        text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
    return text.strip()


def build_catalog(files: list[CatalogFile], fallback: Catalog | None) -> Catalog:
    """Merge the catalogue files of one language (later files override earlier keys)."""
    messages: dict[str, Any] = {}
    months: tuple[tuple[str, ...], ...] = ()
    words: list[str] = []
    fillers: list[str] = []
    openers: list[str] = []
    particles: list[str] = []
    open_questions: list[str] = []
    wh_words: list[str] = []
    latin_typing = False
    question_first = False
    letters = ""
    suffixes: list[str] = []
    formats: DateFormats | None = None
    pronouns: dict[str, tuple[str, ...]] = {}
    name = files[0].language
    for file in files:
        for kind, listed in file.pronouns.items():
            pronouns[kind] = tuple(dict.fromkeys((*pronouns.get(kind, ()), *listed)))
        messages.update(file.messages)
        months = month_names(file.months) or months
        words += file.function_words
        fillers += file.fillers
        openers += file.yes_no_openers
        particles += file.yes_no_particles
        open_questions += file.open_questions
        wh_words += file.wh_words
        latin_typing = latin_typing or file.latin_typing
        question_first = question_first or file.question_first
        letters = file.letters or letters
        suffixes += file.suffixes
        formats = file.date_formats or formats
        name = file.name or name
    return Catalog(files[0].language, name, messages, formats or DateFormats(), months,
                   tuple(dict.fromkeys(words)), tuple(dict.fromkeys(fillers)),
                   tuple(dict.fromkeys(openers)), tuple(dict.fromkeys(particles)),
                   tuple(dict.fromkeys(open_questions)), tuple(dict.fromkeys(wh_words)),
                   latin_typing, letters, tuple(dict.fromkeys(suffixes)), pronouns, fallback,
                   question_first)


OWN_LETTER_SHARE = 0.01
"""A letter only one catalogue's messages use must be this share of its letters to name the
language (a rare letter, in one loanword, does not)."""


def with_own_letters(catalogs: Mapping[str, Catalog]) -> dict[str, Catalog]:
    """The catalogues, each that does not say which letters are its own (``letters``) given
    those its messages use often and no other catalogue's messages use at all, among the
    letters of a script another catalogue writes in too (Kazakh's beside Russian's)."""
    counts = {language: Counter(ch for text in _texts(catalog.messages) for ch in text.lower()
                                if ch.isalpha())
              for language, catalog in catalogs.items()}
    out: dict[str, Catalog] = {}
    for language, catalog in catalogs.items():
        if catalog.letters:
            out[language] = catalog
            continue
        total = sum(counts[language].values()) or 1
        others = set().union(*(set(c) for other, c in counts.items() if other != language))
        shared_scripts = {_script(ch) for ch in others}
        own = "".join(sorted(ch for ch, n in counts[language].items()
                             if ch not in others and _script(ch) in shared_scripts
                             and n / total >= OWN_LETTER_SHARE))
        out[language] = replace(catalog, letters=own) if own else catalog
    return out


def _script(letter: str) -> str:
    """The script a letter belongs to ("CYRILLIC", "LATIN"), from its Unicode name."""
    return unicodedata.name(letter, "?").split(" ", 1)[0]


def _texts(messages: Mapping[str, Any]) -> list[str]:
    return [v for value in messages.values()
            for v in (value.values() if isinstance(value, dict) else (value,))
            if isinstance(v, str)]


def month_names(months: Sequence[str | Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """The names of each month from a catalogue's ``months``: twelve entries, each a name or
    a list of names (a flat list of more than twelve names is read as January to December,
    then January to December again)."""
    names: list[list[str]] = [[] for _ in range(12)] if months else []
    for index, entry in enumerate(months):
        names[index % 12].extend([entry] if isinstance(entry, str) else entry)
    return tuple(tuple(dict.fromkeys(each)) for each in names)


def translated(text: str, translations: Mapping[str, str], language: str) -> str:
    """``text`` in ``language`` as a curator translated it, else as written (never invented)."""
    return text if language == DEFAULT_LANGUAGE else translations.get(language, text)


def format_date(value: str, catalog: Catalog | None = None) -> str:
    """Return ``2023-06-07`` as "7 June 2023" (or in ``catalog``'s language)."""
    if catalog is not None:
        return catalog.date(value)
    return Catalog("en", "English", {}, DateFormats()).date(value)
