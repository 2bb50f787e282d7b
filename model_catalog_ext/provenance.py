"""Where a model came from: git state of the training notebook/script (gitpython).

``capture_provenance()`` gives ``git_branch``, ``git_commit``, ``repository_url`` (with
credentials removed), ``training_script`` (relative to the repository root), ``script_dir``
(the absolute artifact directory, as ADS 2.16 records it; without one, the script's folder)
and ``git_dirty`` (ours, not ADS's: the repository had uncommitted changes). Outside a git repository every value is None/False: never an error.
Uncommitted changes to the training script or the artifact directory raise
``PendingChanges`` listing the files, unless ``ignore_pending_changes=True``.

Inside a Jupyter kernel the training script is the notebook, found from the Jupyter
session (``JPY_SESSION_NAME``, else the server's sessions API), never from ``__file__``.
Outside one, a plain ``python train.py`` run is its own training script (``__main__``'s
file); ``python -c``, an interactive shell and installed tools (``pytest``) have none.

A repository git refuses to read ("dubious ownership": it belongs to another user) raises
``PrepareError`` saying how to allow it, rather than recording a provenance without commit.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import sys
import sysconfig
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .errors import PendingChanges, PrepareError

__all__ = ["capture_provenance", "find_notebook_path", "find_training_script", "strip_credentials",
           "EMPTY_PROVENANCE"]

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
# verify() records its result in the artifact (artifact/layout.py's METADATA_FILE): checking
# an artifact kept in git must not make it "changed" and block its own save.
_IGNORED_NAMES = {"model-metadata.json"}


def strip_credentials(url: str | None) -> str | None:
    """A remote URL without secrets: http(s) loses user, password, query and fragment;
    ssh keeps the user name (``git@``) but loses any password."""
    if not url:
        return url
    if "://" in url:
        scheme, rest = url.split("://", 1)
        user = None
        if "@" in rest:
            # The user information ends at the last "@": a password may hold "#", "?" or "/"
            # (git takes such remotes as they are). Before any ":" a user name holds no "/";
            # one that does is a host and path with an "@" in it, and no credentials.
            userinfo, host_and_path = rest.rsplit("@", 1)
            if "/" not in userinfo.split(":", 1)[0]:
                user, rest = userinfo.split(":", 1)[0], host_and_path
        try:
            parts = urlsplit(f"{scheme}://{rest}")
            host = parts.hostname or ""
            if ":" in host:  # an IPv6 address: hostname drops the brackets the URL needs
                host = f"[{host}]"
            if parts.port:
                host = f"{host}:{parts.port}"
            path, query = parts.path, parts.query
        except ValueError:  # e.g. a port that is not a number: cut by hand, keep no query
            host, slash, path = re.split(r"[?#]", rest, maxsplit=1)[0].partition("/")
            path, query = slash + path, ""
        scheme = scheme.lower()
        if scheme in ("http", "https"):
            return urlunsplit((scheme, host, path, "", ""))
        if user and scheme in ("ssh", "git+ssh", "ssh+git"):
            host = f"{user}@{host}"
        return urlunsplit((scheme, host, path, query if scheme == "file" else "", ""))
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
        return None  # no such file: e.g. a console's session name
    return _session_path_from_api()


def _main_script() -> Path | None:
    """The script of a plain ``python train.py`` run, from ``__main__.__file__``.

    None when there is no such file (``python -c``, an interactive shell, a kernel), for
    ``python -m`` (``__spec__`` is set: pytest, ipykernel_launcher) and for the console
    scripts of installed tools (``bin/pytest``): none of them is the training code."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or getattr(main, "__spec__", None) is not None:
        return None
    script = Path(path).absolute()
    if not script.is_file():
        return None
    for folder in _installed_code_folders():
        if script.is_relative_to(folder) or script.resolve().is_relative_to(Path(folder).resolve()):
            return None
    return script


def _installed_code_folders() -> set[str]:
    """Where the interpreter keeps the standard library, packages and console scripts."""
    import site

    folders = set()
    for scheme in (None, f"{os.name}_user"):
        try:
            paths = sysconfig.get_paths(scheme) if scheme else sysconfig.get_paths()
        except KeyError:
            continue
        folders.update(paths.get(key) for key in ("purelib", "platlib", "scripts", "stdlib"))
    folders.add(getattr(site, "USER_SITE", None))
    return {f for f in folders if f}


