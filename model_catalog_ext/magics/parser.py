"""Argument parsing for ``%catalog``: argparse that reports instead of exiting the kernel."""
from __future__ import annotations

import argparse


class UsageError(Exception):
    """A user mistake in a %catalog command line; shown as one line, no traceback."""


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


def build_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(
        prog="%catalog",
        description="The model catalog from a notebook cell: list, show, save, load, "
        "download, edit, deactivate/activate and delete models.",
        epilog="Run '%catalog SUBCOMMAND --help' for the options of one subcommand.",
    )
    parser.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=MagicArgumentParser)
    return parser
