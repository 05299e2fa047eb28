"""The ``computemarket`` program: ``python -m computemarket`` and the installed script.

This module imports nothing heavy before its ``try``: a Ctrl-C while the command line is still
being imported exits 130 with one line, like a Ctrl-C at any later moment, and after the command
a second Ctrl-C ends the process at once, quietly, instead of interrupting its shutdown.
"""

import sys  # only this before the ``try`` below: see the docstring


def main() -> int:
    """Run :func:`computemarket.cli.main` on ``sys.argv`` and return its exit code."""
    try:
        from computemarket.cli import main as cli_main

        code = cli_main()
    except KeyboardInterrupt:  # while the command line was being imported
        try:  # noqa: SIM105 - no contextlib import before the try above
            print("computemarket: interrupted", file=sys.stderr)
        except (OSError, ValueError):
            pass
        code = 130
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a Ctrl-C during shutdown: quiet
    return code


if __name__ == "__main__":
    sys.exit(main())