def find_training_script() -> str | None:
    """This kernel's notebook, else the script of a ``python train.py`` run, else None."""
    notebook = find_notebook_path()
    if notebook:
        return notebook
    script = _main_script()
    return str(script) if script else None


def _in_a_repository(start: Path) -> bool:
    """Whether git could find a repository from ``start``: a .git (folder, or the file of a
    worktree or submodule) there or above, or GIT_DIR set. Asked first because importing
    gitpython costs 0.1 s, for nothing where there is no repository."""
    if os.environ.get("GIT_DIR"):
        return True
    start = start.absolute()
    return any((folder / ".git").exists() for folder in (start, *start.parents))


def _open_repo(start: Path):
    if not _in_a_repository(start):
        return None
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


_DUBIOUS = re.compile(r"dubious ownership in repository at '([^']+)'")
# GitPython quotes git's stderr: a trailing ' is not part of the path.
_SAFE_DIRECTORY = re.compile(r"git config --global --add safe\.directory (.+?)'?$", re.MULTILINE)


def _refuse_dubious_ownership(repo) -> None:
    """PrepareError when git refuses to work in ``repo`` because it belongs to another user.

    GitPython reads HEAD and refs itself, but every git command (the commit object, status)
    fails there: without this the commit would silently be None, or a raw GitCommandError
    would end the save."""
    import git

    try:
        repo.git.rev_parse("--git-dir", env={"LC_ALL": "C", "LANGUAGE": "C"})  # untranslated
    except git.GitCommandError as exc:
        stderr = str(exc.stderr or "")
        if "dubious ownership" not in stderr:
            return  # other trouble: read what can be read, as before
        found = _DUBIOUS.search(stderr)
        where = found.group(1) if found else str(repo.working_tree_dir)
        hint = _SAFE_DIRECTORY.search(stderr)
        safe = hint.group(1).strip() if hint else shlex.quote(where)  # git quotes it already
        raise PrepareError(
            f"git refused to read the repository at {where}: it belongs to another user than the "
            "one running this process, and git's safe.directory setting does not list it (git's "
            "\"dubious ownership\" check). So the model's git provenance (commit, changes) cannot "
            "be recorded. If you trust this repository, allow it with:\n"
            f"    git config --global --add safe.directory {safe}\n"
            "then save again (or change the owner of the folder to your user).",
            path=where, fix=f"git config --global --add safe.directory {safe}",
        ) from None


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
        if _IGNORED_PARTS.intersection(Path(path).parts) or Path(path).name in _IGNORED_NAMES:
            continue
        files.append(path)
    return sorted(set(files))


def capture_provenance(training_script_path=None, artifact_dir=None,
                       ignore_pending_changes: bool = False) -> dict:
    """Git provenance of the training script (default: this kernel's notebook, else the
    script run as ``python train.py``).

    Returns ``{git_branch, git_commit, repository_url, script_dir, training_script,
    git_dirty}``; outside a git repository only ``training_script`` (the file's name) and
    ``script_dir`` (its folder) are set, when the script is known. Raises
    PendingChanges (``details["files"]``) when the training script or ``artifact_dir`` has
    uncommitted changes, unless ``ignore_pending_changes``; PrepareError when git refuses
    to read the repository (another user's, not listed in safe.directory), in both cases.
    """
    script = Path(training_script_path).expanduser().absolute() if training_script_path else None
    if script is None:
        found = find_training_script()
        script = Path(found) if found else None
    artifact = Path(artifact_dir).expanduser().absolute() if artifact_dir else None
    start = script.parent if script else (artifact or Path.cwd())
    while not start.exists() and start != start.parent:
        start = start.parent
    repo = _open_repo(start)
    if repo is None or repo.bare:
        # No commit to point at, but the notebook (or script) it was trained in is known:
        # recorded relative to its own folder, as it is relative to a repository's root.
        result = dict(EMPTY_PROVENANCE)
        if script is not None and script.is_file():
            result["training_script"] = script.name
            result["script_dir"] = str(script.parent)
        return result
    _refuse_dubious_ownership(repo)
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
        except ValueError:  # the script lives outside this repository
            result["training_script"] = None
    # As ADS 2.16 records it: the absolute artifact directory (without one, the script's).
    if artifact is not None:
        result["script_dir"] = str(artifact)
    elif script is not None:
        result["script_dir"] = str(script.parent)
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
