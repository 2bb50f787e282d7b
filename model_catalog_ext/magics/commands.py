"""One function per ``%catalog`` subcommand.

Each takes the ``MagicContext`` (the shell, the catalog connection, loaded artifacts), the
parsed arguments and the cell body (None for the line magic), and returns the cell's value.
Heavy modules (the catalog, the API, the artifact layer) are imported inside the functions so
``%load_ext`` stays cheap.
"""
from __future__ import annotations

import keyword
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..sizes import human_size
from . import render
from .cell_body import parse_cell_body
from .connection import CatalogConnection
from .parser import EDIT_FRONT_MATTER_KEYS, SAVE_FRONT_MATTER_KEYS, UsageError

_SORTS = {"created": "time_created", "name": "name", "version": "version"}
_CELL_COMMANDS = ("save", "edit")


@dataclass
class MagicContext:
    """What the handlers share for the life of the kernel."""

    shell: object
    connection: CatalogConnection = field(default_factory=CatalogConnection)
    loaded: dict = field(default_factory=dict)  # artifact digest -> loaded ModelArtifact
    formatters_for: set = field(default_factory=set)  # types whose display we registered

    @property
    def service(self):
        return self.connection.service

    def value(self, expression: str, what: str):
        """A notebook variable by name, or an expression evaluated in the notebook."""
        ns = self.shell.user_ns
        if expression.isidentifier():
            if expression not in ns:
                raise UsageError(f"no variable named '{expression}' ({what}) in this notebook; "
                                 "run the cell that defines it first")
            return ns[expression]
        try:
            return self.shell.ev(expression)
        except Exception as exc:
            raise UsageError(f"cannot evaluate {expression!r} ({what}): "
                             f"{type(exc).__name__}: {exc}") from None


def _display(html: str, text: str) -> None:
    from IPython.display import display

    display({"text/html": html, "text/plain": text}, raw=True)


def _tags(texts) -> dict:
    from ..catalog import parse_tags

    return parse_tags(texts)


def _no_cell(command: str, cell: str | None) -> None:
    if cell is not None and cell.strip():
        raise UsageError(f"%%catalog {command} takes no cell body; only "
                         f"{' and '.join(_CELL_COMMANDS)} do (for the description and metadata)")


# --- list / show / versions ---------------------------------------------------------------

def cmd_list(ctx: MagicContext, args, cell):
    """The ModelSummaryList, displayed as a table (HTML in notebooks, text in terminals)."""
    _no_cell("list", cell)
    if not 1 <= args.limit <= 1000:
        raise UsageError(f"--limit must be between 1 and 1000, not {args.limit}")
    if args.page < 1:
        raise UsageError(f"--page counts from 1, not {args.page}")
    # The pages before this one, this one, and one model more: whether there is a next page.
    filters = dict(tags=list(args.tag), state="ALL" if args.state == "all" else args.state.upper(),
                   sort=_SORTS[args.sort], limit=args.limit * args.page + 1)
    if args.order:
        filters["sort_order"] = args.order.upper()
    for attr, value in (("created_by", args.user), ("framework", args.framework),
                        ("project_id", args.project), ("compartment_id", args.compartment),
                        ("search", args.search)):
        if value:
            filters[attr] = value
    result = ctx.connection.catalog.list_models(**filters)
    start = args.limit * (args.page - 1)
    if len(result) > start + args.limit:
        print(f"page {args.page}; more models: add --page {args.page + 1}")
    result = result[start:start + args.limit]
    cls = type(result)
    if cls not in ctx.formatters_for:
        render.register_list_formatters(ctx.shell, cls)
        ctx.formatters_for.add(cls)
    return result


def cmd_show(ctx: MagicContext, args, cell):
    """Metadata, provenance, schema, versions and files of one model."""
    _no_cell("show", cell)
    entry = ctx.service.get(args.id)
    versions = ctx.service.versions(args.id)
    if len(versions) < 2:
        versions = []
    _display(render.model_detail_html(entry, versions), render.model_detail_text(entry, versions))


def cmd_versions(ctx: MagicContext, args, cell):
    """Every version of the model's version set, as a table."""
    _no_cell("versions", cell)
    entries = ctx.service.versions(args.id)
    name = entries[-1].display_name if entries else args.id
    caption = f"{len(entries)} version(s) of {name}"
    _display(render.models_table_html(entries, caption), render.models_table_text(entries, caption))


def cmd_history(ctx: MagicContext, args, cell):
    """Who changed the model (or, --all-versions, each of its versions), when and what, as a table."""
    _no_cell("history", cell)
    records = ctx.service.history(args.id, all_versions=args.all_versions)
    caption = f"{len(records)} recorded change(s) of {args.id}{' and its other versions' if args.all_versions else ''}"
    _display(render.history_table_html(records, caption), render.history_table_text(records, caption))


# --- save -----------------------------------------------------------------------------------

