"""The %catalog line magic and %%catalog cell magic: parse, dispatch, report errors.

Errors are one line, ``error: ...``: a user mistake (bad option, unknown id, bad tag,
pending changes, a missing variable) never shows a traceback. The cell still fails, so that
"Run All", ``nbconvert --execute`` and papermill stop there instead of running the next cells
on a model that was not saved or loaded. An unexpected failure is also one line; its
traceback waits behind ``%tb``.
"""
from __future__ import annotations

import shlex

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
        deactivate, activate, delete, versions, history.

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
            raise CatalogMagicError(str(exc)) from None
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            from ..errors import CatalogError, ModelNotFound, PendingChanges

            if isinstance(exc, PendingChanges):
                raise CatalogMagicError(_pending_message(exc)) from None
            if isinstance(exc, ModelNotFound) and exc.details.get("model_id"):
                raise CatalogMagicError(f"no model with id '{exc.details['model_id']}' in this catalog; "
                                        "%catalog list shows the ids (--state all includes inactive models)") from None
            if isinstance(exc, CatalogError):
                raise CatalogMagicError(exc.message) from None
            if isinstance(exc, OSError):
                raise CatalogMagicError(f"{type(exc).__name__}: {exc}") from None
            # Not a user mistake: chained, so that %tb shows where it came from.
            raise CatalogMagicError(f"%catalog failed unexpectedly with {type(exc).__name__}: {exc} "
                                    "(run %tb for the traceback, and please report it)") from exc


def _pending_message(exc) -> str:
    files = exc.details.get("files") or []
    shown = ", ".join(files[:10]) + (f" and {len(files) - 10} more" if len(files) > 10 else "")
    return (f"uncommitted changes in {shown or 'the notebook'}; commit them so the provenance "
            "points at the code that made the model, or pass --ignore-pending-changes")


class CatalogMagicError(Exception):
    """A failed %catalog command. IPython shows it as its one line (``_render_traceback_``)
    and marks the cell as failed."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))  # one line, whatever the message looked like

    def _render_traceback_(self) -> list[str]:
        return [f"error: {self}"]
