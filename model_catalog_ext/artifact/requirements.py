"""``requirements.txt`` from what the artifact really imports, pinned to installed versions.

Two sources: the top-level imports of ``score.py`` (read with ``ast``), and the modules a
pickled model refers to (read from the pickle stream's GLOBAL opcodes, so a pipeline holding
an XGBoost step asks for xgboost even though score.py never names it). Each module is mapped
to the distribution that provides it and pinned to the version installed here.

verify_worker.py loads this file by path in the clean process to check an edited score.py
against requirements.txt, so it imports only the standard library at module level.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Mapping
from functools import lru_cache

# Modules that belong to the interpreter, not to a distribution.
_STDLIB = set(getattr(sys, "stdlib_module_names", ())) | {"__main__", "builtins", "score"}


# What an ``except`` clause may name for the import in its ``try`` to be optional.
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _catches_import_errors(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:  # a bare except
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _IMPORT_ERRORS for t in types)


_TRY_NODES = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))


def _statements(nodes):
    """Every statement in ``nodes`` and in the statement lists nested in them (bodies of
    functions, classes, loops, ifs, withs, trys, their handlers and match cases). An import
    is a statement, so this finds them all without visiting the expressions: a tenth of
    the nodes ast.walk visits, which made this the slowest part of verify()."""
    for node in nodes:
        yield node
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                yield from _statements(inner)


def _optional_imports(tree) -> set[int]:
    """ids of the import nodes in ``try: import x`` / ``except ImportError: import y``: the
    code copes without them (or imports one of two alternatives)."""
    optional: set[int] = set()
    for node in _statements(tree.body):
        if isinstance(node, _TRY_NODES) and any(_catches_import_errors(h) for h in node.handlers):
            optional.update(id(inner) for inner in _statements(node.body + node.handlers)
                            if isinstance(inner, (ast.Import, ast.ImportFrom)))
    return optional


def imports_of_source(source: str, skip_optional: bool = False) -> set[str]:
    """Top-level module names imported anywhere in a Python source text (module level and
    inside functions); ``skip_optional`` leaves out those guarded by ``except ImportError``."""
    found: set[str] = set()
    tree = ast.parse(source)
    optional = _optional_imports(tree) if skip_optional else set()
    for node in _statements(tree.body):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".", 1)[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".", 1)[0])
    return found


def modules_in_pickle(data: bytes) -> set[str]:
    """Top-level modules whose classes/functions a pickle stream refers to."""
    import pickletools

    found: set[str] = set()
    strings: list = []  # recent string pushes, for STACK_GLOBAL
    memo: dict = {}
    last = None
    for opcode, arg, _pos in pickletools.genops(data):
        name = opcode.name
        if name in ("GLOBAL", "INST"):
            found.add(str(arg).split(" ", 1)[0].split(".", 1)[0])
        elif name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
            last = arg
            strings.append(arg)
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            last = memo.get(arg)
            strings.append(last)
        elif name in ("MEMOIZE",):
            memo[len(memo)] = last
        elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = last
        elif name == "STACK_GLOBAL":
            if len(strings) >= 2 and isinstance(strings[-2], str):
                found.add(strings[-2].split(".", 1)[0])
        else:
            last = None
        del strings[:-2]
    return found


def modules_of_object(obj) -> set[str]:
    """Modules needed to unpickle ``obj`` (pickled in memory with the standard pickler)."""
    import pickle

    try:
        data = pickle.dumps(obj, protocol=4)
    except Exception:
        # objects only cloudpickle can handle: their class modules are still the best guess
        return {(type(obj).__module__ or "").split(".", 1)[0]}
    return modules_in_pickle(data)


# Import names that differ from their distribution's name (saves scanning every installed one).
_KNOWN = {"sklearn": ["scikit-learn"], "yaml": ["PyYAML"], "git": ["GitPython"]}


@lru_cache(maxsize=1)
def _packages_distributions() -> Mapping[str, list[str]]:
    import importlib.metadata

    return importlib.metadata.packages_distributions()


def distribution_of(module: str) -> str | None:
    """The installed distribution that provides top-level ``module``, if any."""
    if not module or module in _STDLIB or module.startswith("_"):
        return None
    import importlib.metadata

    names = _KNOWN.get(module)
    if names is None:
        try:  # most modules are named like their distribution: skip the full scan
            importlib.metadata.version(module)
            names = [module]
        except importlib.metadata.PackageNotFoundError:
            names = _packages_distributions().get(module)
    return names[0] if names else None


def is_stdlib(module: str) -> bool:
    """Whether top-level ``module`` comes with the interpreter (no distribution to list)."""
    return module in _STDLIB


def usual_distributions(module: str) -> list[str]:
    """The distribution names top-level ``module`` usually comes from, without scanning
    installed metadata: its own name, or a known other one (sklearn: scikit-learn)."""
    return _KNOWN.get(module, [module])


def distributions_of(module: str) -> list[str]:
    """Every installed distribution providing top-level ``module`` (a namespace package such
    as ``google`` may have several). Scans all installed metadata: call it sparingly."""
    import importlib.metadata

    names = list(_packages_distributions().get(module) or [])
    if not names:  # editable installs map no modules; their name usually matches
        try:
            names = [importlib.metadata.metadata(module)["Name"] or module]
        except importlib.metadata.PackageNotFoundError:
            pass
    return names


def modules_of_distribution(name: str) -> set[str]:
    """Top-level modules an installed distribution provides (empty when not installed)."""
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return set()
    listed = dist.read_text("top_level.txt")
    if listed:
        return {line.strip() for line in listed.splitlines() if line.strip()}
    found = set()
    for path in dist.files or ():
        top = path.parts[0] if path.parts else ""
        if not top or top in ("..", "__pycache__") or top.endswith((".dist-info", ".egg-info", ".data")):
            continue
        # a package folder, or a module file (mod.py, mod.cpython-311-x86_64-linux-gnu.so)
        found.add(top if len(path.parts) > 1 else top.split(".", 1)[0])
    return found


def pinned(distributions) -> list[str]:
    """``name==version`` for each installed distribution, sorted by name, duplicates removed."""
    import importlib.metadata

    lines = {}
    for dist in distributions:
        if not dist:
            continue
        try:
            meta = importlib.metadata.metadata(dist)
            name = meta["Name"] or dist
            lines[name.lower()] = f"{name}=={meta['Version']}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return [lines[k] for k in sorted(lines)]


def requirements_for(modules, extra_distributions=()) -> list[str]:
    """Pinned requirement lines for modules (top-level names) plus named distributions."""
    dists = {distribution_of(m) for m in modules}
    dists.update(extra_distributions)
    dists.discard(None)
    dists.discard("model-catalog-ext")  # the artifact must not need us to run
    return pinned(dists)


def render(lines: list[str], header: str) -> str:
    """The text of requirements.txt."""
    return "".join(f"# {h}\n" for h in header.splitlines()) + "".join(f"{l}\n" for l in lines)
