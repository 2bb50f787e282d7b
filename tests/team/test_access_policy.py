"""The access policy, through HTTP as real users of a real service process: what each of two
users in two groups, a compartment admin and a service admin can list (pages and totals),
read, download, edit and delete follows the policy; a model in a compartment one cannot see
is 404 word for word as a missing one; a refusal is a 403 that says why and whom to ask."""
from __future__ import annotations

import json

import pytest

from model_catalog_ext.catalog import open_catalog
from model_catalog_ext.errors import Forbidden, ModelNotFound

from .policy_fixtures import TOKENS, call, policy_service, saved, upload  # noqa: F401 (a fixture)


@pytest.fixture
def models(policy_service):
    """Three research models of alice, two finance models of bob, one shared of ann."""
    research = [saved(policy_service, "alice", display_name=f"research-{i}", compartment_id="research")
                for i in range(3)]
    finance = [saved(policy_service, "bob", display_name=f"finance-{i}", compartment_id="finance")
               for i in range(2)]
    shared = saved(policy_service, "ann", display_name="shared-0")  # no compartment: the default one
    return {"research": research, "finance": finance, "shared": shared}


def _names(service, user, **params) -> tuple[list[str], int]:
    """Every name ``user`` lists, walking pages of 2, and the total of the first page."""
    names, token, total = [], None, None
    while True:
        query = "&".join(f"{k}={v}" for k, v in {"limit": 2, "total": "true", **params,
                                                    **({"page_token": token} if token else {})}.items())
        status, page = call(service, user, "GET", f"models?{query}")
        assert status == 200, page
        total = page["total"] if total is None else total
        assert page["total"] == total
        names += [item["display_name"] for item in page["items"]]
        token = page["next_page_token"]
        if not token:
            return sorted(names), total


def test_each_user_lists_what_they_may_read_with_right_pages_and_totals(policy_service, models):
    research = [f"research-{i}" for i in range(3)]
    finance = [f"finance-{i}" for i in range(2)]
    assert models["shared"]["compartment_id"] == "shared"
    assert _names(policy_service, "alice") == (sorted(research + ["shared-0"]), 4)
    assert _names(policy_service, "bob") == (sorted(research + finance + ["shared-0"]), 6)
    assert _names(policy_service, "mallory") == (["shared-0"], 1)
    assert _names(policy_service, "carol") == (sorted(research + finance + ["shared-0"]), 6)
    # Asking for a compartment one cannot read finds nothing (not an error that says it exists).
    assert _names(policy_service, "alice", compartment_id="finance") == ([], 0)
    # One row per model, the search box, and the stats count only what one may read.
    assert _names(policy_service, "alice", latest="true", q="finance") == ([], 0)
    assert call(policy_service, "mallory", "GET", "stats")[1] == {"models": 1, "by_state": {"ACTIVE": 1}}
    assert call(policy_service, "carol", "GET", "stats")[1]["models"] == 6


def test_a_model_one_cannot_see_is_404_word_for_word_as_a_missing_one(policy_service, models):
    hidden = models["finance"][0]["id"]
    missing = "mdl-" + "0" * 32
    for route in ("models/{}", "models/{}/versions", "models/{}/artifact", "models/{}/artifact/files/score.py"):
        seen = call(policy_service, "alice", "GET", route.format(hidden))
        absent = call(policy_service, "alice", "GET", route.format(missing))
        assert seen[0] == absent[0] == 404, (route, seen)
        assert json.dumps(seen[1]).replace(hidden, "ID") == json.dumps(absent[1]).replace(missing, "ID")
    for method, route, body in (("PATCH", "models/{}", {"description": "x"}), ("DELETE", "models/{}", None),
                                ("POST", "models/{}/deactivate", None), ("POST", "models/{}/activate", None)):
        status, answer = call(policy_service, "alice", method, route.format(hidden), body)
        assert status == 404 and "finance" not in json.dumps(answer), (route, answer)
    # A new version of it is refused the same way.
    status, answer = upload(policy_service, "alice", {"display_name": "v2", "as_new_version_of": hidden})
    assert status == 404 and "finance" not in json.dumps(answer)
    # Its owner and the admins see it.
    assert call(policy_service, "bob", "GET", f"models/{hidden}")[0] == 200
    assert call(policy_service, "carol", "GET", f"models/{hidden}/artifact")[0] == 200


