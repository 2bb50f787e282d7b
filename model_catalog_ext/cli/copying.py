"""``jupyter model-catalog copy``: copy one catalog's models into another (workflows/copying.py).

    jupyter model-catalog copy --to https://catalog.example.com [--from URL] [--filter SEARCH]
        [--dry-run] [--update-metadata] [--compartment [OLD=]NEW]... [--project [OLD=]NEW]...

Progress goes to stderr (a status line on a terminal, one line per model otherwise), the
summary to stdout (``--json``: the whole report).  Exit status: 0 every model is in the
target, 1 some could not be copied (or a catalog could not be reached), 2 bad usage,
130 interrupted (run the same command again to go on).
"""
from __future__ import annotations

import argparse
import json
import sys

from ..errors import CatalogError, InvalidInput
from ..sizes import human_size
from .progress import ProgressBar


def add_copy_parser(sub, common) -> None:
    p = sub.add_parser(
        "copy", parents=[common],
        help="copy models (metadata, versions and artifacts) from one catalog into another, e.g. the embedded "
             "catalog into the team catalog; a second run copies only what is missing",
        epilog="Each copy is tagged copied-from:<source model id>; a run copies the models without such a copy "
               "in the target, so an interrupted copy is resumed by running it again. Authors (created_by) are "
               "kept where the target allows it: a catalog service records the caller instead unless it lists "
               "the caller in may_record_authors_for. Credentials for an http(s) catalog: $MODEL_CATALOG_TOKEN.")
    p.add_argument("--from", dest="source", default=None, metavar="URL",
                   help="the catalog to copy from (default: --url, else the configured or embedded catalog)")
    p.add_argument("--to", dest="target", required=True, metavar="URL", help="the catalog to copy into")
    p.add_argument("--from-artifact-root", default=None, metavar="ROOT",
                   help="where the source keeps its artifact files (a folder or s3://...): needed with a database URL "
                        "other than the configured catalog's")
    p.add_argument("--to-artifact-root", default=None, metavar="ROOT",
                   help="where the target keeps its artifact files (a folder or s3://...): needed with a database URL "
                        "other than the configured catalog's")
    p.add_argument("--filter", action="append", default=[], metavar="SEARCH",
                   help="only models matching this search, as `list` takes it (e.g. 'churn tag:team=ml'); a "
                        "model is copied with all its versions when one of them matches")
    p.add_argument("--dry-run", action="store_true", help="say what would be copied, copy nothing")
    p.add_argument("--update-metadata", action="store_true",
                   help="bring copies whose source was edited since they were copied up to date (default: "
                        "report them)")
    p.add_argument("--compartment", action="append", default=[], metavar="[OLD=]NEW",
                   help="put the copies in compartment NEW (or those of compartment OLD in NEW; repeatable)")
    p.add_argument("--project", action="append", default=[], metavar="[OLD=]NEW",
                   help="put the copies in project NEW (or those of project OLD in NEW; repeatable)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show progress on stderr (default: on; a status line on a terminal, one line per model "
                        "otherwise)")


def cmd_copy(args) -> int:
    """Open both catalogs, copy, and print what happened."""
    from ..workflows.copying import CopyOptions, NamespaceMap, copy_catalog

    options = CopyOptions(search=" ".join(args.filter) or None, dry_run=args.dry_run,
                          update_metadata=args.update_metadata,
                          compartments=NamespaceMap.parse(args.compartment, "--compartment"),
                          projects=NamespaceMap.parse(args.project, "--project"))
    source = _open("--from", args.source or args.url, args.from_artifact_root or args.artifact_root,
                   create=False, configured=not (args.source or args.url))
    try:
        target = _open("--to", args.target, args.to_artifact_root, create=True, configured=False)
        try:
            reporter = _Reporter(args.progress, sys.stderr)
            try:
                report = copy_catalog(source, target, options, on_start=reporter.start, on_outcome=reporter,
                                      bytes_progress=reporter.bytes_bar)
            except KeyboardInterrupt:
                reporter.close()
                print(f"interrupted after {reporter.summary()}. Run the same command again to copy the rest.",
                      file=sys.stderr)
                return 130
            except CatalogError:
                reporter.close()
                if reporter.seen:
                    print(f"stopped after {reporter.summary()}. Run the same command again once the error "
                          "below is fixed: it copies only what is missing.", file=sys.stderr)
                raise
            reporter.close()
        finally:
            target.close()
    finally:
        source.close()
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        _print_summary(report, options)
    return 0 if report.ok else 1


def _open(option: str, url: str | None, artifact_root: str | None, *, create: bool, configured: bool):
    """Open one side; its errors name the option, so the user knows which catalog failed."""
    from ..catalog import open_catalog
    from ..configuration import catalog_location

    if configured:
        url, artifact_root = catalog_location(url, artifact_root)
    elif url is not None and not artifact_root:
        artifact_root = _artifact_root_of(option, url)
    try:
        catalog = open_catalog(url, artifact_root, create=create)
    except CatalogError as exc:
        exc.message = f"{option}: {exc.message}"
        exc.args = (exc.message,)
        raise
    try:
        catalog.capabilities()  # a service is asked now: an unreachable one stops us before any work
    except CatalogError as exc:
        catalog.close()
        exc.message = f"{option} {catalog.url}: {exc.message}"
        exc.args = (exc.message,)
        raise
    return catalog


