"""Argument parsing for ``%catalog``: argparse that reports instead of exiting the kernel.

Every subcommand's options live here, so ``%catalog SUBCOMMAND --help`` is the reference a
user reads; the handlers in ``commands.py`` only see the parsed namespace.
"""
from __future__ import annotations

import argparse

# What the %%catalog cell body may hold; shown in the help of save and edit.
CELL_BODY_HELP = """\
As a cell magic, the cell body is the description (plain text or Markdown). To give more
metadata, start the body with a YAML front-matter block between two '---' lines; the text
after it is the description:

    %%catalog {command}
    ---
    tags: {{team: ml, version: 3}}{extra}
    ---
    Random forest on the 2024 churn table.
    Retrained weekly; see the notebook for the feature list.

Front-matter keys: {keys}.
'tags' is a mapping or a list of key:value strings. Options on the first line win
over the front matter; tags from both are merged.
"""

# Front-matter key -> the catalog field it sets (catalog/fields.py; a test keeps them in step).
FRONT_MATTER_FIELDS = {"name": "display_name", "description": "description", "tags": "freeform_tags",
                       "project": "project_id", "compartment": "compartment_id"}
SAVE_FRONT_MATTER_KEYS = tuple(FRONT_MATTER_FIELDS)
EDIT_FRONT_MATTER_KEYS = ("name", "description", "tags")


class UsageError(Exception):
    """A user mistake in a %catalog command; shown as one line, no traceback."""


class HelpShown(Exception):
    """--help was asked for; the text has been printed."""


