"""The catalog service as a JupyterHub-managed service: the hub says who is calling.

The hub starts the service with ``JUPYTERHUB_SERVICE_NAME``, ``JUPYTERHUB_API_TOKEN``,
``JUPYTERHUB_API_URL``, ``JUPYTERHUB_SERVICE_PREFIX`` ... in its environment (see
docs/deploy-jupyterhub.md).  Then:

- a program sends a hub API token (``Authorization: token <t>``): the hub names its owner
  and groups, and the scopes the token holds (``HubAuth``, which caches the answer for
  ``c.HubOAuth.cache_max_age`` seconds);
- a browser logs in with the hub's OAuth (``hub_oauth.py``) and comes back with the
  service's cookie, which holds the OAuth token the hub gave the service (changes then need
  Jupyter's XSRF token, as from any browser).

A token must grant access to this service (``access:services!service=<name>``, as the hub's
roles give it): a token of a known user without it is refused with 403 and a reason, an
unknown, expired or revoked one with 401.  The service's own token and personal tokens
(``tokens`` / ``tokens_file``) still work, and are checked first (no hub request);
``trusted_header`` does not (the hub's proxy passes any client's headers on).
"""
from __future__ import annotations

import hmac
import os

from jupyter_server.auth.identity import User
from tornado import web
from traitlets import Any, Integer, default

from .caller import CatalogUser
from .hub_outage import asking_hub
from .identity import CatalogServiceIdentityProvider

# What the hub sets in the environment of every service it manages.
HUB_ENVIRONMENT = ("JUPYTERHUB_SERVICE_NAME", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL")


def running_under_hub() -> bool:
    """Whether this process was started by a JupyterHub as one of its services."""
    return all(os.environ.get(name) for name in HUB_ENVIRONMENT)


class CatalogHubIdentityProvider(CatalogServiceIdentityProvider):
    """Callers named by the JupyterHub that manages the service (``c.CatalogServiceIdentityProvider.*``
    settings apply too)."""

    hub_auth = Any(help="The jupyterhub.services.auth.HubOAuth that asks the hub (made from the environment).")
    hub_cache_max_age = Integer(60, config=True,
                                help="Seconds the hub's answer about a token is reused: a token revoked, or "
                                     "expired, on the hub is refused at most this long after.")

    @default("hub_auth")
    def _default_hub_auth(self):
        from jupyterhub.services.auth import HubAuth, HubOAuth

        # It reads the hub's URL, the service's token, OAuth client and prefix from the
        # environment the hub gave; c.HubOAuth.* settings still apply. A service entry
        # without a url has no OAuth client: tokens only, no browser login.
        oauth = bool(os.environ.get("JUPYTERHUB_CLIENT_ID"))
        return (HubOAuth if oauth else HubAuth)(parent=self, cache_max_age=self.hub_cache_max_age)

    @property
    def browsers_log_in(self) -> bool:
        """Whether browsers log in with the hub's OAuth (the hub gave the service an OAuth client)."""
        return hasattr(self.hub_auth, "cookie_name")

    @default("token")
    def _token_default(self) -> str:
        # Only an operator's own token: a hub service needs none, and a generated one would be
        # written to the log.
        self.token_generated = False
        return os.environ.get("MODEL_CATALOG_SERVICE_TOKEN", "")

    def validate_security(self, app, ssl_options=None) -> None:
        # No token and no password is expected here: the hub authenticates every caller.
        self.log.info("model-catalog service: callers are authenticated by the JupyterHub at %s%s",
                      self.hub_auth.api_url, "" if self.browsers_log_in else " (tokens only: no OAuth client)")
        if self.trusted_header:
            self.log.warning("model-catalog service: trusted_header (%s) is ignored under JupyterHub: the hub's "
                             "proxy passes every client's headers on, so anyone could set it.", self.trusted_header)

    @property
    def login_available(self) -> bool:
        return self.browsers_log_in

    async def get_user(self, handler) -> User | None:
        if hasattr(handler, "_catalog_hub_user"):
            return handler._catalog_hub_user
        handler._catalog_hub_user = user = await self._identify(handler)
        return user

    async def _identify(self, handler) -> User | None:
        token = self.bearer_token(handler)
        if token and self._known_token(token):
            return super().get_user(handler)
        from_cookie = not token
        if from_cookie and not self.browsers_log_in:
            return None
        if from_cookie:
            # After the hub's OAuth (hub_oauth.py): the OAuth token the hub gave the service, in
            # the service's signed cookie. Jupyter's XSRF check then applies to its changes.
            cookie = handler.get_secure_cookie(self.hub_auth.cookie_name)
            token = cookie.decode("ascii", "replace") if cookie else None
            if not token:
                return None
        # The hub down or restarting is a 503 to retry (hub_outage.py), not a server error.
        model = await asking_hub(self.hub_auth.user_for_token(
            token, session_id=self.hub_auth.get_session_id(handler), sync=False))
        if model is None:  # unknown, expired or revoked: 401 (a header's token is never tried as a cookie)
            if from_cookie:
                handler.clear_cookie(self.hub_auth.cookie_name, path=self.hub_auth.cookie_path)
            return None
        if not from_cookie:
            handler._token_authenticated = True  # a token request needs no XSRF check
        if not self.hub_auth.check_scopes(self.hub_auth.access_scopes, model):
            raise web.HTTPError(403, self._no_access(model))
        return CatalogUser(username=model["name"], groups=tuple(sorted(model.get("groups") or ())))

    def _no_access(self, model: dict) -> str:
        scopes = sorted(self.hub_auth.access_scopes)
        scope = next((s for s in scopes if "!service=" in s), " or ".join(scopes))
        return (f"{model.get('kind', 'user')} {model.get('name')} may not use this catalog service: the hub "
                f"grants that with the scope {scope} (a role in the hub's configuration; a token also needs it "
                "among its own scopes).")

    def _known_token(self, token: str) -> bool:
        candidates = [self.token] if self.token else []
        candidates += list(self._personal_tokens())
        return any(hmac.compare_digest(token.encode(), known.encode()) for known in candidates)

    def get_handlers(self) -> list:
        if not self.browsers_log_in:
            return []
        from .hub_oauth import oauth_handlers

        return oauth_handlers(self.hub_auth)
