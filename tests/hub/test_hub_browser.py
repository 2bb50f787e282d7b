"""A browser reaches the hub-managed catalog service with the hub's OAuth: the service's page
sends it to the hub's login, and back with the service's cookie, which the API then takes."""
from __future__ import annotations

import re
from urllib.parse import urljoin

import requests


def log_in(hub, user: str) -> tuple[requests.Session, requests.Response]:
    """What a browser does from the service's link on the hub's home page: the hub's login
    form, then the OAuth redirects back to the service."""
    browser = requests.Session()
    page = browser.get(f"{hub.catalog_url}/", timeout=30)
    assert "/hub/login" in page.url, page.url  # not logged in to the hub: its login form
    form = re.search(r'<form[^>]*action="([^"]*)"', page.text)
    xsrf = re.search(r'name="_xsrf"[^>]*value="([^"]*)"', page.text)
    assert form and xsrf, page.text[:2000]
    action = urljoin(page.url, form.group(1).replace("&amp;", "&"))
    answer = browser.post(action, data={"username": user, "password": "any", "_xsrf": xsrf.group(1)}, timeout=30)
    return browser, answer


def test_a_browser_logs_in_through_the_hub_and_uses_the_api(hub):
    browser, landing = log_in(hub, "alice")
    assert landing.status_code == 200 and landing.url == f"{hub.catalog_url}/", (landing.url, landing.text[:500])
    assert landing.json() == {"user": "alice", "groups": ["data-science"],
                              "api": "/services/model-catalog/model-catalog/api/"}
    listed = browser.get(f"{hub.catalog_url}/model-catalog/api/models", timeout=30)
    assert listed.status_code == 200 and "items" in listed.json()
    # The cookie alone changes nothing: a cross-site form could send it too.
    forged = browser.post(f"{hub.catalog_url}/model-catalog/api/models/mdl-x/deactivate", timeout=30)
    assert forged.status_code == 403 and "xsrf" in forged.json()["message"].lower()
    # The service's cookie is what let the browser in.
    browser.cookies.clear()
    assert browser.get(f"{hub.catalog_url}/model-catalog/api/models", timeout=30).status_code == 401


def test_a_user_without_access_logs_in_and_is_told_why(hub):
    _, landing = log_in(hub, "carol")
    # The hub itself refuses to authorize a user without the service's access scope.
    assert landing.status_code == 403 and "/hub/api/oauth2/authorize" in landing.url, (landing.url, landing.text[:500])