def test_readers_read_and_download_but_may_not_change(policy_service, models):
    theirs = models["research"][0]["id"]
    assert call(policy_service, "bob", "GET", f"models/{theirs}/artifact")[0] == 200
    assert call(policy_service, "bob", "GET", f"models/{theirs}/artifact/files/score.py")[0] == 200
    assert len(call(policy_service, "bob", "GET", f"models/{theirs}/versions")[1]["items"]) == 1
    for method, route, body in (("PATCH", f"models/{theirs}", {"description": "x"}),
                                ("DELETE", f"models/{theirs}", None),
                                ("POST", f"models/{theirs}/deactivate", None)):
        status, answer = call(policy_service, "bob", method, route, body)
        assert status == 403, (route, answer)
        assert answer["error"] == "forbidden"
        assert "bob may read compartment 'research' but not write it" in answer["message"]
        assert "erin" in answer["message"]  # whom to ask: research's admin
    status, answer = upload(policy_service, "bob", {"display_name": "mine", "compartment_id": "research"})
    assert status == 403 and "may read compartment 'research' but not write it" in answer["message"]
    assert call(policy_service, "bob", "GET", f"models/{theirs}")[1]["description"] == ""


def test_writers_change_their_own_models_and_admins_anyones(policy_service, models):
    alices = models["research"][0]["id"]
    # ann writes research too, but alice's model is alice's.
    status, answer = call(policy_service, "ann", "PATCH", f"models/{alices}", {"description": "ann's"})
    assert status == 403
    assert "change only their own models" in answer["message"] and "alice" in answer["message"]
    assert "erin" in answer["message"]
    assert call(policy_service, "ann", "DELETE", f"models/{alices}")[0] == 403
    # alice changes hers; ann adds a version to it (writers add versions in their compartment).
    status, entry = call(policy_service, "alice", "PATCH", f"models/{alices}", {"description": "hers"})
    assert (status, entry["description"]) == (200, "hers")
    assert call(policy_service, "alice", "POST", f"models/{alices}/deactivate")[0] == 200
    assert call(policy_service, "alice", "POST", f"models/{alices}/activate")[0] == 200
    status, version = upload(policy_service, "ann", {"display_name": "v2", "as_new_version_of": alices})
    assert status == 201 and (version["version"], version["compartment_id"]) == (2, "research")
    # erin administers research: anyone's model there; not finance's.
    assert call(policy_service, "erin", "PATCH", f"models/{alices}", {"description": "erin's"})[0] == 200
    assert call(policy_service, "erin", "DELETE", f"models/{version['id']}")[0] == 204
    assert call(policy_service, "erin", "DELETE", f"models/{models['finance'][0]['id']}")[0] == 404
    # carol administers everything.
    assert call(policy_service, "carol", "DELETE", f"models/{models['finance'][0]['id']}")[0] == 204
    assert call(policy_service, "alice", "DELETE", f"models/{alices}")[0] == 204


def test_saving_needs_write_on_the_compartment_and_moving_on_both(policy_service, models):
    status, answer = upload(policy_service, "alice", {"display_name": "x", "compartment_id": "finance"})
    assert status == 403 and answer["error"] == "forbidden"
    assert "alice may not write compartment 'finance'" in answer["message"]
    assert "bob" not in answer["message"]  # the admins of a compartment alice cannot see stay unnamed
    status, answer = upload(policy_service, "mallory", {"display_name": "x"})
    assert status == 403 and "may read compartment 'shared' but not write it" in answer["message"]
    status, answer = upload(policy_service, "alice", {"display_name": "x", "compartment_id": "nowhere"})
    assert status == 403
    alices = models["research"][1]["id"]
    status, answer = call(policy_service, "alice", "PATCH", f"models/{alices}", {"compartment_id": "finance"})
    assert status == 403 and "finance" in answer["message"]
    status, moved = call(policy_service, "alice", "PATCH", f"models/{alices}", {"compartment_id": "shared"})
    assert (status, moved["compartment_id"]) == (200, "shared")
    assert "shared-0" in _names(policy_service, "mallory")[0] and moved["display_name"] in \
        _names(policy_service, "mallory")[0]
    # Bad input is still a 400, never a 500, whoever sends it.
    status, answer = call(policy_service, "alice", "PATCH", f"models/{alices}", {"compartment_id": ["x"]})
    assert status == 400, answer