class MagicArgumentParser(argparse.ArgumentParser):
    """argparse calls sys.exit() on errors and on --help; in a kernel that must not happen."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message}  (see {self.prog} --help)")

    def exit(self, status=0, message=None):
        if message:
            print(message, end="")
        raise HelpShown()


def _state(value: str) -> str:
    return value.strip().lower()


def build_parser() -> MagicArgumentParser:
    """The ``%catalog`` parser with one subparser per subcommand."""
    parser = MagicArgumentParser(
        prog="%catalog",
        description="The model catalog from a notebook cell: list, show, save, load, predict, "
        "download, edit, deactivate/activate and delete models.",
        epilog="Run '%catalog SUBCOMMAND --help' for the options of one subcommand. "
        "{var} and $var in the line are replaced by the notebook's variables, e.g. "
        "%catalog show {model_id}.",
    )
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=MagicArgumentParser)

    def add(name: str, help: str, **kwargs) -> MagicArgumentParser:
        return sub.add_parser(name, help=help, description=help,
                              formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)

    p = add("list", "List models as a table; the cell's value is the ModelSummaryList.")
    p.add_argument("--tag", action="append", default=[], metavar="KEY:VALUE",
                   help="only models with this freeform tag (repeatable); KEY:PREFIX* matches a "
                   "prefix, KEY alone any value")
    p.add_argument("--user", metavar="U", help="only models created by U")
    p.add_argument("--state", type=_state, choices=("active", "inactive", "all"), default="active",
                   help="lifecycle state to list (default: active)")
    p.add_argument("--framework", metavar="F", help="only models of this framework, e.g. scikit-learn")
    p.add_argument("--search", metavar="TEXT",
                   help="free text over name and description; the search-box grammar works too, "
                   "e.g. --search 'churn tag:team=ml user:alice'")
    p.add_argument("--project-id", "--project", dest="project", metavar="P", help="only models of this project")
    p.add_argument("--compartment-id", "--compartment", dest="compartment", metavar="C",
                   help="only models of this compartment")
    p.add_argument("--sort", choices=("created", "name", "version"), default="created",
                   help="sort order (default: created, newest first)")
    p.add_argument("--order", type=str.lower, choices=("asc", "desc"), default=None,
                   help="asc or desc (default: newest first, names A to Z)")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="models per page (1-1000, default 50)")
    p.add_argument("--page", type=int, default=1, metavar="N",
                   help="which page of --limit models to show (default 1); the line above the table "
                   "says when there is another")

    p = add("show", "Show one model: metadata, provenance, schema, versions and files.")
    p.add_argument("id", metavar="ID")

    p = add("save", "Prepare, verify and save the model held by a notebook variable.",
            epilog="The artifact is prepared in a temporary folder, verified in a clean process\n"
            "and saved with the git provenance of this notebook. Uncommitted changes to the\n"
            "notebook are refused (listing the files) unless --ignore-pending-changes.\n\n"
            + CELL_BODY_HELP.format(command="save model --name churn-rf",
                                    extra="\n    project: churn",
                                    keys=", ".join(SAVE_FRONT_MATTER_KEYS)))
    p.add_argument("var", metavar="VAR", help="the variable holding the trained model")
    p.add_argument("--name", metavar="NAME", help="display name (required here or in the cell, except with --new-version-of, "
                   "which keeps the model's name and description unless given)")
    p.add_argument("--description", metavar="D")
    p.add_argument("--tag", action="append", default=[], metavar="KEY:VALUE",
                   help="freeform tag, e.g. version:3 (repeatable)")
    p.add_argument("--sample", metavar="X", help="variable or expression with a few input rows (required): verification "
                   "predicts on them and they give the input schema")
    p.add_argument("--y-sample", metavar="Y", help="variable (or expression) with sample output data")
    p.add_argument("--onnx", action=argparse.BooleanOptionalAction, default=None,
                   help="serialize to ONNX (default: when the framework supports it)")
    p.add_argument("--new-version-of", metavar="ID", help="save as the next version of this model")
    p.add_argument("--project-id", "--project", dest="project", metavar="P")
    p.add_argument("--compartment-id", "--compartment", dest="compartment", metavar="C")
    p.add_argument("--ignore-pending-changes", action="store_true",
                   help="save even if the notebook has uncommitted git changes")

    p = add("load", "Download (cached by digest) and bind the model to a variable: the object "
                    "load_model() returns when it has predict(), else the artifact, whose "
                    "predict() runs score.py (e.g. for ONNX models).")
    p.add_argument("id", metavar="ID")
    p.add_argument("--as", dest="name", metavar="NAME",
                   help="variable to bind (default: the model's name as an identifier, refused if a "
                        "variable of that name exists)")

    p = add("predict", "Run the model's score.py predict() on the data in a variable.")
    p.add_argument("id", metavar="ID")
    p.add_argument("data", metavar="DATA_VAR", help="variable (or expression) with the input data")

    p = add("download", "Write the model's artifact into a folder (or a zip file).")
    p.add_argument("id", metavar="ID")
    p.add_argument("dir", metavar="DIR", help="target folder; with --zip a folder or a .zip path")
    p.add_argument("--zip", action="store_true", help="write one zip file instead of the files")
    p.add_argument("--force", action="store_true",
                   help="overwrite a non-empty folder's artifact files, or an existing zip")

    p = add("edit", "Change a model's name, description or tags (the artifact never changes).",
            epilog=CELL_BODY_HELP.format(command="edit ID", extra="",
                                         keys=", ".join(EDIT_FRONT_MATTER_KEYS)))
    p.add_argument("id", metavar="ID")
    p.add_argument("--name", metavar="NAME")
    p.add_argument("--description", metavar="D")
    p.add_argument("--tag", action="append", default=[], metavar="KEY:VALUE",
                   help="add or change a tag (repeatable)")
    p.add_argument("--remove-tag", action="append", default=[], metavar="KEY",
                   help="remove the tag KEY (repeatable)")

    p = add("deactivate", "Hide a model from default listings (it can be activated again).")
    p.add_argument("id", metavar="ID")
    p = add("activate", "Make an inactive model active again.")
    p.add_argument("id", metavar="ID")
    p = add("delete", "Delete a model entry for good (needs --yes).")
    p.add_argument("id", metavar="ID")
    p.add_argument("--yes", action="store_true", help="confirm the deletion")

    p = add("versions", "List every version of a model.")
    p.add_argument("id", metavar="ID")

    p = add("history", "Who changed a model, when and what, oldest first (also after a delete).")
    p.add_argument("id", metavar="ID")
    p.add_argument("--all-versions", action="store_true", help="the changes of every version of the model")
    return parser
