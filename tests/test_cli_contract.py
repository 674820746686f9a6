"""The command-line contract a batch script relies on (SPEC 5), command by command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _python_m(
    *args: str | Path, stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    """`python -m starcommunity ...` as a script runs it: stdin and stdout not a terminal."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "starcommunity", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        timeout=120,
        check=False,
    )


def _reader_gone() -> int:
    """The write end of a pipe whose reader has already gone (`| head -c 10` done)."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_a_reader_that_goes_away_does_not_change_the_outcome(root_2008_only: Path) -> None:
    """draw-reps writes its files, then prints: with the reader gone (`| head`) the run
    still ends as it would have, with its messages on stderr and exit 0, not a silent 1."""
    write = _reader_gone()
    try:
        result = _python_m(
            "draw-reps",
            "--root",
            root_2008_only,
            "--year",
            "2008",
            "--seed",
            "S",
            "--force",
            stdout=write,
        )
    finally:
        os.close(write)
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "Drew 270 representatives" in stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert '"seed": "S"' in (root_2008_only / "2008" / "reps.draw.json").read_text(encoding="utf-8")
