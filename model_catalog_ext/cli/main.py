"""``jupyter model-catalog``: the catalog from a shell.

    jupyter model-catalog list [SEARCH...] [--tag KEY:VALUE]...   e.g. list churn tag:version=3 user:alice
    jupyter model-catalog show ID
    jupyter model-catalog save PATH --name NAME [--tag key:value]... [--version-of ID]
    jupyter model-catalog download ID TARGET [--force] [--zip]
    jupyter model-catalog versions ID
    jupyter model-catalog history ID [--all-versions]
    jupyter model-catalog edit ID [--name N] [--description D] [--tag key:value]... [--remove-tag KEY]...
                                  [--metadata KEY=VALUE]... [--remove-metadata KEY]... [--provenance KEY=VALUE]...
    jupyter model-catalog deactivate|activate ID
    jupyter model-catalog delete ID [--yes]
    jupyter model-catalog verify [ID]
    jupyter model-catalog gc [--grace SECONDS]
    jupyter model-catalog db upgrade
    jupyter model-catalog serve [--ip IP] [--port PORT] [Jupyter server options]
    jupyter model-catalog copy --to URL [--from URL] [--filter SEARCH] [--dry-run] [--update-metadata]

Every command takes ``--json`` (machine-readable output), ``--url`` and ``--artifact-root``
(default: ``$MODEL_CATALOG_URL`` / ``$MODEL_CATALOG_ARTIFACT_ROOT``, else what the Jupyter
server's configuration files set as ``c.ModelCatalogConfig.backend_url`` / ``artifact_root``,
else the embedded catalog: the catalog the side panel shows).
Exit status: 0 success, 1 a catalog error (message on stderr) or damaged bytes found by
verify, 2 bad usage (an unknown option, a bad value, delete without --yes and no terminal).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from ..catalog.entry import PROVENANCE_KEYS
from ..catalog.filewrite import write_all
from ..errors import CatalogError, InvalidInput
from ..sizes import human_size
from .copying import add_copy_parser, cmd_copy
from .edits import edited_custom_metadata, edited_provenance
from .progress import ProgressBar
from .serve import add_serve_parser, cmd_serve
from .table import entry_rows, format_entry, format_table, history_rows


def _common(suppress: bool) -> argparse.ArgumentParser:
    # The options work before or after the command.  Sub-commands must not reset what was
    # given before them, hence SUPPRESS defaults there.
    def default(value):
        return argparse.SUPPRESS if suppress else value

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=default(False), help="print JSON instead of a table")
    common.add_argument("--url", default=default(None),
                        help="catalog database URL (default: $MODEL_CATALOG_URL or the embedded catalog)")
    common.add_argument("--artifact-root", default=default(None), help="blob store path or fsspec URL")
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common(suppress=True)
    parser = argparse.ArgumentParser(prog="jupyter model-catalog", description="A shared catalog of ML models.",
                                     parents=[_common(suppress=False)])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", parents=[common], help="list models (newest first)")
    p.add_argument("search", nargs="*", help="search words and filters: churn tag:version=3 user:alice state:all")
    p.add_argument("--state", choices=["active", "inactive", "all"], default=None)
    p.add_argument("--tag", action="append", default=[], metavar="KEY:VALUE",
                   help="only models with this tag (repeatable; KEY alone: any value; KEY:prefix*), "
                        "as %%catalog list --tag")
    p.add_argument("--sort", choices=["time_created", "created", "name", "version"], default=None,
                   help="created is time_created, as in %%catalog list")
    p.add_argument("--order", choices=["asc", "desc"], default=None)
    p.add_argument("--limit", type=int, default=50, help="models per page (1-1000)")
    p.add_argument("--page-token", default=None,
                   help="the next page: the token printed after the previous one (repeat the same search, "
                        "--state, --sort and --order with it)")

    for name, text in [("show", "every field of a model"), ("versions", "every version of a model"),
                       ("deactivate", "hide a model from default listings"),
                       ("activate", "show an inactive model again")]:
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("model_id")

    p = sub.add_parser("history", parents=[common],
                       help="who changed a model, when and what, oldest first (also after a delete)")
    p.add_argument("model_id")
    p.add_argument("--all-versions", action="store_true", help="the changes of every version of the model")

    p = sub.add_parser("save", parents=[common], help="save an artifact folder or .zip as a new model")
    p.add_argument("path")
    p.add_argument("--name", required=True, help="display name")
    p.add_argument("--description", default="")
    p.add_argument("--tag", action="append", default=[], metavar="KEY:VALUE", help="freeform tag (repeatable)")
    p.add_argument("--project-id", "--project", dest="project_id", default=None)
    p.add_argument("--compartment-id", "--compartment", dest="compartment_id", default=None)
    p.add_argument("--version-of", default=None, metavar="MODEL_ID", help="save as the next version of this model")
    p.add_argument("--training-script", default=None, help="record git provenance of this script")
    p.add_argument("--ignore-pending-changes", action="store_true",
                   help="save even with uncommitted changes to the script or artifact")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")

    p = sub.add_parser("download", parents=[common], help="write a model's artifact to a folder (or a zip)")
    p.add_argument("model_id")
    p.add_argument("target", help="folder (or, with --zip, a file; '-' for stdout)")
    p.add_argument("--force", action="store_true", help="write into a non-empty folder / overwrite the zip")
    p.add_argument("--zip", action="store_true", help="write a zip file instead of a folder")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)

    p = sub.add_parser("edit", parents=[common], help="change a model's metadata")
    p.add_argument("model_id")
    p.add_argument("--name", default=None)
    p.add_argument("--description", default=None)
    p.add_argument("--tag", action="append", default=[], metavar="KEY:VALUE", help="add or change a tag")
    p.add_argument("--remove-tag", action="append", default=[], metavar="KEY", help="remove a tag")
    p.add_argument("--metadata", action="append", default=[], metavar="KEY=VALUE",
                   help="add or change a custom metadata item (repeatable)")
    p.add_argument("--remove-metadata", action="append", default=[], metavar="KEY",
                   help="remove a custom metadata item")
    p.add_argument("--provenance", action="append", default=[], metavar="KEY=VALUE",
                   help=f"set a provenance field, one of {', '.join(PROVENANCE_KEYS)} (an empty VALUE clears it)")
    p.add_argument("--project-id", "--project", dest="project_id", default=None)
    p.add_argument("--compartment-id", "--compartment", dest="compartment_id", default=None)
    p.add_argument("--etag", default=None, help="only apply if the model still has this etag")

    p = sub.add_parser("delete", parents=[common], help="delete a model")
    p.add_argument("model_id")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    p = sub.add_parser("verify", parents=[common], help="re-check stored bytes against their sha256")
    p.add_argument("model_id", nargs="?", default=None, help="one model (default: the whole catalog)")

    p = sub.add_parser("gc", parents=[common],
                       help="remove what interrupted saves left behind (blobs no model uses, temporary files)")
    p.add_argument("--grace", type=float, default=3600, metavar="SECONDS",
                   help="keep leftovers younger than this: a save may still be writing them (default 3600)")

    add_serve_parser(sub, common)
    add_copy_parser(sub, common)

    p = sub.add_parser("db", parents=[common], help="look after a shared catalog's database")
    p.add_argument("action", choices=["upgrade"],
                   help="upgrade: bring the database to this version's schema. A PostgreSQL catalog never "
                        "upgrades by itself (servers of several versions share it): run this once, as its "
                        "administrator, after installing a new version")
    return parser


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def _open(args):
    from ..catalog import open_catalog  # its errors already say what cannot be opened
    from ..configuration import catalog_location

    # The URL the Jupyter server is configured with, unless --url or the environment says another.
    url, root = catalog_location(args.url, args.artifact_root)
    # Opening creates a catalog (as the configured one is, on first use): a mistyped --url
    # would show an empty one, and leave it behind. Only save may create one from --url.
    create = not (args.url and args.command != "save")
    try:
        return open_catalog(url, root, create=create, upgrade=True if args.command == "db" else None)
    except InvalidInput as exc:
        if not create and exc.details.get("path"):
            raise InvalidInput(f"There is no catalog at {exc.details['path']} (from --url). Check the path; "
                               "`jupyter model-catalog save --url ...` creates a new catalog there.") from None
        raise


def _show_entries(args, entries, token=None) -> None:
    if args.json:
        data = {"items": [e.to_dict() for e in entries]}
        if token is not None or args.command == "list":
            data["next_page_token"] = token
        _print_json(data)
        return
    if not entries:
        print("No models match." if args.command == "list" else "No models.")
        return
    print(format_table(*entry_rows(entries)))
    if token:
        print(f"\nMore models: run the same command again, with the same search words, --state, --sort "
              f"and --order, adding --page-token {token}")


def cmd_list(args, svc) -> int:
    from ..catalog import parse_search

    overrides = {"limit": args.limit}
    for name in ("sort", "order", "page_token"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    if overrides.get("sort") == "created":
        overrides["sort"] = "time_created"
    if args.state:
        overrides["state"] = args.state
    if args.tag:
        overrides["tags"] = args.tag
    query = parse_search(" ".join(_quote(s) for s in args.search), **overrides)
    page = svc.list(query)
    _show_entries(args, page.items, page.next_page_token)
    return 0


def _quote(word: str) -> str:
    # The shell already split the words; keep a word with spaces together for the parser.
    if " " in word and '"' not in word:
        field, sep, value = word.partition(":")
        return f'{field}:"{value}"' if sep and field.isidentifier() else f'"{word}"'
    return word


def cmd_show(args, svc) -> int:
    entry = svc.get(args.model_id)
    if args.json:
        _print_json(entry.to_dict())
    else:
        print(format_entry(entry))
    return 0


def cmd_versions(args, svc) -> int:
    _show_entries(args, svc.versions(args.model_id))
    return 0


def cmd_history(args, svc) -> int:
    records = svc.history(args.model_id, all_versions=args.all_versions)
    if args.json:
        _print_json(records)
    else:
        print(format_table(*history_rows(records), max_width=80) if records else
              f"No recorded changes of {args.model_id} (it was saved before the catalog kept a history).")
    return 0


def _check_name(name: str) -> None:
    # The core's message would speak of Python arguments; here the option is --name.
    if not name.strip():
        raise InvalidInput("--name is empty: give the model a display name, for example --name churn-classifier.")


# How the save's options are spelled here, for the workflow's messages.
SAVE_OPTIONS = {"ignore_pending_changes": "--ignore-pending-changes", "training_script_path": "--training-script",
                "as_new_version_of": "--version-of"}


def cmd_save(args, svc) -> int:
    from ..catalog import parse_tags
    from ..workflows.saving import SaveRequest, save_folder

    _check_name(args.name)
    request = SaveRequest(
        display_name=args.name, description=args.description, freeform_tags=parse_tags(args.tag),
        project_id=args.project_id, compartment_id=args.compartment_id, as_new_version_of=args.version_of,
        training_script_path=args.training_script, ignore_pending_changes=args.ignore_pending_changes,
        spelling=SAVE_OPTIONS, door="cli")
    bar = ProgressBar(f"saving {os.path.basename(os.path.normpath(args.path))}", enabled=args.progress)
    try:
        entry = save_folder(svc, args.path, request, progress=bar)
    finally:
        bar.close()
    if args.json:
        _print_json(entry.to_dict())
    else:
        print(f"Saved {entry.display_name!r} as {entry.id} (version {entry.version}, "
              f"{len(entry.manifest)} files, digest {entry.artifact_digest[:16]})")
    return 0


def cmd_download(args, svc) -> int:
    bar = ProgressBar(f"downloading {args.model_id}", enabled=args.progress)
    try:
        if args.zip:
            where, written = _download_zip(args, svc, bar)
        else:
            where = str(svc.download(args.model_id, args.target, force_overwrite=args.force, progress=bar))
            written = None
    finally:
        bar.close()
    if args.json:
        _print_json({"id": args.model_id, "target": where, **({"bytes": written} if written is not None else {})})
    elif args.target != "-":
        print(f"Downloaded {args.model_id} to {where}", file=sys.stderr if args.zip else sys.stdout)
    return 0


def _download_zip(args, svc, bar) -> tuple[str, int]:
    """Write the zip to args.target (a file, a folder to put it in, or '-' for stdout);
    returns where it went and its size."""
    if args.target != "-":
        target = args.target
        if os.path.isdir(target):  # a folder: the zip goes in it, named after the model
            target = os.path.join(target, svc.get(args.model_id).zip_name)
        path = svc.write_zip(args.model_id, target, force_overwrite=args.force, progress=bar)
        return target, path.stat().st_size
    done = 0
    total = svc.get(args.model_id).artifact_size
    out = sys.stdout.buffer
    for chunk in svc.iter_zip(args.model_id, reuse_buffers=True):
        write_all(out, chunk)
        done += len(chunk)
        bar(min(done, total), total)
    return "-", done


def cmd_edit(args, svc) -> int:
    from ..catalog import parse_tags

    if args.name is not None:
        _check_name(args.name)
    current = svc.get(args.model_id)
    changes = {}
    if args.name is not None:
        changes["display_name"] = args.name
    if args.description is not None:
        changes["description"] = args.description
    for key in ("project_id", "compartment_id"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if args.tag or args.remove_tag:
        tags = dict(current.freeform_tags)
        added = parse_tags(args.tag)
        missing = [k for k in args.remove_tag if k not in tags and k not in added]
        if missing:  # a typo, most likely: say so rather than report an update
            raise InvalidInput(f"{current.id} has no tag {', '.join(repr(k) for k in missing)}; its tags: "
                               f"{', '.join(sorted(tags)) or 'none'}.")
        tags.update(added)
        for key in args.remove_tag:
            tags.pop(key, None)
        changes["freeform_tags"] = tags
    if args.metadata or args.remove_metadata:
        changes["custom_metadata"] = edited_custom_metadata(current.custom_metadata, args.metadata,
                                                            args.remove_metadata)
    if args.provenance:
        changes["provenance"] = edited_provenance(current.provenance, args.provenance)
    if not changes:
        print("Nothing to change: pass --name, --description, --tag, --remove-tag, --metadata, "
              "--remove-metadata, --provenance, --project-id or --compartment-id.", file=sys.stderr)
        return 2
    # Without --etag, still guard against a change made between our read and our write.
    entry = svc.update(args.model_id, etag=args.etag or current.etag, **changes)
    if args.json:
        _print_json(entry.to_dict())
    else:
        print(f"Updated {entry.id} (etag {entry.etag})")
    return 0


def cmd_state(args, svc) -> int:
    entry = svc.deactivate(args.model_id) if args.command == "deactivate" else svc.activate(args.model_id)
    if args.json:
        _print_json(entry.to_dict())
    else:
        print(f"{entry.id} is now {entry.lifecycle_state}")
    return 0


def cmd_delete(args, svc) -> int:
    entry = svc.get(args.model_id)
    if not args.yes:
        if not sys.stdin.isatty():  # a script or a pipe: nobody to ask, so nothing is deleted
            raise InvalidInput(f"Not deleted: delete asks before it deletes {entry.id} ({entry.display_name!r}, "
                               f"version {entry.version}), and there is no terminal to ask on. Pass --yes to "
                               "delete without asking.")
        answer = input(f"Delete {entry.id} ({entry.display_name!r}, version {entry.version})? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Not deleted.", file=sys.stderr)
            return 1
    svc.delete(entry.id)
    if args.json:
        _print_json({"id": entry.id, "deleted": True})
    else:
        print(f"Deleted {entry.id}")
    return 0


def cmd_verify(args, svc) -> int:
    reports = svc.verify(args.model_id)
    if args.json:
        _print_json({"ok": not reports, "damaged": reports})
    elif reports:
        print(format_table(["ID", "NAME", "VER", "PATH", "PROBLEM"],
                           [[r["id"], r["display_name"], r["version"], r["path"], r["problem"]] for r in reports], 60))
        print(f"\n{len(reports)} damaged file(s). Restore the blobs from a backup or save those models again.",
              file=sys.stderr)
    else:
        scope = args.model_id or "every model"
        print(f"OK: the stored bytes of {scope} match their sha256.")
    return 1 if reports else 0


def cmd_gc(args, svc) -> int:
    if args.grace < 0:
        raise InvalidInput("--grace must be 0 or more seconds.")
    result = svc.collect_garbage(tmp_grace_seconds=args.grace)
    if args.json:
        _print_json(result)
    else:
        print(f"Removed {len(result['removed_blobs'])} unused blob(s) and {result['removed_tmp_files']} "
              f"temporary file(s), freeing {human_size(result['freed_bytes'])}.")
        if result.get("removed_uploads") or result.get("aborted_multipart_uploads"):
            print(f"Removed {result.get('removed_uploads', 0)} abandoned upload(s) and aborted "
                  f"{result.get('aborted_multipart_uploads', 0)} unfinished multipart upload(s) of the object store.")
    return 0


def cmd_db(args, svc) -> int:
    # _open() upgraded it already (open_catalog(upgrade=True)): say where it stands.
    info = svc.info()
    if args.json:
        _print_json({"url": svc.url, "kind": info.kind, "schema": "current"})
    else:
        print(f"The catalog at {svc.url} ({info.label}) has the current schema.")
    return 0


COMMANDS = {"list": cmd_list, "show": cmd_show, "versions": cmd_versions, "history": cmd_history, "save": cmd_save,
            "download": cmd_download, "edit": cmd_edit, "deactivate": cmd_state, "activate": cmd_state,
            "delete": cmd_delete, "verify": cmd_verify, "gc": cmd_gc, "db": cmd_db}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (also used as the console script)."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "serve":  # only serve passes options on (to the Jupyter server)
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "serve":
            return cmd_serve(args, extra)
        if args.command == "copy":  # opens two catalogs of its own
            return cmd_copy(args)
        svc = _open(args)
        try:
            return COMMANDS[args.command](args, svc)
        finally:
            svc.close()
    except CatalogError as exc:
        if args.json:
            json.dump(exc.to_dict(), sys.stderr, default=str)
            sys.stderr.write("\n")
        else:
            from .wording import in_flags

            print(f"error: {in_flags(exc.message)}", file=sys.stderr)
        return 2 if isinstance(exc, InvalidInput) else 1  # a bad value is bad usage, like a bad option
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `jupyter model-catalog list --json | head`: the reader left; that is not an error.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def run() -> None:
    """Console-script entry that exits with main()'s status."""
    sys.exit(main())
