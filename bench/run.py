"""Benchmark: time `validate` and `rank` on synthetic years, against two references.

    python bench/run.py                # district and the three cities (`make bench`)
    python bench/run.py --nation       # ... and the nation (100,000 communities, slow)
    BENCH_NATION=1 make bench          # the same through make

For each size, bench/generate.py writes a year folder under bench/data/ (kept between
runs; regenerated when the generator changes). Each command runs as a subprocess; its
wall time is taken, and its peak memory with that of the child it forks (run()). On the
same inputs it also times:

- the floor: bench/bare_read.py, a bare pandas read of every input file;
- `frictionless validate` of the score sheets with an equivalent Table Schema (types,
  required cells, 0..max_points, the rater group vocabulary, one row per community,
  group and rater as primary key), written as bench/data/<size>/datapackage.json.

Figures are merged into bench/results.json (so a run without --nation keeps the last
nation figures) and rendered into bench/RESULTS.md between the markers there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
RESULTS_JSON = BENCH / "results.json"
RESULTS_MD = BENCH / "RESULTS.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
BIN = Path(sys.executable).parent
YEAR = "2008"


@dataclass(frozen=True)
class Size:
    name: str
    communities: int
    fmt: str
    repeats: int
    frictionless: bool  # run frictionless on it by default
    timeout: float = 1800.0
    area_size: int | None = None  # communities per area, so per set of sheet files
    roster_size: int | None = None  # residents per community (generate.py: 60)


SIZES = [
    Size("district", 30, "mixed", 5, True),
    # frictionless reads each of the city's 1,500 sheets by loading its whole workbook
    # with openpyxl (150 sheets each): hours. Opt in with --frictionless-on city.
    Size("city", 1_500, "mixed", 3, False, timeout=900.0),
    Size("city-csv", 1_500, "csv", 3, True),
    # as some offices keep it: three small CSV files per community (4,500 sheet files)
    Size("city-files", 1_500, "csv", 3, True, area_size=1),
    # a roster of 1,000 residents per community (1.5 million rows, 104 MB); the sheets
    # are city-csv's, so frictionless would time the same thing again
    Size("city-roster", 1_500, "csv", 3, False, roster_size=1_000),
    Size("nation", 100_000, "csv", 1, False),
]


@dataclass
class Run:
    seconds: float
    peak_mb: float
    exit_code: int


def _tree_rss_kb(pid: int) -> int:
    """Resident KB of a process and all its descendants, summed (shared pages twice)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # gone, or not Linux
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        pending.extend(int(child) for child in children)
    return total


def run(command: list[str], timeout: float, stdout_path: Path | None = None) -> Run:
    """Run one command; wall time, and peak memory of it and the child it may fork.

    os.wait4 gives the peak of the largest single process; the tool forks a child to
    read on the second core, so the resident sizes of the whole tree are also sampled
    every 10 ms and summed (pages the two share are counted twice: an upper bound).
    The figure is the larger of the two.
    """
    out = stdout_path.open("wb") if stdout_path else subprocess.DEVNULL
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env)
    deadline = started + timeout
    tree_peak_kb = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = -9
            return Run(float("inf"), max(usage.ru_maxrss, tree_peak_kb) / 1024, -9)
        tree_peak_kb = max(tree_peak_kb, _tree_rss_kb(process.pid))
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if stdout_path:
        out.close()  # type: ignore[union-attr]
    return Run(seconds, max(usage.ru_maxrss, tree_peak_kb) / 1024, process.returncode)


def median_run(command: list[str], repeats: int, timeout: float) -> Run:
    runs = [run(command, timeout) for _ in range(repeats)]
    return Run(
        statistics.median(r.seconds for r in runs),
        max(r.peak_mb for r in runs),
        max(r.exit_code for r in runs),
    )