# How %catalog save spells the save's options, for the workflow's messages.
SAVE_OPTIONS = {"ignore_pending_changes": "--ignore-pending-changes", "as_new_version_of": "--new-version-of",
                "training_script_path": "the notebook's path"}


def cmd_save(ctx: MagicContext, args, cell):
    """prepare -> verify -> save, with the provenance of this notebook's git repository."""
    meta = parse_cell_body(cell, SAVE_FRONT_MATTER_KEYS)
    if args.description is not None and meta.description is not None:
        raise UsageError("the description is given twice: with --description and in the cell; keep one")
    base = ctx.service.get(args.new_version_of) if args.new_version_of else None  # unknown id: fail early
    name = args.name or meta.values.get("name") or (base.display_name if base else None)
    if not name or not name.strip():
        raise UsageError("a name is needed: %catalog save VAR --name NAME")
    description = args.description if args.description is not None else meta.description
    if description is None:
        description = base.description if base else ""
    tags = _tags([*meta.tags, *args.tag])  # bad tag syntax fails before any work
    project = args.project or meta.values.get("project")
    compartment = args.compartment or meta.values.get("compartment")

    model = ctx.value(args.var, "the model")
    if not args.sample:
        raise UsageError("pass --sample X with a few input rows (e.g. --sample X_test[:5]): the "
                         "saved artifact is verified on them and they give its input schema")
    X_sample = ctx.value(args.sample, "the input sample")
    y_sample = ctx.value(args.y_sample, "the output sample") if args.y_sample else None
    from ..provenance import find_notebook_path
    from ..workflows.saving import SaveRequest, prepare_verify_save

    notebook = find_notebook_path()  # None in a console: its session name is no file
    request = SaveRequest(
        display_name=name, description=description, project_id=project, compartment_id=compartment,
        freeform_tags=tags or None, training_script_path=notebook, capture_provenance=True,
        ignore_pending_changes=args.ignore_pending_changes, as_new_version_of=args.new_version_of,
        spelling=SAVE_OPTIONS, door="magic")
    done = prepare_verify_save(ctx.service, model, request, X_sample=X_sample, y_sample=y_sample, as_onnx=args.onnx)
    for note in done.notes:  # --onnx asked for it and it could not be: one plain line
        print(f"note: {note}")
    saved, report = done.entry, done.report
    entry = render.entry_dict(saved)
    checks = (sum(1 for c in report.checks if c["ok"]), len(report.checks))
    print(f"Saved {entry['display_name']} v{entry['version']} as {entry['id']}")
    print("  " + render.save_summary(entry, checks))
    prov = entry.get("provenance") or {}
    if not prov.get("git_commit"):
        print("  no git provenance: this notebook is not in a git repository"
              if notebook else "  no git provenance: the notebook's path is unknown in this kernel")


# --- load / predict -----------------------------------------------------------------------------

def _loaded_artifact(ctx: MagicContext, model_id: str):
    """The artifact of ``model_id``, downloaded once (cached by digest) and imported once."""
    from .artifact_cache import cached_artifact_dir

    entry = ctx.service.get(model_id)
    artifact = ctx.loaded.get(entry.artifact_digest)
    if artifact is None:
        from ..artifact import ModelArtifact

        path, _ = cached_artifact_dir(ctx.service, entry)
        artifact = ModelArtifact(path).reload()
        ctx.loaded[entry.artifact_digest] = artifact
    return entry, artifact


def _identifier(name: str) -> str:
    ident = re.sub(r"\W+", "_", name.strip().lower()).strip("_") or "model"
    if ident[0].isdigit() or keyword.iskeyword(ident):
        ident = f"model_{ident}"
    return ident


def cmd_load(ctx: MagicContext, args, cell):
    """Bind the model to a variable of the notebook: what load_model() returns when it can
    predict(), else the artifact, whose predict() runs score.py (an ONNX Runtime session,
    for one, has no predict())."""
    _no_cell("load", cell)
    if args.name is not None and not (args.name.isidentifier() and not keyword.iskeyword(args.name)):
        raise UsageError(f"--as needs a Python variable name, not {args.name!r}")
    entry, artifact = _loaded_artifact(ctx, args.id)
    model = artifact.model
    # An ONNX model's predict() is score.py's answer unwrapped; bind the artifact, as before.
    onnx = type(model).__name__ == "OnnxModel"
    value = model if callable(getattr(model, "predict", None)) and not onnx else artifact
    target = args.name or _identifier(entry.display_name)
    user_ns = ctx.shell.user_ns
    if args.name is None and target in user_ns and user_ns[target] is not value:
        raise UsageError(f"the notebook already has a variable '{target}'; pass --as NAME to bind the model "
                         f"to another name (--as {target} replaces it)")
    ctx.shell.push({target: value})
    origin = f"{entry.display_name} v{entry.version} ({entry.id})"
    if value is model:
        print(f"{target} = {type(model).__name__} from {origin}")
    else:
        print(f"{target} = the artifact of {origin}: {target}.predict(data) runs its score.py, "
              f"{target}.model is the {type(model).__name__} load_model() returned")


