"""Who is calling the team catalog service: a user name and the groups it belongs to.

Every identity source of the service (personal tokens, a trusted proxy header, JupyterHub)
returns a :class:`CatalogUser`, so the access policy and the history see one shape whatever
authenticated the request.
"""
from __future__ import annotations

from dataclasses import dataclass

from jupyter_server.auth.identity import User


@dataclass
class CatalogUser(User):
    """A Jupyter ``User`` with the groups the access policy grants rights to."""

    groups: tuple[str, ...] = ()


def groups_of(user) -> frozenset[str]:
    """The groups of a handler's ``current_user`` (none for a user without any)."""
    return frozenset(getattr(user, "groups", ()) or ())