def generator_stamp(size: Size) -> str:
    digest = hashlib.sha256()
    for path in (BENCH / "generate.py", REPO / "tools" / "make_samples.py"):
        digest.update(path.read_bytes())
    digest.update(f"{size.communities}|{size.fmt}|{size.area_size}".encode())
    if size.roster_size:
        digest.update(f"|{size.roster_size}".encode())
    return digest.hexdigest()[:16]


def describe(size: Size) -> str:
    """The input column of the table: the format, and what differs from the others."""
    if size.area_size == 1:
        return f"{size.fmt}, a file per community"
    if size.roster_size:
        return f"{size.fmt}, {size.roster_size:,} residents per community"
    return size.fmt


def ensure_data(size: Size) -> Path:
    root = DATA / size.name
    stamp = root / "stamp"
    if stamp.is_file() and stamp.read_text() == generator_stamp(size):
        return root
    shutil.rmtree(root, ignore_errors=True)
    print(f"  generating {size.name} ({size.communities} communities, {size.fmt}) ...")
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "generate.py"),
            "--communities",
            str(size.communities),
            "--format",
            size.fmt,
            "--out",
            str(root),
            *(["--area-size", str(size.area_size)] if size.area_size else []),
            *(["--roster-size", str(size.roster_size)] if size.roster_size else []),
        ],
        check=True,
    )
    stamp.write_text(generator_stamp(size))
    return root


def sheets_only_year(root: Path, size: Size) -> Path:
    """DATA/<size>-no-roster/2008: links to every file of the year but roster.csv."""
    other = DATA / f"{size.name}-no-roster"
    shutil.rmtree(other, ignore_errors=True)
    (other / YEAR).mkdir(parents=True)
    for path in (root / YEAR).iterdir():
        if path.name != "roster.csv":
            (other / YEAR / path.name).symlink_to(path)
    return other


def input_stats(folder: Path) -> dict[str, object]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    sheets = [p for p in (folder / "sheets").iterdir() if p.is_file()]
    rows = 0
    for path in sheets:
        if path.suffix == ".csv":
            with path.open("rb") as handle:
                rows += sum(1 for _ in handle)
    return {
        "files": len(files),
        "megabytes": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "sheet_files": len(sheets),
        "csv_sheet_lines": rows,
    }


# --------------------------------------------------------------------- frictionless


