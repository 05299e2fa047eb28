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

import signal

PROG = "computemarket"
"""The program's name: the command, and the prefix of every error line."""

EXIT_OK = 0
EXIT_FAILED = 1
"""A run or sweep failed, or the machine failed the command (:class:`MachineError`)."""
EXIT_BAD_INPUT = 2
"""Bad input (:class:`UserError`), the code argparse also uses for usage errors."""
EXIT_INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, the shell's convention (SIGTERM gives 128 + 15 = 143)."""
EXIT_BROKEN_PIPE = 141
"""The reader of stdout went away (``computemarket ... | head``): 128 + SIGPIPE, quietly."""


class UserError(ValueError):
    """Bad input, reported as one line with exit code 2. The message names the file, field and fix."""


class MachineError(Exception):
    """The machine failed the command (disk, permissions changed meanwhile, network): exit code 1."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a batch scheduler's stop), raised like Ctrl-C so that the same clean-up runs.

    A command exits with ``128 + signum`` (143) instead of Ctrl-C's 130.
    """

    signum = signal.SIGTERM


def interrupt_exit_code(interrupt: BaseException) -> int:
    """The exit code after ``KeyboardInterrupt`` (130) or :class:`Terminated` (143)."""
    return 128 + int(getattr(interrupt, "signum", signal.SIGINT))


class CommandError(UserError):
    """Bad input found by a command's own checks (an option, an address, a folder)."""


def one_line(message: object) -> str:
    """A message on one line: newlines and runs of blanks become single spaces."""
    return " ".join(str(message).split())