def _artifact_root_of(option: str, url: str) -> str | None:
    """The configured artifact root when ``url`` is the configured catalog; else a catalog
    that keeps its bytes apart (SQL) needs its own: the default one is the embedded catalog's,
    and copying a catalog's blobs into another's store (whose gc would remove them) or
    reading them from the wrong one must not happen by omission."""
    from ..catalog.defaults import default_url
    from ..catalog.registry import scheme_of
    from ..configuration import catalog_location

    configured_url, configured_root = catalog_location()
    if url == (configured_url or default_url()):
        return configured_root
    if scheme_of(url) in ("sqlite", "postgresql", "postgresql+psycopg"):
        raise InvalidInput(f"{option}: give {option}-artifact-root too: where that catalog keeps its artifact "
                           "files (a folder, or an fsspec URL such as s3://bucket/prefix). Without it they would "
                           "be those of the configured catalog.")
    return None


class _Reporter:
    """Progress on stderr: a status line on a terminal, one line per model otherwise."""

    def __init__(self, enabled: bool | None, stream):
        self.stream = stream
        self.enabled = enabled is not False
        self.terminal = stream.isatty()
        self.total = 0
        self.seen: dict[str, int] = {}
        self.bytes = 0
        self._drawn = False

    def start(self, total: int) -> None:
        self.total = total

    def __call__(self, outcome) -> None:
        self.seen[outcome.status] = self.seen.get(outcome.status, 0) + 1
        if outcome.status == "copied":
            self.bytes += outcome.bytes
        if not self.enabled and outcome.status not in ("failed", "skipped"):
            return
        done = sum(self.seen.values())
        if self.terminal and outcome.status not in ("failed", "skipped"):
            # Padded: it overwrites the byte bar of a large model drawn on the same line.
            self.stream.write(f"\rcopy: {done}/{self.total} models, {self.summary()}".ljust(100))
            self._drawn = True
        else:
            self._end_line()
            line = (f"[{done}/{self.total}] {outcome.status} {outcome.display_name!r} version {outcome.version} "
                    f"({outcome.source_id}{' -> ' + outcome.target_id if outcome.target_id else ''}")
            line += f", {human_size(outcome.bytes)})" if outcome.status == "copied" else ")"
            if outcome.message:
                line += f": {outcome.message}"
            self.stream.write(line + "\n")
        self.stream.flush()

    def bytes_bar(self, entry):
        return ProgressBar(f"copying {entry.display_name}", self.stream, enabled=self.enabled and self.terminal)

    def summary(self) -> str:
        parts = [f"{self.seen.get(s, 0)} {s}" for s in ("copied", "present", "updated", "differs", "would-copy",
                                                        "failed", "skipped") if self.seen.get(s) or s == "copied"]
        return ", ".join(parts) + f", {human_size(self.bytes)}"

    def _end_line(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False

    def close(self) -> None:
        self._end_line()
        self.stream.flush()


def _print_summary(report, options) -> None:
    totals = report.totals()
    there = totals["present"] + totals["updated"] + totals["differs"]
    if options.dry_run:
        would = sum(o.bytes for o in report.outcomes if o.status == "would-copy")
        print(f"Dry run: would copy {totals['would-copy']} model version(s) ({human_size(would)}) from "
              f"{report.source} to {report.target}; {there} already copied.")
    else:
        print(f"Copied {totals['copied']} model version(s) ({human_size(totals['bytes'])}) from {report.source} "
              f"to {report.target}; {there} already there ({totals['updated']} brought up to date), "
              f"{totals['failed']} failed, {totals['skipped']} skipped.")
    differing = [o for o in report.outcomes if o.status == "differs"]
    if differing:
        print(f"{len(differing)} cop{'y differs' if len(differing) == 1 else 'ies differ'} from the source "
              f"(edited since copied): "
              + "; ".join(f"{o.target_id} ({', '.join(o.differing)})" for o in differing[:10])
              + (" ..." if len(differing) > 10 else "")
              + ". Run again with --update-metadata to bring them up to date.")
    others = report.authors_not_kept
    if others:
        recorded = sorted({o.created_by or "" for o in others})
        print(f"{len(others)} cop{'y is' if len(others) == 1 else 'ies are'} recorded as created by "
              f"{', '.join(recorded)} instead of their authors: {report.target} records who saves, unless its "
              "operator lists that identity in may_record_authors_for (see docs/operating.md).")
    for o in report.outcomes:
        if o.status == "failed":
            print(f"failed: {o.source_id} ({o.display_name!r} version {o.version}): {o.message}")
    if not report.ok:
        print("Fix what failed and run the same command again: it copies only what is missing.")
