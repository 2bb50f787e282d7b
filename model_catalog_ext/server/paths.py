"""Resolve a path a client sent against the server's file tree, refusing any escape.

Every path that arrives over HTTP goes through here: it is relative to the contents
manager's root, and after resolving `..` and symlinks it must still lie inside that root.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from ..errors import CatalogError


class ForbiddenPath(CatalogError):
    """A client path that leaves the server's root (HTTP 403)."""

    code = "forbidden_path"


def server_root(contents_manager) -> Path:
    root = getattr(contents_manager, "root_dir", None)
    if not root:
        raise ForbiddenPath("This Jupyter server has no local file tree to read or write models from.")
    return Path(root).resolve()


def resolve_api_path(contents_manager, api_path: str, *, must_exist: bool = False) -> Path:
    """The absolute local path of ``api_path`` (a JupyterLab path such as 'work/train.ipynb')."""
    if not isinstance(api_path, str) or not api_path.strip():
        raise ForbiddenPath("A path inside the server's file tree is required.")
    if "\x00" in api_path:
        raise ForbiddenPath("A path cannot contain NUL characters.")
    pure = PurePosixPath(api_path.replace("\\", "/"))
    if pure.is_absolute() or any(part == ".." for part in pure.parts):
        raise ForbiddenPath(
            f"'{api_path}' is not a path inside the server's file tree: use a path relative to "
            "the file browser's root, without '..'."
        )
    root = server_root(contents_manager)
    candidate = (root / Path(*pure.parts)) if pure.parts else root
    resolved = candidate.resolve()
    if resolved != root and root not in resolved.parents:
        raise ForbiddenPath(f"'{api_path}' leads outside the server's file tree (through a link).")
    if must_exist and not resolved.exists():
        from ..errors import InvalidInput

        raise InvalidInput(f"'{api_path}' does not exist in the server's file tree.")
    return resolved


def to_api_path(contents_manager, local_path: Path) -> str:
    """The JupyterLab path of a local path inside the root."""
    return os.path.relpath(local_path, server_root(contents_manager)).replace(os.sep, "/")
