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