def test_the_recorded_author_is_the_caller_whatever_the_client_says(policy_service, models):
    status, entry = upload(policy_service, "alice", {"display_name": "forged", "compartment_id": "research"},
                           headers={"X-Model-Catalog-Author": "ann"})
    assert status == 201 and entry["created_by"] == "alice"
    assert call(policy_service, "ann", "DELETE", f"models/{entry['id']}")[0] == 403
    # A token names its user: another header does not make alice carol, nor a wrong token anyone.
    status, _ = call(policy_service, "alice", "DELETE", f"models/{models['shared']['id']}",
                     headers={"X-Forwarded-User": "carol"})
    assert status == 403
    status, _ = call(policy_service, None, "GET", "models", headers={"Authorization": "token alice-token-x"})
    assert status == 401


def test_the_python_client_raises_forbidden_with_the_reason(policy_service, models, monkeypatch, tmp_path):
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", TOKENS["bob"][0])
    catalog = open_catalog(policy_service.url)
    theirs = models["research"][0]["id"]
    with pytest.raises(Forbidden, match="bob may read compartment 'research' but not write it") as err:
        catalog.update(theirs, description="x")
    assert err.value.details.get("compartment_id") == "research" or "research" in err.value.message
    monkeypatch.setenv("MODEL_CATALOG_TOKEN", TOKENS["alice"][0])
    with pytest.raises(ModelNotFound):
        open_catalog(policy_service.url).get(models["finance"][0]["id"])


def test_the_policy_is_read_again_and_a_broken_one_keeps_the_last_good(policy_service, models):
    import os
    import time

    assert _names(policy_service, "mallory")[1] == 1
    text = policy_service.policy.read_text().replace("read: [bob]", "read: [bob, mallory]")
    policy_service.policy.write_text(text)
    assert _names(policy_service, "mallory")[1] == 4
    # A typo later: the last good policy stays (never everything), and the log says why.
    policy_service.policy.write_text(text.replace("write: [group:finance]", "wirte: [group:finance]"))
    os.utime(policy_service.policy, ns=(time.time_ns(), time.time_ns()))
    assert _names(policy_service, "mallory")[1] == 4
    assert _names(policy_service, "alice")[1] == 4
    log = policy_service.log_text()
    assert "line 13" in log and "compartments.finance.wirte" in log and "last good policy" in log
    policy_service.policy.unlink()
    assert _names(policy_service, "mallory")[1] == 4
    assert "is gone" in policy_service.log_text()


@pytest.fixture
def pg_policy_service(tmp_path, pg_url, s3_root, moto_endpoint):
    """The policy service over PostgreSQL + S3 (moto), as a team deploys it."""
    from tests.catalog.service_process import start_service, stop_service

    from .policy_fixtures import POLICY, write_tokens

    root, options = s3_root
    open_catalog(pg_url, root, storage_options=options, upgrade=True).close()
    tokens, policy = tmp_path / "tokens.json", tmp_path / "policy.yaml"
    write_tokens(tokens)
    policy.write_text(POLICY)
    service = start_service(tmp_path / "service", identity={"tokens_file": str(tokens)},
                            extra=("--policy", str(policy)), catalog_url=pg_url, artifact_root=root,
                            env={"FSSPEC_S3_ENDPOINT_URL": moto_endpoint, "AWS_ENDPOINT_URL": moto_endpoint})
    yield service
    stop_service(service)


