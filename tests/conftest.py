"""Shared fixtures: a private copy of the bundled samples, and a CLI runner."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
REPO = SAMPLES.parent


def bench_generator() -> Any:
    """bench/generate.py (a script, not a package), loaded by path."""
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_generate", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of samples/ (2008 and 2009) that a test may change freely."""
    target = tmp_path / "root"
    shutil.copytree(SAMPLES, target, ignore=shutil.ignore_patterns("README.md"))
    return target


@pytest.fixture
def year(root: Path) -> Path:
    return root / "2008"


@pytest.fixture
def root_2008_only(tmp_path: Path) -> Path:
    """tmp_path itself as the root, holding a copy of samples/2008 alone."""
    shutil.copytree(SAMPLES / "2008", tmp_path / "2008")
    return tmp_path


def run(*args: str | Path) -> Any:
    """The CLI in-process; an exception is caught into the result, as a user's run would."""
    from starcommunity.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def folder_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below a folder, to prove a command changed nothing."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str | Path) -> Any:
        from starcommunity.cli import app

        return self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    def json(self, *args: str | Path) -> tuple[int, Any]:
        result = self(*args, "--format", "json")
        return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()
