"""``meetbot ingest``: register a new source document and draft its YAML for a curator.

:func:`ingest` reads a UTF-8 text document, copies it byte for byte to
``knowledge/sources/<id>.txt``, registers it by appending an entry to
``knowledge/sources.yaml`` (the file's comments and layout are kept: text is appended, never
re-dumped, and the knowledge base must still load afterwards or nothing is changed), and writes
``knowledge/drafts/<id>.yaml``: people with their titles, roles, organisations and acronyms,
candidate meetings with topics and quoted statements, each carrying a ``cite`` whose quote was
verified against the document.

The extraction is deliberately simple and predictable - regular expressions and runs of
capitalised words, no network and no language model - and it leans towards missing things
rather than inventing them: a curator reviews every draft. Names are matched to the existing
knowledge base through the router's alias index (:class:`meetbot.nlu.router.Router`), so a known
person gets a ``# matches existing person <id>`` comment and a role-holding stub rather than a
duplicate entry. New entries get ``draft-`` ids, which cannot clash with curated ones.

Drafts are not served. :func:`check_drafts` (run by ``meetbot check``) validates every draft as
if it were merged into the knowledge base: schema, references, and quotes.
"""

from __future__ import annotations

import re
from pathlib import Path

from meetbot.curation.ingest import register
from meetbot.curation.ingest.document import (
    Document,
    check_date,
    find_title,
    first_date,
    read_document,
)
from meetbot.curation.ingest.draft import DraftWriter
from meetbot.curation.ingest.errors import (
    AlreadyRegistered,
    BadOption,
    DocumentEmpty,
    DocumentNotText,
    DocumentTooLarge,
    DocumentUnreadable,
    DraftExists,
    DraftNotWritten,
    IngestError,
    NoDate,
    RegistrationFailed,
    SourceFileExists,
)
from meetbot.curation.ingest.extract import extract
from meetbot.curation.ingest.language import vocabulary
from meetbot.curation.ingest.register import SOURCES_FILE
from meetbot.curation.ingest.scope import DRAFT_PREFIX, document_words, slug, slug_stop
from meetbot.curation.ingest.summary import summary
from meetbot.errors import KnowledgeError, Problem
from meetbot.lang.detect import detect_language
from meetbot.lang.normalize import squash_whitespace
from meetbot.lang.words import LanguageWords
from meetbot.store import load
from meetbot.store.assembly import assemble
from meetbot.store.directory import display_name, knowledge_files
from meetbot.store.validation import read_files

__all__ = [
    "DRAFT_PREFIX",
    "AlreadyRegistered",
    "BadOption",
    "DocumentEmpty",
    "DocumentNotText",
    "DocumentTooLarge",
    "DocumentUnreadable",
    "DraftExists",
    "DraftNotWritten",
    "IngestError",
    "NoDate",
    "RegistrationFailed",
    "SourceFileExists",
    "check_drafts",
    "ingest",
]


