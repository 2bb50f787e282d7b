"""The %catalog line magic and %%catalog cell magic: parse, dispatch, report errors.

Errors are one line on stderr: a user mistake (bad option, unknown id, bad tag, pending
changes, a missing variable) never shows a traceback, and nothing a handler raises reaches
the kernel. An unexpected failure is also one line; its traceback waits behind ``%tb``.
"""
from __future__ import annotations

import shlex
import sys

from IPython.core.magic import Magics, line_cell_magic, magics_class

from .parser import HelpShown, UsageError, build_parser


@magics_class
class CatalogMagics(Magics):
    """``%catalog`` / ``%%catalog``: the model catalog from a notebook cell."""

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self._context = None

    @property
    def context(self):
        if self._context is None:
            from .commands import MagicContext

            self._context = MagicContext(shell=self.shell)
        return self._context

    @line_cell_magic
    def catalog(self, line: str, cell: str | None = None):
        """Work with the model catalog: list, show, save, load, predict, download, edit,
        deactivate, activate, delete, versions.

        Run ``%catalog --help`` for the subcommands and ``%catalog SUBCOMMAND --help`` for
        the options of one. As a cell magic (``%%catalog save VAR --name N`` or
        ``%%catalog edit ID``) the cell body is the description, optionally preceded by YAML
        front matter between ``---`` lines (tags, project, ...).
        """
        try:
            args = build_parser().parse_args(shlex.split(line) or ["--help"])
            if args.command is None:
                raise UsageError("name a subcommand; see %catalog --help")
            from .commands import COMMANDS

            return COMMANDS[args.command](self.context, args, cell)
        except HelpShown:
            return None
        except (UsageError, ValueError) as exc:  # ValueError: shlex on an unclosed quote
            _error(str(exc))
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            from ..errors import CatalogError, ModelNotFound, PendingChanges

            if isinstance(exc, PendingChanges):
                _error(_pending_message(exc))
            elif isinstance(exc, ModelNotFound) and exc.details.get("model_id"):
                _error(f"no model with id '{exc.details['model_id']}' in this catalog; "
                       "%catalog list shows the ids (--state all includes inactive models)")
            elif isinstance(exc, CatalogError):
                _error(exc.message)
            elif isinstance(exc, OSError):
                _error(f"{type(exc).__name__}: {exc}")
            else:
                # Not a user mistake: keep the traceback for %tb rather than lose it.
                sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, exc.__traceback__
                if hasattr(sys, "last_exc"):
                    sys.last_exc = exc
                _error(f"%catalog failed unexpectedly with {type(exc).__name__}: {exc} "
                       "(run %tb for the traceback, and please report it)")
        return None


def _pending_message(exc) -> str:
    files = exc.details.get("files") or []
    shown = ", ".join(files[:10]) + (f" and {len(files) - 10} more" if len(files) > 10 else "")
    return (f"uncommitted changes in {shown or 'the notebook'}; commit them so the provenance "
            "points at the code that made the model, or pass --ignore-pending-changes")


def _error(message: str) -> None:
    # One line, whatever the message looked like.
    print("error: " + " ".join(str(message).split()), file=sys.stderr)
