"""The message catalogues: the shipped ones, then a knowledge base's own ``messages/*.yaml``.

Each catalogue file is read like a knowledge file (:mod:`meetbot.store.yamlfile`), validated
against :class:`~meetbot.lang.catalog.CatalogFile`, and its date formats tried; the files of a
language are merged over English (:func:`~meetbot.lang.catalog.build_catalog`). Once the
knowledge base is assembled, every date it is likely to show is formatted in advance.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from pydantic import ValidationError

from meetbot.domain.knowledge import KnowledgeBase
from meetbot.errors import KnowledgeError, Problem
from meetbot.lang.catalog import (
    LOCALES_DIR,
    Catalog,
    CatalogFile,
    build_catalog,
    unusable_date_patterns,
    with_own_letters,
)
from meetbot.store.directory import display_name
from meetbot.store.validation import problems_in, validated
from meetbot.store.yamlfile import parse_file

_CATALOG_KEYS = tuple(field.name for field in fields(CatalogFile))


def load_catalogs(extra: Path | None, problems: list[Problem]) -> dict[str, Catalog]:
    """Load the shipped catalogues, then the knowledge base's own (``messages/*.yaml``)."""
    paths = sorted(LOCALES_DIR.glob("*.yaml"))
    if extra is not None and extra.is_dir():
        paths += sorted(extra.glob("*.yaml"))
    by_language: dict[str, list[CatalogFile]] = {}
    for path in paths:
        display = display_name(path, path.parent)
        try:
            parsed = parse_file(path, display)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            continue
        try:
            file = validated(CatalogFile, parsed.data)
        except ValidationError as exc:
            problems.extend(problems_in(parsed, exc, top_level=("keys", _CATALOG_KEYS)))
            continue
        bad_dates = unusable_date_patterns(file)
        if bad_dates:
            problems.extend(Problem(display, parsed.line(("date_formats", name)), message)
                            for name, message in bad_dates)
            continue
        by_language.setdefault(file.language, []).append(file)
    english = build_catalog(by_language.pop("en"), None) if "en" in by_language else None
    if english is None:
        problems.append(Problem(str(LOCALES_DIR), None, "no English message catalogue"))
        return {}
    catalogs = {"en": english}
    for language, files in sorted(by_language.items()):
        catalogs[language] = build_catalog(files, english)
    return with_own_letters(catalogs)


def dates_in(kb: KnowledgeBase) -> set[str]:
    """Every date an answer about ``kb`` is likely to show: each date of the knowledge base,
    its year and its month, and every month of the year on its own ("meetings in June")."""
    found = [*(m.date for m in kb.meetings.values()),
             *(e.date for e in kb.events.values() if e.date),
             *(held.as_of for person in kb.people.values() for held in person.roles),
             *(doc.meta.published for doc in kb.sources.values())]
    dates = {f"????-{month:02d}" for month in range(1, 13)}
    for value in found:
        dates.update((value, value[:4], value[:7]))
    return dates


def prepare_catalogs(catalogs: dict[str, Catalog], dates: set[str]) -> dict[str, Catalog]:
    """Every catalogue with ``dates`` formatted in advance (:meth:`Catalog.prepared`)."""
    english = catalogs["en"].prepared(sorted(dates), None)
    return {language: english if language == "en" else
            catalog.prepared(sorted(dates), english) for language, catalog in catalogs.items()}


