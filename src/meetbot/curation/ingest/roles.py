"""The roles people are shown in: a title linked to the knowledge base's role, or a new role
with its organisation ("Speaker of the National Assembly of Velaria": the National Assembly of
Velaria; "Minister of Foreign Affairs of X": the Ministry of Foreign Affairs of X when the
text or the knowledge base names it)."""

from __future__ import annotations

from meetbot.curation.ingest.entities import DocPerson, DocRole, Held
from meetbot.curation.ingest.orgs import OrgFinder
from meetbot.curation.ingest.scope import Scope
from meetbot.lang.normalize import normalize


class RoleResolver:
    """Turns the titles a person is shown with into role holdings."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.orgs = OrgFinder(scope)

    def resolve(self, person: DocPerson) -> None:
        """Keep one holding per role: a title that another of the person's titles contains
        ("Minister" in "Minister of Foreign Affairs of ...") is the same role."""
        kept: list[Held] = []
        for held in sorted(person.held, key=lambda h: -len(h.title)):
            words = set(self._keys(held.title))
            if any(words <= set(self._keys(other.title)) for other in kept):
                continue
            held.role_id, held.is_new = self._role(held, person)
            if held.role_id and any(other.role_id == held.role_id for other in kept):
                continue
            kept.append(held)
        person.held = sorted(kept, key=lambda h: h.span.start)

    def _keys(self, title: str) -> list[str]:
        skip = self.scope.vocab.connectors
        keys = ("-".join(normalize(t).split()) for t in title.split())
        return [w for w in keys if w not in skip]

    def _role(self, held: Held, person: DocPerson) -> tuple[str | None, bool]:
        title = held.title
        role = self.scope.linked(title, "role")
        if role is None and person.kb_id:
            wanted = set(self._keys(title))
            for holding in self.scope.kb.people[person.kb_id].roles:
                known = self.scope.kb.roles.get(holding.role)
                if known is None:
                    continue
                names = [known.name, *known.aliases, *known.translations.values()]
                if any(wanted <= set(self._keys(n)) for n in names):
                    role = holding.role
                    break
        if role is not None:
            return role, False
        draft = self.scope.draft
        existing = next((r for r in draft.roles if normalize(r.name) == normalize(title)), None)
        if existing is None:
            existing = DocRole(self.scope.new_id(title), title, self.orgs.of_title(held))
            draft.roles.append(existing)
        return existing.draft_id, True
