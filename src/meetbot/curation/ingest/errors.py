"""What can go wrong with ``meetbot ingest``: each exception's docstring is its message."""

from __future__ import annotations

from meetbot.errors import MeetbotError


class IngestError(MeetbotError):
    """The document could not be ingested."""

    def __init__(self, detail: str = "") -> None:
        message = " ".join((self.__doc__ or type(self).__name__).split())
        super().__init__(f"{message}: {detail}" if detail else message)


class DocumentUnreadable(IngestError):
    """cannot read the document"""


class DocumentNotText(IngestError):
    """the document is not UTF-8 text (convert it to plain UTF-8 text first)"""


class DocumentEmpty(IngestError):
    """the document has no text"""


class DocumentTooLarge(IngestError):
    """the document is too large (the limit is 5 MB)"""


class BadOption(IngestError):
    """invalid option"""


class NoDate(IngestError):
    """no date found in the document (pass --date YYYY-MM-DD)"""


class AlreadyRegistered(IngestError):
    """this document is already registered"""


class SourceFileExists(IngestError):
    """a different file already exists at the source path (pass --id to choose another id)"""


class DraftExists(IngestError):
    """a draft for this source id already exists (review or delete it, or pass --id)"""


class RegistrationFailed(IngestError):
    """registering the source would break the knowledge base, so nothing was changed"""


class DraftNotWritten(IngestError):
    """the source was registered, but its draft could not be written"""


class Unverified(IngestError):
    """a draft quote could not be verified against the document (a bug in meetbot ingest;
    nothing was changed)"""
