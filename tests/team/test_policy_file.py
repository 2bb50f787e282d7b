"""The policy file: read with the rules it says, every mistake named by line and field; a broken
file stops the service at start; without one the service says everyone may do everything;
groups come from the tokens file and from a trusted proxy's header."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from model_catalog_ext.errors import Forbidden, InvalidInput
from model_catalog_ext.service.policy import ADMIN, NONE, READ, WRITE, Caller
from model_catalog_ext.service.policy_file import parse_policy

from .policy_fixtures import POLICY, call


def test_the_example_policy_gives_each_caller_its_rights():
    policy = parse_policy(POLICY, "policy.yaml")
    alice, bob = Caller("alice", frozenset({"research"})), Caller("bob", frozenset({"finance"}))
    assert policy.level(alice, "research") == WRITE and policy.level(alice, "finance") == NONE
    assert policy.level(bob, "research") == READ and policy.level(bob, None) == WRITE  # None: shared
    assert policy.level(Caller("erin"), "research") == ADMIN
    assert policy.level(Caller("carol", frozenset({"catalog-admins"})), "anything") == ADMIN
    assert policy.scope(Caller("carol", frozenset({"catalog-admins"}))) is None
    assert policy.scope(alice).compartments == {"shared", None, "research"}
    with pytest.raises(Forbidden, match="alice may not write compartment 'finance'"):
        policy.check_save(alice, "finance", None)


def test_project_rules_add_to_the_compartments():
    policy = parse_policy("admins: [ops]\ncompartments:\n  research:\n    projects:\n      p1:\n"
                          "        write: [dan]\n", "p.yaml")
    dan = Caller("dan")
    assert policy.level(dan, "research") == NONE and policy.level(dan, "research", "p1") == WRITE
    assert policy.scope(dan).projects == {("research", "p1")}
    assert policy.scope(dan).admits("research", "p1") and not policy.scope(dan).admits("research", "p2")


@pytest.mark.parametrize("text, where", [
    ("admins: [ops]\ncompartments:\n  research:\n    reed: [alice]\n", "line 4, compartments.research.reed"),
    ("admins: [ops]\ncompartments:\n  research:\n    read: alice\n", "line 4, compartments.research.read"),
    ("admins: [ops]\ncompartments:\n  research:\n    read: [group:]\n", "line 4, compartments.research.read"),
    ("admins: [ops]\ncompartments:\n  research:\n    read: [al*]\n", "line 4, compartments.research.read"),
    ("admins: [ops]\ncompartments: [research]\n", "line 2, compartments"),
    ("admins: [ops]\nadmins: [eve]\n", "line 2, admins"),
    ("admin: [ops]\n", "line 1, admin"),
    ("compartments:\n  research:\n    read: [alice]\n", "line 1, admins"),
    ("admins: [ops\ncompartments: {}\n", "line 2, is not valid YAML"),
    ("", "is empty"),
    ("- just a list\n", "line 1, (top level)"),
])
def test_a_mistake_names_the_line_and_the_field(text, where):
    with pytest.raises(InvalidInput) as err:
        parse_policy(text, "policy.yaml")
    assert where in err.value.message and "policy.yaml" in err.value.message


def _serve(tmp_path, *options) -> subprocess.CompletedProcess:
    from tests.catalog.service_process import free_port

    return subprocess.run([sys.executable, "-m", "model_catalog_ext.cli", "serve", "--url",
                           f"sqlite:///{tmp_path}/c.db", "--artifact-root", str(tmp_path / "blobs"), "--port",
                           str(free_port()), *options], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
                               "MODEL_CATALOG_SERVICE_TOKEN": "t"})


def test_a_broken_policy_stops_the_service_at_start(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("admins: [ops]\ncompartments:\n  research:\n    raed: [alice]\n")
    done = _serve(tmp_path, "--policy", str(policy))
    assert done.returncode != 0
    assert "line 4, compartments.research.raed: unknown key 'raed'" in done.stderr + done.stdout
    done = _serve(tmp_path, "--policy", str(tmp_path / "missing.yaml"))
    assert done.returncode != 0 and "missing.yaml cannot be read" in done.stderr + done.stdout


def test_without_a_policy_the_service_says_everyone_may_do_everything(team_service):
    assert "no access policy" in team_service.log_text()
    assert "every authenticated caller may read, change and delete every model" in team_service.log_text()


@pytest.fixture
def proxied_policy_service(tmp_path):
    from tests.catalog.service_process import start_service, stop_service

    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    service = start_service(tmp_path / "proxied", extra=("--policy", str(policy)),
                            identity={"trusted_header": "X-Forwarded-User",
                                      "trusted_groups_header": "X-Forwarded-Groups"})
    yield service
    stop_service(service)


def test_a_trusted_proxy_names_the_groups(proxied_policy_service, tmp_path):
    from tests.catalog.service_process import SERVICE_TOKEN

    def as_(user, groups=None):
        headers = {"X-Forwarded-User": user, **({"X-Forwarded-Groups": groups} if groups else {})}
        return call(proxied_policy_service, None, "GET", "stats", headers=headers)

    assert as_("zoe")[0] == 200
    # A service admin by group, through the proxy's header, sees the whole catalog's stats.
    assert "stored_bytes" in as_("zoe", " research , catalog-admins")[1]
    assert "stored_bytes" not in as_("zoe", "research")[1]
    assert SERVICE_TOKEN  # the service's own token is no admin unless the policy names its user


def test_the_tokens_file_names_groups_and_keeps_plain_names(tmp_path):
    from tests.catalog.service_process import start_service, stop_service

    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"t-admin": {"user": "zoe", "groups": ["catalog-admins"]}, "t-plain": "yan"}))
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    service = start_service(tmp_path / "s", identity={"tokens_file": str(tokens)}, extra=("--policy", str(policy)))
    try:
        for token, admin in (("t-admin", True), ("t-plain", False)):
            status, stats = call(service, None, "GET", "stats", headers={"Authorization": f"token {token}"})
            assert status == 200 and ("stored_bytes" in stats) is admin
    finally:
        stop_service(service)


def test_the_documented_example_policy_reads_as_documented():
    import re
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "access-policy.md").read_text()
    example = re.search(r"## An example\n\n```yaml\n(.*?)```", page, re.S).group(1)
    policy = parse_policy(example, "access-policy.md")
    assert policy.default_compartment == "shared"
    assert policy.level(Caller("alice"), "research") == WRITE
    assert policy.level(Caller("carol"), "research", "ocid1.datascienceproject.oc1..churn") == WRITE
    assert policy.level(Caller("zed", frozenset({"ml-admins"})), "research") == ADMIN
    assert policy.level(Caller("zed"), None) == READ  # "*" reads the default compartment


def test_a_user_named_like_a_group_or_everyone_gets_no_rights_of_theirs():
    # User names come from the hub, the proxy or the tokens file: one spelled "group:x" or "*"
    # is not the group x nor a name standing for everyone.
    policy = parse_policy("admins: [group:ml-admins]\ncompartments:\n  research:\n    admin: [group:ml-admins]\n"
                          "    read: ['*']\n", "policy.yaml")
    assert not policy.is_admin(Caller("group:ml-admins"))
    assert policy.level(Caller("group:ml-admins"), "research") == READ
    assert policy.level(Caller("*"), "research") == READ
    assert policy.is_admin(Caller("erin", frozenset({"ml-admins"})))
