"""Who is calling the catalog service: bearer tokens, or a header set by a trusted proxy.

Programs authenticate with ``Authorization: token <t>`` (or ``Bearer <t>``).  The service's
own token (``c.IdentityProvider.token``, ``$MODEL_CATALOG_SERVICE_TOKEN``) is the operator's
and stands for ``service_user``; ``tokens`` (or ``tokens_file``) give each person a token of
their own, and the file may name each token's groups (``{"user": ..., "groups": [...]}``).
Behind an authenticating proxy, ``trusted_header`` names the header in which the proxy puts
the user name (and ``trusted_groups_header`` their groups): only set them when the proxy is
the service's only way in.

Tokens in a URL's query (Jupyter's ``?token=``) are refused: URLs end up in access logs.
"""
from __future__ import annotations

import hmac
import json
import os

from jupyter_server.auth.identity import IdentityProvider, User
from traitlets import Dict, List, Unicode, default

from ..catalog.defaults import current_user
from .caller import CatalogUser


class CatalogServiceIdentityProvider(IdentityProvider):
    """Identity of the catalog service's callers (``c.CatalogServiceIdentityProvider.*``)."""

    service_user = Unicode(config=True, help="The name the service's own token stands for (default: the OS user "
                                             "running the service).")
    tokens = Dict(key_trait=Unicode(), value_trait=Unicode(), config=True,
                  help="Personal tokens: {token: user name}. Prefer tokens_file, which keeps them out of "
                       "the configuration file.")
    tokens_file = Unicode("", config=True,
                          help="A JSON file of personal tokens, read again whenever it changes: {token: user name}, "
                               "or {token: {\"user\": name, \"groups\": [group, ...]}} to give the user groups "
                               "the access policy grants rights to.")
    trusted_header = Unicode("", config=True,
                             help="A header an authenticating proxy sets to the user's name (e.g. "
                                  "X-Forwarded-User). Only set it when the proxy is the service's only way in: "
                                  "anyone who reaches the service directly could send it.")
    trusted_groups_header = Unicode("", config=True,
                                    help="A header the authenticating proxy sets to the user's groups, separated by "
                                         "commas (e.g. X-Forwarded-Groups); read only with trusted_header.")
    may_record_authors_for = List(Unicode(), config=True,
                                  help="Identities that may name another person as the author of what they save "
                                       "(X-Model-Catalog-Author), e.g. the account that copies an old catalog "
                                       "into this one. Everyone else's saves are recorded as their own.")

    @default("service_user")
    def _default_service_user(self) -> str:
        return current_user()

    @default("token")
    def _token_default(self) -> str:
        # The service's own variable first: JUPYTER_TOKEN may be meant for a notebook server.
        if os.environ.get("MODEL_CATALOG_SERVICE_TOKEN"):
            self.token_generated = False
            return os.environ["MODEL_CATALOG_SERVICE_TOKEN"]
        return super()._token_default()

    _file_tokens: dict[str, tuple[str, tuple[str, ...]]] = {}
    _file_stamp: tuple | None = None

    def _personal_tokens(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """{token: (user name, groups)} of ``tokens`` and ``tokens_file``."""
        known = {str(k): (str(v), ()) for k, v in self.tokens.items()}
        if self.tokens_file:
            # Read again when the file changes: a token is added or revoked without a restart.
            stat = os.stat(self.tokens_file)
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            if stamp != self._file_stamp:
                with open(self.tokens_file, encoding="utf-8") as f:
                    loaded = json.load(f)
                if not isinstance(loaded, dict):
                    raise ValueError(f"{self.tokens_file} must hold a JSON object {{token: user name}}.")
                self._file_tokens = {str(k): _token_holder(self.tokens_file, v) for k, v in loaded.items()}
                self._file_stamp = stamp
            known.update(self._file_tokens)
        return known

    def bearer_token(self, handler) -> str | None:
        """The token of ``Authorization: token <t>`` / ``Bearer <t>`` (never of the query)."""
        match = self.auth_header_pat.match(handler.request.headers.get("Authorization", ""))
        return match.group(2).strip() if match else None

    def get_user(self, handler) -> User | None:
        token = self.bearer_token(handler)
        if token:
            holder = None
            if self.token and hmac.compare_digest(token.encode(), self.token.encode()):
                holder = (self.service_user, ())
            else:
                for known, user in self._personal_tokens().items():
                    if hmac.compare_digest(token.encode(), str(known).encode()):
                        holder = user
            if holder is None:
                return None  # a wrong token is refused, not tried as something else
            handler._token_authenticated = True  # a token request needs no XSRF check
            return CatalogUser(username=holder[0], groups=holder[1])
        if self.trusted_header:
            name = handler.request.headers.get(self.trusted_header, "").strip()
            if name:
                groups = handler.request.headers.get(self.trusted_groups_header, "") if self.trusted_groups_header \
                    else ""
                # Cookie-based behind the proxy: XSRF still applies.
                return CatalogUser(username=name, groups=tuple(sorted({g.strip() for g in groups.split(",")
                                                                       if g.strip()})))
        return None

    def may_record_authors(self, user) -> bool:
        """Whether ``user`` may save in another person's name (see may_record_authors_for)."""
        return getattr(user, "username", None) in set(self.may_record_authors_for)

    def get_handlers(self) -> list:
        # No login page: the service has no browser sessions of its own (a browser comes
        # through an authenticating proxy, or through the user's own Jupyter server).
        return []

    @property
    def login_available(self) -> bool:
        return False

    def generate_anonymous_user(self, handler) -> User:
        # Never called for a request without credentials (get_user returns None), kept
        # for Jupyter's login page: no anonymous users here.
        raise RuntimeError("The catalog service has no anonymous users.")


def _token_holder(path: str, value) -> tuple[str, tuple[str, ...]]:
    """(user name, groups) of one token of the tokens file: a name, or {"user", "groups"}."""
    if isinstance(value, str):
        return value, ()
    if isinstance(value, dict) and isinstance(value.get("user"), str) and value["user"] and \
            set(value) <= {"user", "groups"} and isinstance(value.get("groups", []), list) and \
            all(isinstance(g, str) and g for g in value.get("groups", [])):
        return value["user"], tuple(value.get("groups", []))
    raise ValueError(f"{path}: each token stands for a user name or {{\"user\": name, \"groups\": [names]}}, "
                     f"not {json.dumps(value)[:80]}.")