def cmd_predict(ctx: MagicContext, args, cell):
    """``score.predict(data)`` of the model; the prediction is the cell's value."""
    _no_cell("predict", cell)
    data = ctx.value(args.data, "the input data")
    entry, artifact = _loaded_artifact(ctx, args.id)
    try:
        return artifact.predict(data)
    except Exception as exc:  # score.py's own error: say whose it is, and on what
        raise UsageError(f"predict() of {entry.display_name} v{entry.version}'s score.py failed on {args.data} "
                         f"({type(data).__name__}): {type(exc).__name__}: {exc}. Pass the rows as the model "
                         "was trained on them, e.g. a DataFrame of the same columns.") from exc


# --- download / edit / lifecycle -----------------------------------------------------------------

def cmd_download(ctx: MagicContext, args, cell):
    """The artifact's files into DIR, or one zip file with --zip."""
    _no_cell("download", cell)
    entry = ctx.service.get(args.id)
    target = Path(os.path.expanduser(args.dir))
    if not args.zip:
        path = ctx.service.download(args.id, target, force_overwrite=args.force)
        print(f"Downloaded {entry.display_name} v{entry.version}: {len(entry.manifest)} files, "
              f"{human_size(entry.artifact_size)} to {path}")
        return
    if target.suffix.lower() != ".zip":
        target = target / entry.zip_name  # the name a browser download gets
    if target.exists() and not args.force:
        raise UsageError(f"{target} already exists; pass --force to replace it")
    ctx.service.write_zip(args.id, target, force_overwrite=args.force)  # checked; complete or absent
    print(f"Downloaded {entry.display_name} v{entry.version} as {target} "
          f"({human_size(target.stat().st_size)})")


def cmd_edit(ctx: MagicContext, args, cell):
    """Change name, description or tags; the etag guards against a concurrent edit."""
    meta = parse_cell_body(cell, EDIT_FRONT_MATTER_KEYS)
    if args.description is not None and meta.description is not None:
        raise UsageError("the description is given twice: with --description and in the cell; keep one")
    entry = ctx.service.get(args.id)
    changes = {}
    name = args.name if args.name is not None else meta.values.get("name")
    if name is not None:
        if not str(name).strip():
            raise UsageError("--name is empty: give the model a display name, e.g. --name churn-classifier")
        changes["display_name"] = name
    description = args.description if args.description is not None else meta.description
    if description is not None:
        changes["description"] = description
    added = _tags([*meta.tags, *args.tag])
    if added or args.remove_tag:
        missing = [k for k in args.remove_tag if k not in entry.freeform_tags and k not in added]
        if missing:
            raise UsageError(f"{entry.display_name} has no tag {', '.join(map(repr, missing))} to remove")
        tags = {k: v for k, v in entry.freeform_tags.items() if k not in args.remove_tag}
        tags.update(added)
        changes["freeform_tags"] = tags
    if not changes:
        raise UsageError("nothing to change: pass --name, --description, --tag or --remove-tag "
                         "(or use %%catalog edit ID with the description as the cell body)")
    updated = ctx.service.update(args.id, etag=entry.etag, **changes)
    what = ", ".join(k.replace("display_name", "name").replace("freeform_tags", "tags") for k in changes)
    print(f"Updated {what} of {updated.display_name} v{updated.version} ({updated.id})")


def cmd_deactivate(ctx: MagicContext, args, cell):
    _no_cell("deactivate", cell)
    was = ctx.service.get(args.id).lifecycle_state
    entry = ctx.service.deactivate(args.id)
    print(f"{'Deactivated' if was != 'INACTIVE' else 'Already inactive:'} {entry.display_name} v{entry.version} "
          f"({entry.id}); it is hidden from default listings (%catalog list --state inactive)")


def cmd_activate(ctx: MagicContext, args, cell):
    _no_cell("activate", cell)
    was = ctx.service.get(args.id).lifecycle_state
    entry = ctx.service.activate(args.id)
    print(f"{'Activated' if was != 'ACTIVE' else 'Already active:'} {entry.display_name} v{entry.version} "
          f"({entry.id})")


def cmd_delete(ctx: MagicContext, args, cell):
    _no_cell("delete", cell)
    entry = ctx.service.get(args.id)
    if not args.yes:
        raise UsageError(f"deleting {entry.display_name} v{entry.version} ({entry.id}) cannot be "
                         f"undone; run %catalog delete {entry.id} --yes")
    ctx.service.delete(args.id)
    ctx.loaded.pop(entry.artifact_digest, None)
    print(f"Deleted {entry.display_name} v{entry.version} ({entry.id})")


COMMANDS = {
    "list": cmd_list,
    "show": cmd_show,
    "save": cmd_save,
    "load": cmd_load,
    "predict": cmd_predict,
    "download": cmd_download,
    "edit": cmd_edit,
    "deactivate": cmd_deactivate,
    "activate": cmd_activate,
    "delete": cmd_delete,
    "versions": cmd_versions,
    "history": cmd_history,
}
