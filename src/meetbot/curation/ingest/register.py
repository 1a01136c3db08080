"""Registering a source: copying its text, and appending its entry to ``sources.yaml``.

``sources.yaml`` is edited as text, never re-dumped, so the curator's comments and layout are
kept; the caller loads the knowledge base afterwards and puts the old file back if it would
not load.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import yaml

from meetbot.curation.ingest.draft import yaml_string
from meetbot.curation.ingest.errors import AlreadyRegistered, RegistrationFailed
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.files import FileRefused, read_regular

SOURCES_FILE = "sources.yaml"


def holds(path: Path, raw: bytes) -> bool:
    """Whether ``path`` is a regular file whose bytes are ``raw``."""
    try:
        return read_regular(path, len(raw)) == raw
    except (OSError, FileRefused):
        return False


def refuse_duplicates(kb: KnowledgeBase, root: Path, raw: bytes, sid: str) -> None:
    """Refuse a document some source already holds, or a source id already taken."""
    for other_id, doc in kb.sources.items():
        where = kb.where("sources", other_id)
        located = f"{where.file}:{where.line}" if where.line else where.file
        if holds(root / doc.meta.file, raw):
            raise AlreadyRegistered(
                f"it is source {other_id!r} ({located}); to ingest it again, remove that "
                f"entry, {doc.meta.file} and drafts/{other_id}.yaml first")
        if other_id == sid:
            raise AlreadyRegistered(
                f"source id {sid!r} is taken ({located}) by a different document; pass --id "
                "to choose another id")


def has_sources(path: Path) -> bool:
    """Whether the YAML file at ``path`` has a ``sources:`` section."""
    try:
        return bool(re.search(r"(?m)^sources\s*:", path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def source_entry(sid: str, title: str, publisher: str, url: str, published: str,
                  language: str, file: str, draft: str) -> list[str]:
    """The lines of a ``sources.yaml`` entry (unindented)."""
    today = datetime.now(UTC).date().isoformat()
    return [f"- id: {sid}",
            f"  title: {yaml_string(title)}",
            f"  publisher: {yaml_string(publisher)}",
            f"  url: {yaml_string(url)}",
            f"  published: {yaml_string(published)}",
            f"  language: {language}",
            f"  file: {file}",
            f"  note: {yaml_string(f'Registered by meetbot ingest on {today}; draft: {draft}.')}"]


def append_source(path: Path, old: bytes | None, entry: list[str]) -> tuple[bytes, int]:
    """Return the new text of ``sources.yaml`` with ``entry`` added, and the entry's line.

    The entry is appended as text at the end of the ``sources:`` list (before the next
    top-level section, if any), indented like the existing entries; nothing else changes.
    """
    if old is None:
        return ("\n".join(["sources:", *(f"  {line}" for line in entry)]) + "\n").encode(), 2
    try:
        text = old.decode("utf-8")
    except UnicodeDecodeError:
        raise RegistrationFailed(f"{path} is not valid UTF-8") from None
    node = _sources_node(text, path)
    if node is None:
        block = ["", "sources:", *(f"  {line}" for line in entry)]
        insert_at = None
    elif not isinstance(node, yaml.SequenceNode) or (node.flow_style and node.value):
        raise RegistrationFailed(f"{path}: 'sources' is not a block list; add the entry by "
                                 "hand")
    elif node.flow_style:  # "sources: []"
        raise RegistrationFailed(f"{path}: 'sources: []' is empty; replace it by 'sources:' "
                                 "and run ingest again")
    else:
        indent = " " * node.start_mark.column
        block = ["", *(f"{indent}{line}" for line in entry)]
        insert_at = _section_end(text, node)
    lines = text.split("\n")
    first = block.index(next(line for line in block if line.strip().startswith("- id:")))
    if insert_at is None:
        head = text.rstrip("\n").split("\n")
        return ("\n".join([*head, *block]) + "\n").encode(), len(head) + first + 1
    head = lines[:insert_at]
    while head and not head[-1].strip():
        head.pop()
    new = "\n".join([*head, *block, "", *lines[insert_at:]])
    return new.encode(), len(head) + first + 1


def _sources_node(text: str, path: Path) -> yaml.Node | None:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise RegistrationFailed(f"{path} is not valid YAML: {exc}") from None
    if root is None:
        return None
    if not isinstance(root, yaml.MappingNode):
        raise RegistrationFailed(f"{path} is not a mapping of sections")
    for key, value in root.value:
        if key.value == "sources":
            found: yaml.Node = value
            return found
    return None


def _section_end(text: str, node: yaml.Node) -> int | None:
    """The line index of the first top-level key after ``node``, or None if it is last."""
    lines = text.split("\n")
    for index in range(node.end_mark.line, len(lines)):
        line = lines[index]
        if index == node.end_mark.line and node.end_mark.column > 0:
            continue
        if line and not line[0].isspace() and not line.startswith("#"):
            # step back over the comments that introduce the next section
            while index > 0 and lines[index - 1].startswith("#"):
                index -= 1
            return index
    return None


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

