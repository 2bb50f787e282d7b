"""The access policy file (YAML, or JSON, which is YAML too): read, checked, and read again
when it changes.

    admins: [ops, group:catalog-admins]      # every right in every compartment
    default_compartment: shared              # where models saved without a compartment go
    compartments:
      shared:
        read: ["*"]                          # "*": every authenticated caller
        write: [group:data-science]
      research:
        read: [group:analysts]
        write: [alice, group:ml-research]
        admin: [bob, group:ml-admins]
        projects:                            # more rights on the models of one project
          ocid1.datascienceproject.oc1..x:
            write: [carol]

docs/access-policy.md explains it.  A mistake names the file, the line and the field; a
file that breaks while the service runs keeps the last good policy in force (the error is
logged once for each broken version of the file), so a typo never opens the catalog to everyone.
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..errors import InvalidInput
from .policy import EVERYONE, GROUP_PREFIX, AccessPolicy, Grants

TOP_KEYS = ("admins", "default_compartment", "compartments")
RIGHT_KEYS = ("read", "write", "admin")
COMPARTMENT_KEYS = (*RIGHT_KEYS, "projects")


class _Reader:
    """Walks the YAML node tree, so every mistake can name its line."""

    def __init__(self, path: str):
        self.path = path

    def fail(self, node, where: str, problem: str) -> InvalidInput:
        line = node.start_mark.line + 1 if node is not None else 1
        return InvalidInput(f"The access policy {self.path}, line {line}, {where}: {problem}. "
                            "docs/access-policy.md shows the format.", policy_file=self.path, line=line, field=where)

    def mapping(self, node, where: str, allowed: tuple[str, ...] | None) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, where, "must be a mapping (key: value lines)")
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.text(key_node, where)
            name = f"{where}.{key}" if where != "(top level)" else key
            if allowed is not None and key not in allowed:
                raise self.fail(key_node, name, f"unknown key '{key}'; known keys: {', '.join(allowed)}")
            if key in out:
                raise self.fail(key_node, name, "appears twice")
            out[key] = value_node
        return out

    def text(self, node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise self.fail(node, where, "must be a non-empty name")
        return str(node.value).strip()

    def principals(self, node, where: str) -> frozenset[str]:
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return frozenset()  # "write:" left empty: nobody
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, where, "must be a list of user names, group:<name> entries or \"*\"")
        found = set()
        for item in node.value:
            name = self.text(item, where)
            if name.startswith(GROUP_PREFIX) and not name[len(GROUP_PREFIX):].strip():
                raise self.fail(item, where, "'group:' needs a group name after it")
            if "*" in name and name != EVERYONE:
                raise self.fail(item, where, f"'{name}': only \"*\" alone (every caller) may hold a *")
            found.add(name)
        return frozenset(found)

    def grants(self, nodes: dict[str, yaml.Node], where: str) -> Grants:
        return Grants(**{right: self.principals(nodes[right], f"{where}.{right}")
                         for right in RIGHT_KEYS if right in nodes})


def parse_policy(text: str, path: str) -> AccessPolicy:
    """The policy in ``text`` (read from ``path``, named in messages); InvalidInput naming the
    line and the field of the first mistake."""
    reader = _Reader(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise InvalidInput(f"The access policy {path}, line {line}, is not valid YAML: {exc.problem or exc}.",
                           policy_file=path, line=line) from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"The access policy {path} is not valid YAML: {exc}.", policy_file=path) from None
    if root is None:
        raise InvalidInput(f"The access policy {path} is empty: name at least the admins and one compartment "
                           "(docs/access-policy.md shows the format).", policy_file=path)
    top = reader.mapping(root, "(top level)", TOP_KEYS)
    admins = reader.principals(top["admins"], "admins") if "admins" in top else frozenset()
    default = reader.text(top["default_compartment"], "default_compartment") \
        if "default_compartment" in top else "default"
    compartments: dict[str, Grants] = {}
    projects: dict[tuple[str, str], Grants] = {}
    listed = reader.mapping(top["compartments"], "compartments", None) if "compartments" in top else {}
    for name, node in listed.items():
        where = f"compartments.{name}"
        nodes = reader.mapping(node, where, COMPARTMENT_KEYS) if not _empty(node) else {}
        compartments[name] = reader.grants(nodes, where)
        if "projects" in nodes:
            for project, project_node in reader.mapping(nodes["projects"], f"{where}.projects", None).items():
                project_where = f"{where}.projects.{project}"
                project_nodes = reader.mapping(project_node, project_where, RIGHT_KEYS) \
                    if not _empty(project_node) else {}
                projects[(name, project)] = reader.grants(project_nodes, project_where)
    if not admins and not any(g.admin for g in compartments.values()):
        raise reader.fail(root, "admins", "nobody may administer anything; name at least one admin "
                                          "(a user or a group:<name>)")
    return AccessPolicy(admins=admins, compartments=compartments, projects=projects, default_compartment=default,
                        source=path)


def _empty(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")


def read_policy(path: str | os.PathLike) -> AccessPolicy:
    """Read and check the policy file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"The access policy {path} cannot be read: {exc}.", policy_file=str(path)) from None
    return parse_policy(text, str(path))


class PolicyFile:
    """The policy of one file, read again when the file changes.  A file that breaks (or
    disappears) later keeps the last good policy in force and logs why, once per broken version."""

    def __init__(self, path: str, log):
        self.path = path
        self.log = log
        self._stamp = self._stat()
        self._policy = read_policy(path)  # a broken file at start stops the service
        self._failed_stamp: tuple | None = None

    def _stat(self) -> tuple | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def current(self) -> AccessPolicy:
        """The policy in force: the file's, when it changed and reads well; else the last good one."""
        stamp = self._stat()
        if stamp != self._stamp and stamp != self._failed_stamp:
            try:
                policy = read_policy(self.path) if stamp is not None else None
            except InvalidInput as exc:
                policy, problem = None, exc.message
            else:
                problem = f"The access policy {self.path} is gone."
            if policy is None:
                self._failed_stamp = stamp
                self.log.error("model-catalog service: %s The last good policy stays in force.", problem)
            else:
                self._policy, self._stamp, self._failed_stamp = policy, stamp, None
                self.log.info("model-catalog service: access policy %s read again.", self.path)
        return self._policy
