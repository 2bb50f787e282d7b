"""Where a model came from: git state of the training notebook/script (gitpython).

``capture_provenance()`` gives ``git_branch``, ``git_commit``, ``repository_url`` (with
credentials removed), ``script_dir`` and ``training_script`` (relative to the repository
root) and ``git_dirty``. Outside a git repository every value is None/False: never an error.
Uncommitted changes to the training script or the artifact directory raise
``PendingChanges`` listing the files, unless ``ignore_pending_changes=True``.

Inside a Jupyter kernel the training script is the notebook, found from the Jupyter
session (``JPY_SESSION_NAME``, else the server's sessions API), never from ``__file__``.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .errors import PendingChanges

__all__ = ["capture_provenance", "find_notebook_path", "strip_credentials", "EMPTY_PROVENANCE"]

EMPTY_PROVENANCE = {
    "git_branch": None,
    "git_commit": None,
    "repository_url": None,
    "script_dir": None,
    "training_script": None,
    "git_dirty": False,
}

# scp-like ssh remotes: [user[:password]@]host:path  (no scheme, no "//")
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:]+)(?::[^@/]*)?@)?(?P<host>[^@/:]+):(?P<path>(?!//).*)$")
# Paths that are never "pending changes" (caches, editor and notebook side files).
_IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


def strip_credentials(url: str | None) -> str | None:
    """A remote URL without secrets: http(s) loses user, password, query and fragment;
    ssh keeps the user name (``git@``) but loses any password."""
    if not url:
        return url
    if "://" in url:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        if parts.scheme in ("http", "https"):
            return urlunsplit((parts.scheme, host, parts.path, "", ""))
        if parts.username and parts.scheme in ("ssh", "git+ssh", "ssh+git"):
            host = f"{parts.username}@{host}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query if parts.scheme == "file" else "", ""))
    match = _SCP_LIKE.match(url)
    if match and not os.path.isabs(url):
        user = match.group("user")
        return f"{user + '@' if user else ''}{match.group('host')}:{match.group('path')}"
    return url  # a local path


def _server_root_dirs():
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return []
    try:
        return list(list_running_servers())
    except Exception:
        return []


def _session_path_from_api() -> str | None:
    """Ask the running Jupyter servers which session owns this kernel."""
    if "ipykernel" not in sys.modules:
        return None  # a kernel has imported it long before us; a script need not pay for it
    try:
        from ipykernel.connect import get_connection_file
    except ImportError:
        return None
    try:
        kernel_id = re.sub(r"^kernel-|\.json$", "", os.path.basename(get_connection_file()))
    except Exception:  # not inside a kernel
        return None
    import urllib.request

    for server in _server_root_dirs():
        url = server.get("url", "").rstrip("/") + "/api/sessions"
        request = urllib.request.Request(url)
        if server.get("token"):
            request.add_header("Authorization", f"token {server['token']}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # loopback only
                sessions = json.load(response)
        except Exception:
            continue
        for session in sessions:
            if (session.get("kernel") or {}).get("id") == kernel_id:
                path = session.get("path") or session.get("notebook", {}).get("path")
                if path:
                    return os.path.join(server.get("root_dir") or server.get("notebook_dir") or "", path)
    return None


def find_notebook_path() -> str | None:
    """Absolute path of the notebook this kernel runs, or None outside a Jupyter session."""
    name = os.environ.get("JPY_SESSION_NAME")
    if name:
        if os.path.isabs(name):
            return name
        # an API path, relative to the server root; the kernel starts in the notebook's folder
        here = os.path.join(os.getcwd(), os.path.basename(name))
        if os.path.exists(here):
            return here
        for server in _server_root_dirs():
            candidate = os.path.join(server.get("root_dir") or server.get("notebook_dir") or "", name)
            if os.path.exists(candidate):
                return candidate
        return here
    return _session_path_from_api()


def _open_repo(start: Path):
    try:
        import git
    except ImportError:  # gitpython missing or no git executable
        return None
    try:
        return git.Repo(str(start), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    except git.GitError:
        return None


def _remote_url(repo) -> str | None:
    try:
        remotes = list(repo.remotes)
    except Exception:
        return None
    if not remotes:
        return None
    remote = next((r for r in remotes if r.name == "origin"), remotes[0])
    try:
        urls = list(remote.urls)
    except Exception:
        urls = []
    if not urls:
        try:
            urls = [repo.git.config("--get", f"remote.{remote.name}.url")]
        except Exception:
            return None
    return strip_credentials(urls[0]) if urls else None


def _pending(repo, root: Path, paths: list[Path]) -> list[str]:
    """Repository-relative files with uncommitted changes (staged, unstaged or untracked)
    under any of ``paths``."""
    rel = []
    for p in paths:
        try:
            rel.append(os.path.relpath(p.resolve(), root) if p.exists() or p.parent.exists() else None)
        except ValueError:
            continue
    rel = [r for r in rel if r and not r.startswith("..")]
    if not rel:
        return []
    out = repo.git.status("--porcelain=v1", "-z", "--untracked-files=all", "--", *rel)
    files, entries, i = [], out.split("\0"), 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":  # renames carry the source path in the next field
            i += 1
        if _IGNORED_PARTS.intersection(Path(path).parts):
            continue
        files.append(path)
    return sorted(set(files))


def capture_provenance(training_script_path=None, artifact_dir=None,
                       ignore_pending_changes: bool = False) -> dict:
    """Git provenance of the training script (default: this kernel's notebook).

    Returns ``{git_branch, git_commit, repository_url, script_dir, training_script,
    git_dirty}``; all None/False when the script is not in a git repository. Raises
    PendingChanges (``details["files"]``) when the training script or ``artifact_dir`` has
    uncommitted changes, unless ``ignore_pending_changes``.
    """
    script = Path(training_script_path).expanduser().absolute() if training_script_path else None
    if script is None:
        notebook = find_notebook_path()
        script = Path(notebook) if notebook else None
    artifact = Path(artifact_dir).expanduser().absolute() if artifact_dir else None
    start = script.parent if script else (artifact or Path.cwd())
    while not start.exists() and start != start.parent:
        start = start.parent
    repo = _open_repo(start)
    if repo is None or repo.bare:
        return dict(EMPTY_PROVENANCE)
    root = Path(repo.working_tree_dir).resolve()
    result = dict(EMPTY_PROVENANCE)
    try:
        head_valid = repo.head.is_valid()
        result["git_commit"] = repo.head.commit.hexsha if head_valid else None
        if repo.head.is_detached:
            result["git_branch"] = None
        else:
            result["git_branch"] = repo.active_branch.name  # an empty repo's unborn branch too
    except Exception:  # unusual states (e.g. a corrupt HEAD) give what could be read
        pass
    result["repository_url"] = _remote_url(repo)
    try:
        result["git_dirty"] = bool(repo.is_dirty(untracked_files=True))
    except Exception:
        result["git_dirty"] = False
    if script is not None:
        try:
            rel = script.resolve().relative_to(root)
            result["training_script"] = rel.as_posix()
            result["script_dir"] = rel.parent.as_posix()
        except ValueError:  # the script lives outside this repository
            result["training_script"] = None
    if not ignore_pending_changes:
        watched = [p for p in (script, artifact) if p is not None]
        files = _pending(repo, root, watched)
        if files:
            raise PendingChanges(
                f"Uncommitted changes in {len(files)} file(s): {', '.join(files[:10])}"
                f"{' ...' if len(files) > 10 else ''}. Commit them so the provenance points at "
                "the code that made the model, or pass ignore_pending_changes=True.",
                files=files,
            )
    return result
