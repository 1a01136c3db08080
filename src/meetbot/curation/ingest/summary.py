"""What ``meetbot ingest`` prints once the source is registered and its draft written."""

from __future__ import annotations

from collections.abc import Sequence

from meetbot.curation.ingest.draft import DraftWriter
from meetbot.errors import Problem


def summary(writer: DraftWriter, *, source: str, sources_yaml: str, entry_line: int,
            draft: str, title: str, published: str, date_given: bool, nbytes: int,
            problems: Sequence[Problem]) -> str:
    """What ``meetbot ingest`` prints."""
    new_people = [p.draft_id for p in writer.draft.people if not p.kb_id]
    known_people = [p.kb_id for p in writer.draft.people if p.kb_id]
    new_orgs = [o.draft_id for o in writer.draft.orgs if not o.kb_id]
    known_orgs = [o.kb_id for o in writer.draft.orgs if o.kb_id]
    new_meetings = [m.draft_id for m in writer.draft.meetings if not m.kb_match]
    said = [s for m in writer.draft.meetings for s in m.statements]
    quoted = sum(1 for s in said if s.kind == "direct")
    date_note = ("from --date" if date_given else
                 f"found in the text: {writer.doc.at(writer.draft.found_date.span)!r}"
                 if writer.draft.found_date else "")
    lines = [
        f"Registered source {writer.draft.source_id!r} in {sources_yaml}:{entry_line}",
        f"  text:      {source} ({nbytes} bytes, copied verbatim)",
        f"  title:     {title!r}" + ("" if date_given or not title.endswith("…") else
                                        " (no headline in the text: its first sentence, "
                                        "shortened; pass --title to set it)"),
        f"  published: {published} ({date_note})",
        f"Draft written: {draft} (not served until you move its entries into the "
        "knowledge files)",
        f"  people:        {_listing(new_people, 'new')}; {_listing(known_people, 'known')}",
        f"  roles:         {_listing([r.draft_id for r in writer.draft.roles], 'new')}",
        f"  organisations: {_listing(new_orgs, 'new')}; {_listing(known_orgs, 'known')}",
        f"  meetings:      {_listing(new_meetings, 'candidate')}",
        f"  statements:    {quoted} quoted, {len(said) - quoted} reported"
        + (f", {len(writer.draft.loose_statements)} without a meeting (commented out)"
           if writer.draft.loose_statements else ""),
    ]
    if problems:
        lines.append(f"The draft has {len(problems)} problem(s):")
        lines += [f"  {p}" for p in problems]
    else:
        lines.append("  every cite quote verified against the source text; "
                     "`meetbot check` passes")
    lines.append("Next: review the draft, move what is right into knowledge/*.yaml, delete "
                 "the draft, then run `meetbot check`.")
    return "\n".join(lines)


def _listing(ids: Sequence[str | None], label: str) -> str:
    shown = [i for i in ids if i]
    if not shown:
        return f"0 {label}"
    return f"{len(shown)} {label} ({', '.join(shown)})"
