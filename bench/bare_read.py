"""The floor: a bare pandas read of every input file of a year folder, nothing else.

    python bench/bare_read.py YEAR_FOLDER

CSV files go through pd.read_csv (encoding tried as UTF-8 with BOM, then GB18030, the
header row found by scanning the first lines so score columns are read as numbers);
workbooks through pd.read_excel(sheet_name=None, engine="calamine"). No checks, no
normalisation: what any tool reading these files has to pay at least.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

HEADER_WORDS = ("社区编号", "community_id", "指标编号", "item_id")


def read_csv(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "gb18030"
    head = data[:4096].decode(encoding, errors="replace").splitlines()
    skip = next((i for i, line in enumerate(head) if line.startswith(HEADER_WORDS)), 0)
    return pd.read_csv(path, encoding=encoding, skiprows=skip)


def main(folder: Path) -> int:
    started = time.perf_counter()
    rows = 0
    for path in sorted(folder.rglob("*")):
        suffix = path.suffix.lower()
        if suffix == ".csv":
            rows += len(read_csv(path))
        elif suffix == ".xlsx":
            sheets = pd.read_excel(path, sheet_name=None, engine="calamine", header=None)
            rows += sum(len(sheet) for sheet in sheets.values())
    print(f"{rows} rows in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