def ingest(knowledge_dir: Path, file: Path, *, url: str, publisher: str,
           title: str | None = None, date: str | None = None,
           source_id: str | None = None) -> str:
    """Register ``file`` as a source of ``knowledge_dir`` and write its draft.

    Returns a summary for the curator. Raises an :class:`IngestError` (or a
    :class:`~meetbot.errors.KnowledgeError` when the knowledge base is already broken) before
    changing anything when the document or the options are unusable.
    """
    root = Path(knowledge_dir)
    file = Path(file)
    raw, text = read_document(file)
    url = url.strip()
    if not re.fullmatch(r"https?://\S+", url):
        raise BadOption(f"--url must be an http(s) address without spaces (got {url!r})")
    publisher = squash_whitespace(publisher)
    if not publisher:
        raise BadOption("--publisher must not be empty")
    kb = load(root)
    doc = Document(text.removeprefix("\ufeff"))

    language = detect_language(doc.text, kb.catalogs)
    words = document_words(kb, language)
    found_date = first_date(doc, words.months)
    if date:
        published = check_date(date)
    elif found_date is not None:
        published = found_date.value
    else:
        raise NoDate(str(file))
    title = (squash_whitespace(title) if title else
             find_title(doc, found_date, vocabulary(language).connectors))
    if not title:
        raise BadOption("no title found in the document; pass --title")
    sid = source_id.strip() if source_id else _source_id(title, published, words, language)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", sid) or len(sid) > 64:
        raise BadOption(f"--id must be lower-case letters, digits, '-' or '_' (at most 64), "
                        f"starting with a letter or digit (got {sid!r})")
    register.refuse_duplicates(kb, root, raw, sid)
    source_rel = f"sources/{sid}.txt"
    source_path = root / source_rel
    draft_path = root / "drafts" / f"{sid}.yaml"
    if source_path.exists() and not register.holds(source_path, raw):
        raise SourceFileExists(display_name(source_path, root))
    if draft_path.exists():
        raise DraftExists(display_name(draft_path, root))
    if not (root / SOURCES_FILE).exists() and any(
            p.name != SOURCES_FILE for p in knowledge_files(root) if register.has_sources(p)):
        raise BadOption(f"this knowledge base registers its sources outside {SOURCES_FILE}; "
                        f"add the entry by hand")

    draft, scope = extract(kb, doc, sid, published, found_date, language)
    writer = DraftWriter(kb, doc, draft, scope.vocab)
    draft_text = writer.render(title=title)

    created_source = not source_path.exists()
    sources_yaml = root / SOURCES_FILE
    old_sources = sources_yaml.read_bytes() if sources_yaml.exists() else None
    entry = register.source_entry(sid, title, publisher, url, published, language,
                          source_rel, draft_path.relative_to(root).as_posix())
    if created_source:
        register.atomic_write(source_path, raw)
    try:
        new_sources, entry_line = register.append_source(sources_yaml, old_sources, entry)
        register.atomic_write(sources_yaml, new_sources)
        load(root)
    except (KnowledgeError, IngestError, OSError) as exc:
        if old_sources is None:
            sources_yaml.unlink(missing_ok=True)
        else:
            register.atomic_write(sources_yaml, old_sources)
        if created_source:
            source_path.unlink(missing_ok=True)
        if isinstance(exc, KnowledgeError):
            raise RegistrationFailed("\n" + str(exc)) from None
        raise
    try:
        register.atomic_write(draft_path, draft_text.encode("utf-8"))
    except OSError as exc:
        raise DraftNotWritten(f"{display_name(draft_path, root)}: {exc.strerror or exc}") from None
    problems = [p for p in check_drafts(root) if p.file == display_name(draft_path, root)]
    return summary(writer,
        source=display_name(source_path, root), sources_yaml=display_name(sources_yaml, root),
        entry_line=entry_line, draft=display_name(draft_path, root), title=title,
        published=published, date_given=bool(date), nbytes=len(raw), problems=problems)


def check_drafts(knowledge_dir: Path) -> list[Problem]:
    """Validate every ``drafts/*.yaml`` as if merged with the served knowledge base.

    Each draft is checked on its own against the knowledge files (schema, unique ids,
    references to knowledge-base or draft ids, quotes verified against the registered
    sources). Returns the draft's problems, located ``file:line``; empty when all are valid.
    """
    root = Path(knowledge_dir)
    drafts_dir = root / "drafts"
    if not drafts_dir.is_dir():
        return []
    drafts = sorted(p for p in drafts_dir.iterdir()
                    if p.suffix in (".yaml", ".yml") and p.is_file())
    if not drafts:
        return []
    base = read_files(knowledge_files(root), root)  # its problems are reported by load()
    problems: list[Problem] = []
    for path in drafts:
        draft = read_files([path], root)
        problems.extend(draft.problems)
        if not draft.files:
            continue
        found: list[Problem] = []
        try:
            assemble(root, [*base.files, *draft.files], found, "draft-check",
                     base.declared | draft.declared)
        except KnowledgeError as exc:
            found = exc.problems
        display = display_name(path, root)
        problems.extend(p for p in found if p.file == display)
    return problems


def _source_id(title: str, published: str, words: LanguageWords, language: str) -> str:
    return f"{slug(title, slug_stop(words, vocabulary(language)), 4) or 'source'}-{published}"