def test_on_postgresql_and_s3_listing_and_reading_follow_the_policy(pg_policy_service):
    for i in range(3):
        saved(pg_policy_service, "alice", display_name=f"research-{i}", compartment_id="research")
    hidden = saved(pg_policy_service, "bob", display_name="finance-0", compartment_id="finance")
    saved(pg_policy_service, "ann", display_name="shared-0")
    assert _names(pg_policy_service, "alice") == (["research-0", "research-1", "research-2", "shared-0"], 4)
    assert _names(pg_policy_service, "mallory", latest="true") == (["shared-0"], 1)
    assert call(pg_policy_service, "alice", "GET", f"models/{hidden['id']}/artifact")[0] == 404
    assert call(pg_policy_service, "bob", "GET", f"models/{hidden['id']}/artifact")[0] == 200


def test_the_cli_shows_the_reason_of_a_refusal(policy_service, models):
    import os
    import subprocess
    import sys

    theirs = models["research"][0]["id"]
    env = {**os.environ, "MODEL_CATALOG_TOKEN": TOKENS["bob"][0]}
    env.pop("MODEL_CATALOG_URL", None)
    done = subprocess.run([sys.executable, "-m", "model_catalog_ext.cli", "--url", policy_service.url, "delete",
                           theirs, "--yes"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0
    assert "bob may read compartment 'research' but not write it" in done.stderr
    assert call(policy_service, "bob", "GET", f"models/{theirs}")[0] == 200  # still there


def test_history_follows_the_policy_for_deleted_models_and_other_versions(policy_service, models):
    first = models["research"][0]["id"]
    status, second = upload(policy_service, "alice", {"display_name": "v2", "as_new_version_of": first})
    assert status == 201
    # carol moves the second version into finance, which alice may not read.
    assert call(policy_service, "carol", "PATCH", f"models/{second['id']}", {"compartment_id": "finance"})[0] == 200
    status, answer = call(policy_service, "alice", "GET", f"models/{first}/history?all_versions=true")
    assert status == 200 and {r["model_id"] for r in answer["items"]} == {first}
    status, answer = call(policy_service, "bob", "GET", f"models/{first}/history?all_versions=true")
    assert {r["model_id"] for r in answer["items"]} == {first, second["id"]}
    # A deleted model's history stays readable to its readers and is 404 to everyone else.
    assert call(policy_service, "alice", "DELETE", f"models/{first}")[0] == 204
    status, answer = call(policy_service, "bob", "GET", f"models/{first}/history")
    assert status == 200 and [r["action"] for r in answer["items"]][-1] == "deleted"
    assert call(policy_service, "carol", "GET", f"models/{first}/history")[0] == 200
    hidden = call(policy_service, "alice", "GET", f"models/{second['id']}/history")
    missing = call(policy_service, "alice", "GET", f"models/mdl-{'0' * 32}/history")
    assert hidden[0] == missing[0] == 404
    assert call(policy_service, "mallory", "GET", f"models/{first}/history")[0] == 404


def test_a_resumable_upload_follows_the_policy_from_its_first_request(policy_service, models):
    import hashlib

    score = b"def load_model():\n    return 1\n\ndef predict(data, model=None):\n    return {'prediction': [1]}\n"
    manifest = [{"path": "score.py", "size": len(score), "sha256": hashlib.sha256(score).hexdigest()}]
    # bob reads research but may not write it: refused before a byte is sent.
    status, answer = call(policy_service, "bob", "POST", "uploads",
                          {"metadata": {"display_name": "big", "compartment_id": "research"}, "files": manifest})
    assert status == 403 and "may read compartment 'research' but not write it" in answer["message"]
    # alice writes research: her upload opens, and completing it saves as alice, into research.
    status, session = call(policy_service, "alice", "POST", "uploads",
                           {"metadata": {"display_name": "big", "compartment_id": "research"}, "files": manifest})
    assert status in (200, 201), session
    digest = "sha-256=:" + __import__("base64").b64encode(hashlib.sha256(score).digest()).decode() + ":"
    status, _ = call(policy_service, "alice", "PUT", f"uploads/{session['id']}/files/0/parts/0", score,
                     headers={"Content-Digest": digest, "Content-Type": "application/octet-stream"})
    assert status in (200, 201, 204)
    status, entry = call(policy_service, "alice", "POST", f"uploads/{session['id']}/complete")
    assert status in (200, 201), entry
    assert (entry["created_by"], entry["compartment_id"]) == ("alice", "research")
