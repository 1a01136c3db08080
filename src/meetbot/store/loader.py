"""Read a knowledge directory: parse, validate, cross-check and verify every citation.

``load_directory(directory)`` reads every ``*.yaml`` file directly under ``directory``
(drafts in ``drafts/`` are not served) in three steps, one module each:

1. :mod:`meetbot.store.yamlfile` parses each file safely, noting the line of every key;
2. :mod:`meetbot.store.validation` validates each file against :mod:`meetbot.domain.schema`
   with pydantic, entry by entry, and :mod:`meetbot.store.catalogs` the message catalogues;
3. :mod:`meetbot.store.assembly` merges the files and checks that ids are unique, that
   references resolve and that every citation's quote occurs verbatim (whitespace-normalised)
   in its source text.

All problems are collected and raised together as a :class:`~meetbot.errors.KnowledgeError`
whose lines read ``file:line: message``. Callers normally use :func:`meetbot.store.load`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from meetbot.domain.knowledge import KnowledgeBase
from meetbot.errors import KnowledgeError, Problem
from meetbot.store.assembly import assemble
from meetbot.store.catalogs import dates_in, load_catalogs, prepare_catalogs
from meetbot.store.directory import (
    default_knowledge_dir,
    display_name,
    fingerprint,
    knowledge_files,
    special_files,
)
from meetbot.store.validation import read_files


def load_directory(directory: Path | str | None) -> KnowledgeBase:
    """Load and verify the knowledge base in ``directory`` (see the module docstring)."""
    root = Path(directory) if directory is not None else default_knowledge_dir()
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), None, "knowledge directory not found")])
    files = knowledge_files(root)
    if not files and not special_files(root):
        raise KnowledgeError([Problem(str(root), None,
                                      "no knowledge files (*.yaml) in this directory")])
    stamp = fingerprint(root)
    problems: list[Problem] = [
        Problem(display_name(path, root), None, f"cannot read file: it is {kind}, not a "
                "regular file; replace it with a YAML text file")
        for path, kind in special_files(root)]
    read = read_files(files, root)
    problems += read.problems
    catalogs = load_catalogs(root / "messages", problems)
    kb = assemble(root, read.files, problems, stamp, read.declared)
    return replace(kb, catalogs=MappingProxyType(prepare_catalogs(catalogs, dates_in(kb))))
