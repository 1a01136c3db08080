"""Missed questions: a privacy-preserving log of declines and "did you mean", and a report.

:class:`MissLog` (:mod:`.log`) appends one JSON line per declined or low-confidence answer
(``kind`` ``decline`` or ``clarify``) to ``misses.jsonl``: the time, the question with private
data redacted, how it was answered and a salted hash of the chat, never a user name or id; the
log is size-capped and rotated, and safe to write from several processes at once (the module
says what is stored, redacted and kept, and for how long).

:func:`report` (``meetbot misses``, :mod:`.report`) reads the log and its rotated files,
groups similar questions, and prints for each group, biggest first, ready-to-paste YAML
(:mod:`.stubs`): a new phrasing for the intent or FAQ entry the questions nearly matched, or a
new FAQ skeleton when nothing was close.
"""

from __future__ import annotations

from meetbot.curation.misses.log import (
    LOCK_TIMEOUT,
    RECORDED_KINDS,
    MissLog,
    default_log_path,
    miss_log_from_env,
)
from meetbot.curation.misses.report import (
    Miss,
    MissGroup,
    group_misses,
    log_files,
    read_misses,
    report,
)
from meetbot.curation.misses.stubs import faq_stub, phrasing_stub, yaml_string

__all__ = [
    "LOCK_TIMEOUT",
    "RECORDED_KINDS",
    "Miss",
    "MissGroup",
    "MissLog",
    "default_log_path",
    "faq_stub",
    "group_misses",
    "log_files",
    "miss_log_from_env",
    "phrasing_stub",
    "read_misses",
    "report",
    "yaml_string",
]
