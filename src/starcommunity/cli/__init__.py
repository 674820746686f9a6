"""The `starcommunity` command: a thin Typer layer over the library.

Commands live in their own modules of this package and register on `app`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from typing import Annotated, Any, TextIO

import typer

from starcommunity import __version__

app = typer.Typer(
    name="starcommunity",
    help=(
        "Run a star-rated harmonious community evaluation (星级和谐社区评估): draw the "
        "resident representatives, check the score sheets, score, rank and assign stars.\n\n"
        "Example: starcommunity validate --root samples --year 2008"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DEBUG_ENV = "STARCOMMUNITY_DEBUG"


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"starcommunity {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback of an unexpected failure.")
    ] = False,
) -> None:
    if debug:
        os.environ[DEBUG_ENV] = "1"


# Registering the commands imports only typer-level code; each command imports
# pandas and friends inside its body.
from starcommunity.cli import draw_cmd, forms_cmd, score_cmd, validate_cmd  # noqa: E402, F401


def _interrupted(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt (Ctrl-C) is what led to this exception."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain:  # a chain can loop back on itself
        if isinstance(link, KeyboardInterrupt):
            return True
        chain.append(link)
        link = link.__cause__ or link.__context__
    return False


class ReaderSafeStdout:
    """stdout that outlives its reader.

    When the reader of a pipe goes away (`| head -c 10`), what is still written goes
    nowhere and the command runs to its end: the files it writes are written, its
    messages still reach stderr and its exit code is its own (0, 1 or 2), not the 1
    that rich's console would exit with at the first write that fails.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._gone()
        return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()  # after the reader left, into the null device
        except BrokenPipeError:
            self._gone()
            with contextlib.suppress(OSError, ValueError):
                self._stream.flush()

    def _gone(self) -> None:
        self.reader_gone = True
        # what is left in the buffer, and Python's flush at exit, go to the null device
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main() -> None:
    """Entry point: no traceback ever reaches a user unless --debug asks for it."""
    # A console or file in GBK cannot hold every character of a name (🎉): such a
    # character is written as '?' rather than stopping the run.
    reconfigure = getattr(sys.stdout, "reconfigure", None)  # absent on a replaced stdout
    if reconfigure is not None:
        with contextlib.suppress(ValueError):
            reconfigure(errors="replace")
    if not isinstance(sys.stdout, ReaderSafeStdout):
        sys.stdout = ReaderSafeStdout(sys.stdout)  # type: ignore[assignment]
    if not sys.stdout.isatty():
        # Rich help costs about 80 ms of imports; scripts and pipes get plain help text,
        # wide enough that no example command is broken across two lines
        app.rich_markup_mode = None
        app.info.context_settings = {**app.info.context_settings, "terminal_width": 132}
    if not (os.environ.get(DEBUG_ENV) or "--debug" in sys.argv):
        # A library's warning (pandas, openpyxl) is for developers, not for a clerk;
        # every problem with the data is in the report.
        warnings.simplefilter("ignore")
    try:
        app(standalone_mode=True)
    except SystemExit as exc:
        # Typer turns Ctrl-C into a silent exit 130: say why the run stopped
        if _interrupted(exc):
            sys.stderr.write("Interrupted.\n")
        raise
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        raise SystemExit(130) from None
    except BrokenPipeError:
        # The reader of stdout went away (`| head`) in a write ReaderSafeStdout did not
        # see: stop quietly, as other tools do.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(EXIT_INTERNAL) from None
    except BaseException as exc:  # the last line of defence; Rust panics are BaseExceptions
        if os.environ.get(DEBUG_ENV) or "--debug" in sys.argv:
            raise
        if isinstance(exc, OSError):
            # The file system said no (a folder where a file should be, a full disk, a
            # file locked by Excel): the user can act on that; it is not a bug.
            # os.replace(temporary, target) names the target second
            name = exc.filename2 or exc.filename
            where = f"{name}: " if name else ""
            sys.stderr.write(f"Error: {where}{_one_line(exc.strerror or str(exc))}\n")
            raise SystemExit(EXIT_INTERNAL) from None
        sys.stderr.write(
            f"Unexpected error: {type(exc).__name__}: {_one_line(str(exc))}\n"
            "This is a bug in starcommunity. Run again with --debug and send the output "
            "to the developers.\n"
        )
        raise SystemExit(EXIT_INTERNAL) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


# The contract knows 0, 1 and 2; an unexpected failure is reported as "not done" (1).
EXIT_INTERNAL = 1
