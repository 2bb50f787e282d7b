"""The access policy's rules: who may read, write or administer which compartment.

Compartments (and, within them, projects) are the unit, as in OCI.  A right includes the
ones below it: ``admin`` ⊇ ``write`` ⊇ ``read``.

- read: list, get, download, versions, history of every model in the compartment;
- write: save new models and new versions into it, and edit, (de)activate and delete the
  models one saved oneself (``created_by`` is the caller);
- admin: all of that on anyone's models in it.

Service-wide ``admins`` have every right everywhere.  A model without a compartment is in
the policy's ``default_compartment``.  A model the caller may not read does not exist for
them (404, as a model that is not there); a model they may read but not change is a 403
whose message says which right is missing and whom to ask, never naming a compartment's
admins to someone who cannot see that compartment.

This module is pure: a caller (user name and groups), a place (compartment, project) and an
action in, a decision out.  ``policy_file.py`` reads the file; ``policed_catalog.py`` applies
the decisions to every request.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..catalog.entry import ModelEntry
from ..catalog.query import AccessScope
from ..errors import Forbidden

NONE, READ, WRITE, ADMIN = 0, 1, 2, 3
RIGHT_NAMES = {READ: "read", WRITE: "write", ADMIN: "admin"}
EVERYONE = "*"  # a grant to every authenticated caller
GROUP_PREFIX = "group:"


@dataclass(frozen=True)
class Grants:
    """Who holds each right on one compartment or project (user names, ``group:<name>``, ``*``)."""

    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()
    admin: frozenset[str] = frozenset()

    def level(self, principals: frozenset[str]) -> int:
        """The highest right any of ``principals`` holds here (NONE if none)."""
        for level, holders in ((ADMIN, self.admin), (WRITE, self.write), (READ, self.read)):
            if holders & principals:
                return level
        return NONE


@dataclass(frozen=True)
class Caller:
    """Who is asking: a user name and the groups it belongs to."""

    name: str
    groups: frozenset[str] = frozenset()

    @property
    def principals(self) -> frozenset[str]:
        """The policy entries that stand for this caller."""
        # A user whose name reads as a policy entry of another kind ("group:admins", "*") is
        # not that entry: only their groups and "everyone" stand for them.
        own = {self.name} if self.name != EVERYONE and not self.name.startswith(GROUP_PREFIX) else set()
        return frozenset(own | {EVERYONE} | {GROUP_PREFIX + g for g in self.groups})


@dataclass(frozen=True)
class AccessPolicy:
    """A whole policy: service-wide admins, each compartment's grants, and project grants
    keyed by ``(compartment, project)``."""

    admins: frozenset[str] = frozenset()
    compartments: Mapping[str, Grants] = field(default_factory=dict)
    projects: Mapping[tuple[str, str], Grants] = field(default_factory=dict)
    default_compartment: str = "default"
    source: str = ""  # where it was read from, for messages

    # --- what a caller may do where ------------------------------------------------------
    def compartment_of(self, compartment_id: str | None) -> str:
        """The compartment whose rules apply to a model (``default_compartment`` when none)."""
        return compartment_id or self.default_compartment

    def is_admin(self, caller: Caller) -> bool:
        return bool(self.admins & caller.principals)

    def level(self, caller: Caller, compartment_id: str | None, project_id: str | None = None) -> int:
        """The caller's right on a model in this compartment and project."""
        if self.is_admin(caller):
            return ADMIN
        compartment = self.compartment_of(compartment_id)
        level = self.compartments.get(compartment, Grants()).level(caller.principals)
        if project_id:
            level = max(level, self.projects.get((compartment, project_id), Grants()).level(caller.principals))
        return level

    def scope(self, caller: Caller) -> AccessScope | None:
        """Where the caller may read, for listings to filter on (None: everywhere)."""
        if self.is_admin(caller):
            return None
        principals = caller.principals
        compartments: set[str | None] = {c for c, grants in self.compartments.items() if grants.level(principals)}
        if self.default_compartment in compartments:
            compartments.add(None)  # models saved without a compartment are in the default one
        projects: set[tuple[str | None, str]] = set()
        for (compartment, project), grants in self.projects.items():
            if compartment not in compartments and grants.level(principals):
                projects.add((compartment, project))
                if compartment == self.default_compartment:
                    projects.add((None, project))
        return AccessScope(frozenset(compartments), frozenset(projects))

    # --- decisions -----------------------------------------------------------------------
    def may_read(self, caller: Caller, entry: ModelEntry) -> bool:
        return self.level(caller, entry.compartment_id, entry.project_id) >= READ

    def check_change(self, caller: Caller, entry: ModelEntry, doing: str) -> None:
        """Raise Forbidden unless the caller may change ``entry`` (edit, (de)activate, delete).
        The caller may read it (the service answered 404 otherwise)."""
        level = self.level(caller, entry.compartment_id, entry.project_id)
        if level >= ADMIN or (level >= WRITE and entry.created_by == caller.name):
            return
        compartment = self.compartment_of(entry.compartment_id)
        ask = self._whom_to_ask(compartment, entry.project_id)
        if level >= WRITE:
            raise Forbidden(
                f"{caller.name} may write compartment '{compartment}' but change only their own models, and "
                f"model {entry.id} was saved by {entry.created_by}: {caller.name} cannot {doing} it. Ask "
                f"{entry.created_by} or an admin of '{compartment}' ({ask}).",
                compartment_id=compartment, right="admin", model_id=entry.id)
        raise Forbidden(
            f"{caller.name} may read compartment '{compartment}' but not write it, so cannot {doing} model "
            f"{entry.id}; ask an admin of '{compartment}' ({ask}).",
            compartment_id=compartment, right="write", model_id=entry.id)

    def check_save(self, caller: Caller, compartment_id: str | None, project_id: str | None,
                   doing: str = "save models into it") -> None:
        """Raise Forbidden unless the caller may write into this compartment (and project)."""
        level = self.level(caller, compartment_id, project_id)
        if level >= WRITE:
            return
        compartment = self.compartment_of(compartment_id)
        if level >= READ:
            raise Forbidden(
                f"{caller.name} may read compartment '{compartment}' but not write it, so cannot {doing}; ask an "
                f"admin of '{compartment}' ({self._whom_to_ask(compartment, project_id)}).",
                compartment_id=compartment, right="write")
        # Not a member: say nothing of who is (the caller cannot see this compartment).
        raise Forbidden(
            f"{caller.name} may not write compartment '{compartment}', so cannot {doing}; save into a "
            f"compartment you may write, or ask the catalog's admins ({self._service_admins()}).",
            compartment_id=compartment, right="write")

    def check_admin(self, caller: Caller, compartment_id: str | None, doing: str) -> None:
        """Raise Forbidden unless the caller administers this compartment."""
        level = self.level(caller, compartment_id)
        if level >= ADMIN:
            return
        compartment = self.compartment_of(compartment_id)
        ask = self._whom_to_ask(compartment, None) if level >= READ else self._service_admins()
        have = f"may {RIGHT_NAMES[level]} compartment '{compartment}' but not administer it" if level \
            else f"does not administer compartment '{compartment}'"
        raise Forbidden(f"{caller.name} {have}, so cannot {doing}; ask an admin ({ask}).",
                        compartment_id=compartment, right="admin")

    def _whom_to_ask(self, compartment: str, project_id: str | None) -> str:
        admins = set(self.compartments.get(compartment, Grants()).admin)
        if project_id:
            admins |= self.projects.get((compartment, project_id), Grants()).admin
        admins.discard(EVERYONE)
        return ", ".join(sorted(admins)) if admins else self._service_admins()

    def _service_admins(self) -> str:
        names = sorted(self.admins - {EVERYONE})
        return ", ".join(names) if names else "the service's operator"


def caller_of(user) -> Caller:
    """The policy's view of a handler's ``current_user`` (a CatalogUser, or any Jupyter user)."""
    name = getattr(user, "username", None) or (user if isinstance(user, str) else "")
    return Caller(name=str(name), groups=frozenset(getattr(user, "groups", ()) or ()))