def frictionless_package(folder: Path, out: Path) -> Path:
    """datapackage.json describing every score sheet with a Table Schema like ours."""
    sys.path.insert(0, str(BENCH))
    import generate  # bench/ is not a package: found through sys.path
    from python_calamine import CalamineWorkbook

    groups = ["居民代表", "办事处", "区农委", "committee", "office", "residents"]
    items = generate.ITEMS

    def schema(meta: list[str], item_headers: list[str], date_format: str) -> dict:
        fields = [
            {"name": meta[0], "type": "string", "constraints": {"required": True}},
            {
                "name": meta[1],
                "type": "string",
                "constraints": {"required": True, "enum": groups},
            },
            {"name": meta[2], "type": "string", "constraints": {"required": True}},
            {"name": meta[3], "type": "string"},
            {"name": meta[4], "type": "date", "format": date_format},
        ]
        for header, item in zip(item_headers, items, strict=True):
            fields.append(
                {
                    "name": header,
                    "type": "number",
                    "constraints": {"required": True, "minimum": 0, "maximum": item.max_points},
                }
            )
        return {"fields": fields, "primaryKey": meta[:3]}

    names = [i.name for i in items]
    ids = [i.item_id for i in items]
    resources = []
    for path in sorted((folder / "sheets").iterdir()):
        relative = str(path.relative_to(out))
        stem = path.stem
        name = f"r{len(resources)}"
        if stem.startswith("residents"):
            resources.append(
                {
                    "name": name,
                    "path": relative,
                    "encoding": "utf-8-sig",
                    "dialect": {"headerRows": [2]},
                    "schema": schema(generate.META_ZH, names, "%Y/%m/%d"),
                }
            )
        elif stem.startswith("office"):
            resources.append(
                {
                    "name": name,
                    "path": relative,
                    "encoding": "gbk",
                    "schema": schema(generate.META_ZH, ids, "default"),
                }
            )
        elif stem.startswith("committee"):
            resources.append(
                {
                    "name": name,
                    "path": relative,
                    "encoding": "utf-8",
                    "dialect": {"headerRows": [2]},
                    "schema": schema(generate.META_EN, ids, "default"),
                }
            )
        elif path.suffix == ".xlsx":
            residents = stem.startswith("居民代表")
            workbook = CalamineWorkbook.from_path(str(path))
            for sheet in workbook.sheet_names:
                resources.append(
                    {
                        "name": f"r{len(resources)}",
                        "path": relative,
                        "format": "xlsx",
                        "dialect": {"headerRows": [2], "excel": {"sheet": sheet}},
                        "schema": schema(
                            generate.META_ZH if residents else generate.META_EN,
                            names if residents else ids,
                            "default",
                        ),
                    }
                )
            workbook.close()
    package = out / "datapackage.json"
    package.write_text(
        json.dumps({"name": "scores", "resources": resources}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return package


# --------------------------------------------------------------------------- the run


def has_rank() -> bool:
    done = subprocess.run(
        [str(BIN / "starcommunity"), "rank", "--help"], capture_output=True, check=False
    )
    return done.returncode == 0


TINY = Size("tiny", 1, "csv", 1, False)


def startup() -> dict[str, float]:
    """Medians of 15, interleaved: `import pandas` against `--help` and `--version`; and
    each validator's start-up: our `validate` of a one-community year, frictionless on
    a two-line CSV (what a run costs before any real data)."""
    tiny = ensure_data(TINY)
    cli = str(BIN / "starcommunity")
    commands = {
        "import_pandas": [sys.executable, "-c", "import pandas"],
        "help": [str(BIN / "starcommunity"), "--help"],
        "version": [str(BIN / "starcommunity"), "--version"],
        "validate_tiny": [cli, "validate", "--root", str(tiny), "--year", YEAR, "--format", "json"],
    }
    if (BIN / "frictionless").exists():
        tiny_csv = DATA / "tiny.csv"
        tiny_csv.write_text("a,b\n1,2\n")
        commands["frictionless_tiny"] = [str(BIN / "frictionless"), "validate", str(tiny_csv)]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(15):  # interleaved, so a busy moment of the machine hits all three
        for name, command in commands.items():
            times[name].append(run(command, 60).seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def bench_size(size: Size, rank: bool, frictionless: bool) -> dict[str, object]:
    root = ensure_data(size)
    folder = root / YEAR
    cli = str(BIN / "starcommunity")
    common = ["--root", str(root), "--year", YEAR, "--format", "json"]
    timeout = size.timeout
    result: dict[str, object] = {
        "communities": size.communities,
        "format": describe(size),
        "measured": dt.datetime.now().isoformat(timespec="minutes"),
        **input_stats(folder),
    }
    steps: dict[str, list[str]] = {
        "bare_read": [sys.executable, str(BENCH / "bare_read.py"), str(folder)],
        "validate": [cli, "validate", *common],
    }
    if rank:
        steps["rank"] = [cli, "rank", *common]
    if frictionless:
        package = frictionless_package(folder, root)
        steps["frictionless"] = [str(BIN / "frictionless"), "validate", str(package)]
        # frictionless sees the score sheets only; the fairest match for it is our
        # validate on the same year without roster.csv (reps, communities and criteria
        # stay: the sheets' cross-file checks need them).
        sheets_only = sheets_only_year(root, size)
        steps["validate_no_roster"] = [
            cli,
            "validate",
            "--root",
            str(sheets_only),
            "--year",
            YEAR,
            "--format",
            "json",
        ]
    for step, command in steps.items():
        repeats = 1 if step == "frictionless" else size.repeats
        print(f"  {size.name}: {step} x{repeats} ...", flush=True)
        outcome = median_run(command, repeats, timeout)
        result[step] = {
            "seconds": round(outcome.seconds, 3),
            "peak_mb": round(outcome.peak_mb),
            "exit": outcome.exit_code,
        }
        print(f"    {outcome.seconds:.2f} s, {outcome.peak_mb:.0f} MB, exit {outcome.exit_code}")
    return result


def machine() -> dict[str, object]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(kb / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pandas": version("pandas"),
        "numpy": version("numpy"),
        "python-calamine": version("python-calamine"),
        "frictionless": version("frictionless"),
        "starcommunity": version("starcommunity"),
    }


# ------------------------------------------------------------------------ reporting


def _s(step: dict | None) -> str:
    if not step:
        return "-"
    seconds = step["seconds"]
    text = "timeout" if seconds == float("inf") else f"{seconds:.2f} s"
    return text if step["exit"] in (0, 1) else f"{text} (exit {step['exit']})"


def _mb(step: dict | None) -> str:
    return "-" if not step else f"{step['peak_mb']:,} MB"


def render(results: dict) -> str:
    lines = []
    m = results.get("machine", {})
    lines += [
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gib')} GiB; "
        f"{m.get('os')}; Python {m.get('python')}, pandas {m.get('pandas')}, numpy "
        f"{m.get('numpy')}, python-calamine {m.get('python-calamine')}, frictionless "
        f"{m.get('frictionless')}.",
        "",
        "| size | communities | input | bare pandas read | validate | rank | "
        "validate without roster | frictionless validate (score sheets) | "
        "peak RSS validate / rank | measured |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in SIZES:
        r = results.get("sizes", {}).get(size.name)
        if not r:
            continue
        lines.append(
            f"| {size.name} | {r['communities']:,} | {r['format']}, {r['files']} files, "
            f"{r['megabytes']} MB | {_s(r.get('bare_read'))} | {_s(r.get('validate'))} | "
            f"{_s(r.get('rank'))} | {_s(r.get('validate_no_roster'))} | "
            f"{_s(r.get('frictionless'))} | "
            f"{_mb(r.get('validate'))} / {_mb(r.get('rank'))} | {r['measured']} |"
        )
    lines += ["", "Targets (computed from the table):", ""]
    lines += [f"- {line}" for line in targets(results)]
    s = results.get("startup")
    if s:
        lines += [
            "",
            f"Start-up (median of 15): `import pandas` {s['import_pandas']:.3f} s, "
            f"`starcommunity --help` {s['help']:.3f} s "
            f"({s['help'] / s['import_pandas']:.2f}x), `--version` {s['version']:.3f} s "
            f"({s['version'] / s['import_pandas']:.2f}x).",
        ]
        if "validate_tiny" in s and "frictionless_tiny" in s:
            lines += [
                "",
                f"Each validator's start-up (median of 15): `starcommunity validate` of a "
                f"one-community year {s['validate_tiny']:.3f} s, `frictionless validate` of "
                f"a two-line CSV {s['frictionless_tiny']:.3f} s.",
            ]
    return "\n".join(lines)


def targets(results: dict) -> list[str]:
    sizes = results.get("sizes", {})
    out = []

    def seconds(name: str, step: str) -> float | None:
        value = sizes.get(name, {}).get(step)
        return None if not value else value["seconds"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    for step in ("validate", "rank"):
        t = seconds("district", step)
        if t is not None:
            out.append(f"district `{step}` under 1 s: {t:.2f} s, {verdict(t < 1)}")
    for name in ("city", "city-csv", "city-files", "city-roster"):
        rank, bare = seconds(name, "rank"), seconds(name, "bare_read")
        if rank is not None and bare:
            out.append(
                f"{name} `rank` at most 2x the bare read: {rank:.2f} s / {bare:.2f} s = "
                f"{rank / bare:.2f}x, {verdict(rank <= 2 * bare)}"
            )
    s = results.get("startup") or {}
    for name in ("district", "city", "city-csv", "city-files", "nation"):
        theirs = seconds(name, "frictionless")
        for step, what in (("validate", "whole year"), ("validate_no_roster", "no roster")):
            ours = seconds(name, step)
            if ours and theirs:
                shown = "timeout" if theirs == float("inf") else f"{theirs:.2f} s"
                line = (
                    f"{name} `validate` ({what}) 10x faster than frictionless on the score "
                    f"sheets: {ours:.2f} s vs {shown} = {theirs / ours:.1f}x, "
                    f"{verdict(theirs >= 10 * ours)}"
                )
                if "validate_tiny" in s and "frictionless_tiny" in s:
                    # each tool's start-up taken off: the work on the data alone; below
                    # 0.2 s of our own work the difference is within the noise
                    net_ours = ours - s["validate_tiny"]
                    net_theirs = theirs - s["frictionless_tiny"]
                    if net_ours >= 0.2:
                        line += f" (net of each one's start-up: {net_theirs / net_ours:.1f}x)"
                    else:
                        line += (
                            f" (our work after start-up, {max(net_ours, 0):.2f} s, is within"
                            " the noise: start-up bound)"
                        )
                out.append(line)
    if "help" in s:
        ratio = s["help"] / s["import_pandas"]
        out.append(
            f"`starcommunity --help` under 0.3x `import pandas`: {s['help']:.3f} s / "
            f"{s['import_pandas']:.3f} s = {ratio:.2f}x, {verdict(ratio < 0.3)}"
        )
    nation = sizes.get("nation")
    if nation and nation.get("validate"):
        total = nation["validate"]["seconds"] + (nation.get("rank") or {}).get("seconds", 0)
        peak = max(nation["validate"]["peak_mb"], (nation.get("rank") or {}).get("peak_mb", 0))
        out.append(
            f"nation `validate` + `rank` under 120 s: {total:.1f} s, {verdict(total < 120)}; "
            f"peak under 6 GB: {peak / 1024:.2f} GB, {verdict(peak < 6 * 1024)}"
        )
    return out


def write_results(results: dict) -> None:
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    block = f"{BEGIN}\n{render(results)}\n{END}"
    if RESULTS_MD.is_file():
        text = RESULTS_MD.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            text = head + block + rest.split(END, 1)[1]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    else:
        text = f"# Benchmark results\n\n{block}\n"
    RESULTS_MD.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--nation",
        action="store_true",
        default=os.environ.get("BENCH_NATION") == "1",
        help="also the nation size (100,000 communities; generating and running take minutes)",
    )
    parser.add_argument("--only", nargs="*", help="size names to run (default: all chosen)")
    parser.add_argument(
        "--frictionless-on",
        nargs="*",
        default=[],
        metavar="SIZE",
        help="also run frictionless on these sizes (city: hours; nation: several minutes)",
    )
    parser.add_argument("--no-frictionless", action="store_true")
    args = parser.parse_args(argv)
    # Timed as an installed tool runs: from bytecode (pip compiles what it installs; this
    # machine sets PYTHONDONTWRITEBYTECODE=1, so src/ would be compiled on every run).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True)
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.is_file() else {}
    results["machine"] = machine()
    rank = has_rank()
    if not rank:
        print("`starcommunity rank` is not there yet: timing validate only.")
    chosen = [s for s in SIZES if s.name != "nation" or args.nation]
    if args.only:
        chosen = [s for s in SIZES if s.name in args.only]
    print("start-up ...", flush=True)
    results["startup"] = startup()
    for size in chosen:
        print(f"{size.name}:", flush=True)
        friction = not args.no_frictionless and (
            size.frictionless or size.name in args.frictionless_on
        )
        if friction and not (BIN / "frictionless").exists():
            print("  frictionless is not installed (pip install -e '.[bench]'): skipped")
            friction = False
        results.setdefault("sizes", {})[size.name] = bench_size(size, rank, friction)
        write_results(results)
    write_results(results)
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
