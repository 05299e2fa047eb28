"""The two kinds of error a user sees, and the exit codes of the command line.

Every error meant for the user derives from one of two classes, whatever part of the package
raises it, so that the command line reports each the same way: one line,
``computemarket: error: <message>``, never a traceback.

- :class:`UserError`: bad input (a malformed file, an unknown parameter, an out-of-range value, a
  folder that is not the command's). Exit code 2; nothing was written.
- :class:`MachineError`: the machine failed the command (disk full, a file damaged under it, a
  cluster that cannot be reached). Exit code 1; what was written before the failure is intact.

This module imports nothing from the package, so every layer can use it.
"""

from __future__ import annotations

PROG = "computemarket"
"""The program's name: the command, and the prefix of every error line."""

EXIT_OK = 0
EXIT_FAILED = 1
"""A run or sweep failed, or the machine failed the command (:class:`MachineError`)."""
EXIT_BAD_INPUT = 2
"""Bad input (:class:`UserError`), the code argparse also uses for usage errors."""
EXIT_INTERRUPTED = 130
"""Ctrl-C or SIGTERM: 128 + SIGINT, the shell's convention."""


class UserError(ValueError):
    """Bad input, reported as one line with exit code 2. The message names the file, field and fix."""


class MachineError(Exception):
    """The machine failed the command (disk, permissions changed meanwhile, network): exit code 1."""


class CommandError(UserError):
    """Bad input found by a command's own checks (an option, an address, a folder)."""


def one_line(message: object) -> str:
    """A message on one line: newlines and runs of blanks become single spaces."""
    return " ".join(str(message).split())
