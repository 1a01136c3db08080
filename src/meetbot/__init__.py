"""meetbot: answers questions about official meetings from a curated, cited knowledge base."""

__version__ = "0.1.0"
