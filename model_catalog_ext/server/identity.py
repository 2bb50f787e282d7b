"""Who a save is recorded as (``created_by``).

Jupyter's own identity providers (token or password login) know no user names: every user
they authenticate is made by ``generate_anonymous_user``, a random uuid that changes with
each token request or browser. Such an id says nothing, so a save records what the CLI
and the Python API record for the same person: the user running the server. A provider
that knows real users (JupyterHub's) keeps its user name.
"""
from __future__ import annotations

import re

from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider

from ..catalog.defaults import current_user

_ANONYMOUS_ONLY = (IdentityProvider, PasswordIdentityProvider)
_ANONYMOUS_ID = re.compile(r"^[0-9a-f]{32}$")  # uuid4().hex, as generate_anonymous_user makes it


def is_anonymous(identity_provider, user) -> bool:
    if type(identity_provider) in _ANONYMOUS_ONLY:
        return True
    # A custom provider that falls back on Jupyter's anonymous users for some requests.
    inherited = type(identity_provider).generate_anonymous_user is IdentityProvider.generate_anonymous_user
    return inherited and bool(_ANONYMOUS_ID.match(str(getattr(user, "username", ""))))


def created_by(identity_provider, user) -> str | None:
    """The name to record for ``user`` (the handler's current_user)."""
    if user is None:
        return None
    if is_anonymous(identity_provider, user):
        return current_user()
    return getattr(user, "username", None) or (user if isinstance(user, str) else None)


# A client that copies another catalog's models (or a trusted gateway) says whose they are in
# this header, percent-encoded UTF-8; it counts only for identities the identity provider
# trusts to say so (``may_record_authors``).  Anyone else's save is recorded as their own.
AUTHOR_HEADER = "X-Model-Catalog-Author"


def may_record_authors(identity_provider, user) -> bool:
    """Whether ``user`` may name another person as the author of what they save."""
    check = getattr(identity_provider, "may_record_authors", None)
    return bool(user is not None and callable(check) and check(user))


def requested_author(header: str | None) -> str | None:
    """The author named by :data:`AUTHOR_HEADER` (None when absent or not UTF-8)."""
    from urllib.parse import unquote

    if not header:
        return None
    try:
        return unquote(header, errors="strict")
    except UnicodeDecodeError:
        return None
