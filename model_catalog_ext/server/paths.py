"""Resolve a path a client sent against the server's file tree, refusing any escape.

Every path that arrives over HTTP goes through here: it is relative to the contents
manager's root, and after resolving `..` and symlinks it must still lie inside that root.
Hidden files and folders stay out of reach unless the contents manager allows them, as
they are out of reach of the file browser.
"""
from __future__ import annotations

import os
import posixpath
from pathlib import Path, PurePosixPath

from ..errors import ForbiddenPath, InvalidInput


def server_root(contents_manager) -> Path:
    root = getattr(contents_manager, "root_dir", None)
    if not root:
        raise ForbiddenPath("This Jupyter server has no local file tree to read or write models from.")
    return Path(root).resolve()


def normalize_api_path(api_path: str) -> str:
    """One spelling per file: './work//train.ipynb' and 'work/train.ipynb' are the same."""
    text = api_path.replace("\\", "/").strip("/")
    normalized = posixpath.normpath(text) if text else ""
    return "" if normalized == "." else normalized


def resolve_api_path(contents_manager, api_path, *, must_exist: bool = False, field: str = "path") -> Path:
    """The absolute local path of ``api_path`` (a JupyterLab path such as 'work/train.ipynb');
    ``field`` names it in messages."""
    if not isinstance(api_path, str):
        raise InvalidInput(
            f"{field} must be text: a path relative to the file browser's root, such as "
            f"'work/train.ipynb' (got {type(api_path).__name__}).", field=field)
    if not api_path.strip():
        raise InvalidInput(f"{field} is empty: give a path inside the server's file tree.", field=field)
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
    if not getattr(contents_manager, "allow_hidden", False):
        # The name as sent and where it leads: a link must not reach a hidden folder either.
        hidden = next((p for p in (*pure.parts, *resolved.relative_to(root).parts) if p.startswith(".")), None)
        if hidden is not None:
            raise ForbiddenPath(
                f"'{api_path}' goes through '{hidden}', which is hidden: this server keeps files and "
                "folders whose names start with '.' out of reach (c.ContentsManager.allow_hidden is "
                "False). Choose a path without such a part.",
                hidden=hidden,
            )
    if must_exist and not resolved.exists():
        raise InvalidInput(f"'{api_path}' does not exist in the server's file tree.")
    return resolved


def to_api_path(contents_manager, local_path: Path) -> str:
    """The JupyterLab path of a local path inside the root."""
    return os.path.relpath(local_path, server_root(contents_manager)).replace(os.sep, "/")
