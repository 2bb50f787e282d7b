"""The %catalog line magic and %%catalog cell magic."""
from __future__ import annotations

import shlex

from IPython.core.magic import Magics, line_cell_magic, magics_class

from .parser import HelpShown, UsageError, build_parser


@magics_class
class CatalogMagics(Magics):
    @line_cell_magic
    def catalog(self, line: str, cell: str | None = None):
        """Work with the model catalog. Run ``%catalog --help`` for the subcommands."""
        parser = build_parser()
        try:
            args = parser.parse_args(shlex.split(line) or ["--help"])
        except HelpShown:
            return None
        except (UsageError, ValueError) as exc:
            print(f"error: {exc}")
            return None
        print(f"error: unknown subcommand {args.command!r}; see %catalog --help")
        return None
