"""A browser's way into the hub-managed catalog service: the hub's OAuth.

``<prefix>/`` (the link on the hub's home page) answers a logged-in browser with who it is and
where the API is, and sends any other to the hub's authorization page;
``<prefix>/oauth_callback`` (the redirect URI the hub registered for the service) finishes
the login and sets the service's cookie, which then authenticates the API's requests (with
Jupyter's XSRF check on changes, as for any browser).
"""
from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web
from tornado.httputil import url_concat

from ..errors import CatalogUnavailable
from .caller import groups_of
from .hub_outage import answer_hub_unreachable, hub_unreachable


class HubOAuthCallback(HubOAuthCallbackHandler):
    """Finishes the hub's OAuth (jupyterhub's own handler, given the service's HubOAuth)."""

    def initialize(self, hub_auth) -> None:
        self.hub_auth = hub_auth

    @allow_unauthenticated  # it is the way in
    async def get(self) -> None:
        try:
            await super().get()  # asks the hub's API for the token of the code the hub sent
        except web.HTTPError as exc:
            if not hub_unreachable(exc):
                raise
            answer_hub_unreachable(self)


class HubLoginHandler(APIHandler):
    """The service's home: who the browser is, once the hub's OAuth has said so."""

    def initialize(self, hub_auth) -> None:
        self.hub_auth = hub_auth

    async def prepare(self) -> None:
        try:
            await super().prepare()  # asks the hub who the browser's cookie is
        except CatalogUnavailable:  # the hub out of reach (hub_outage.py)
            answer_hub_unreachable(self)

    @allow_unauthenticated
    def get(self) -> None:
        user = self.current_user
        if user is not None:
            self.finish({"user": user.username, "groups": sorted(groups_of(user)),
                         "api": url_path_join(self.base_url, "model-catalog", "api") + "/"})
            return
        params, pkce = {}, {}
        if getattr(self.hub_auth, "pkce_enabled", False):  # JupyterHub >= 6
            pkce["code_verifier"], challenge, method = self.hub_auth.generate_pkce_code_challenge()
            params.update(code_challenge=challenge, code_challenge_method=method)
        params["state"] = self.hub_auth.set_state_cookie(self, next_url=self.request.path, **pkce)
        self.redirect(url_concat(self.hub_auth.login_url, params))


def oauth_handlers(hub_auth) -> list:
    """The routes (relative to the service's prefix) of the hub's OAuth."""
    return [(r"/?", HubLoginHandler, {"hub_auth": hub_auth}),
            (r"/oauth_callback", HubOAuthCallback, {"hub_auth": hub_auth})]
