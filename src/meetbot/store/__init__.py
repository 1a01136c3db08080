"""Reading the knowledge directory: files, validation, the engine cache and live reload."""

from __future__ import annotations

from pathlib import Path

from meetbot.domain.knowledge import KnowledgeBase
from meetbot.store.directory import gc_paused


def load(directory: Path | str | None = None) -> KnowledgeBase:
    """Load and verify the knowledge base in ``directory``; raise KnowledgeError if broken."""
    from meetbot.store.loader import load_directory  # YAML and pydantic: only imported to load

    with gc_paused():
        return load_directory(directory)
