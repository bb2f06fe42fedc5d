"""A training job's examples: read a file (JSONL or CSV) into columns and rows within limits,
keep them as LORALAND_TRAINING_DIR/<job id>/rows.jsonl, read them back, split them.

Every refusal names the row (1 is the first example; a CSV's header is row 0) and, where it
is one column's fault, the column, so a person can fix the file. Below both the service that
stores a file and the task that trains on it.
"""

import csv
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class DatasetLimits:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_cell_chars: int

    @classmethod
    def from_settings(cls) -> "DatasetLimits":
        return cls(
            max_bytes=settings.LORALAND_TRAIN_MAX_BYTES,
            max_rows=settings.LORALAND_TRAIN_MAX_ROWS,
            max_columns=settings.LORALAND_TRAIN_MAX_COLUMNS,
            max_cell_chars=settings.LORALAND_TRAIN_MAX_CELL_CHARS,
        )


@dataclass(frozen=True)
class Dataset:
    columns: list[str]
    rows: list[dict[str, str]]  # every row has every column, as text


class DatasetError(Exception):
    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where).capitalize()}: {message}" if where else message)
        self.row, self.column = row, column


def read_dataset(name: str, data: bytes, limits: DatasetLimits) -> Dataset:
    """`name` tells the format: .jsonl (one JSON object a line) or .csv (a header row)."""
    if len(data) > limits.max_bytes:
        raise DatasetError(f"The file is {len(data):,} bytes; the limit is {limits.max_bytes:,}.")
    try:
        text = data.decode("utf-8-sig")  # a BOM, as spreadsheets write, is not part of the data
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DatasetError(f"Line {line} is not UTF-8 (byte {exc.start:,}).") from None
    suffix = name.lower().rpartition(".")[2]
    if suffix == "jsonl":
        columns, rows = read_jsonl(text, limits)
    elif suffix == "csv":
        columns, rows = read_csv(text, limits)
    else:
        raise DatasetError("Upload a .jsonl or a .csv file.")
    if not rows:
        raise DatasetError("The file holds no examples.")
    for number, row in enumerate(rows, start=1):
        for column in columns:
            if len(row[column]) > limits.max_cell_chars:
                raise DatasetError(
                    f"{len(row[column]):,} characters; the limit is {limits.max_cell_chars:,}.",
                    number,
                    column,
                )
    return Dataset(columns, rows)


def check_columns(columns: list[str], limits: DatasetLimits, row: int) -> None:
    if len(columns) > limits.max_columns:
        raise DatasetError(f"{len(columns)} columns; the limit is {limits.max_columns}.", row)
    seen = set()
    for column in columns:
        if not column.strip():
            raise DatasetError("A column has no name.", row)
        if not column.isidentifier():
            raise DatasetError(
                "A column name must be letters, digits and '_' (it becomes a {field} of the "
                "prompt template).",
                row,
                column,
            )
        if column in seen:
            raise DatasetError("This column name appears twice.", row, column)
        seen.add(column)


def check_row_count(count: int, limits: DatasetLimits) -> None:
    if count > limits.max_rows:
        raise DatasetError(f"More than {limits.max_rows:,} examples.")


def read_csv(text: str, limits: DatasetLimits) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise DatasetError("The file is empty.")
        header = [name.strip() for name in header]
        check_columns(header, limits, 0)
        rows = []
        for number, values in enumerate(reader, start=1):
            if not values:
                continue  # a blank line
            if len(values) != len(header):
                raise DatasetError(f"{len(values)} values for {len(header)} columns.", number)
            rows.append(dict(zip(header, values, strict=True)))
            check_row_count(len(rows), limits)
    except csv.Error as exc:
        raise DatasetError(f"Not valid CSV: {exc}.", reader.line_num) from None
    return header, rows


def read_jsonl(text: str, limits: DatasetLimits) -> tuple[list[str], list[dict[str, str]]]:
    columns: list[str] | None = None
    rows = []
    for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        try:
            value = json.loads(line, object_pairs_hook=refuse_duplicate_keys)
        except DuplicateKey as exc:
            raise DatasetError("This key appears twice.", number, exc.key) from None
        except json.JSONDecodeError as exc:
            raise DatasetError(f"Not JSON: {exc.msg} (character {exc.pos + 1}).", number) from None
        if not isinstance(value, dict):
            raise DatasetError("Each line must be one JSON object.", number)
        if columns is None:
            columns = list(value)
            check_columns(columns, limits, number)
        elif set(value) != set(columns):
            missing = [c for c in columns if c not in value]
            extra = [c for c in value if c not in columns]
            if missing:
                raise DatasetError("Missing; the first row has it.", number, missing[0])
            raise DatasetError("Not a column of the first row.", number, extra[0])
        rows.append({column: cell_text(value[column], number, column) for column in columns})
        check_row_count(len(rows), limits)
    return columns or [], rows


def cell_text(value, row: int, column: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)  # true, false, null: as written
    if isinstance(value, int | float):
        return str(value)
    raise DatasetError("Must be text or a number, not a list or an object.", row, column)


class DuplicateKey(Exception):
    def __init__(self, key: str):
        self.key = key


def refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


# --- the stored rows ---------------------------------------------------------------------------
MIN_TEST_EXAMPLES = 20


def job_dir(job_id) -> Path:
    return Path(settings.LORALAND_TRAINING_DIR) / str(job_id)


def write_rows(job_id, rows: list[dict[str, str]]) -> None:
    path = job_dir(job_id) / "rows.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_rows(job_id, limit: int | None = None) -> list[dict[str, str]]:
    rows = []
    with (job_dir(job_id) / "rows.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            rows.append(json.loads(line))
            if limit is not None and len(rows) >= limit:
                break
    return rows


def split_sizes(rows: int, test_share: float) -> tuple[int, int]:
    """(train, test) example counts for a share, at least MIN_TEST_EXAMPLES in the test."""
    test = max(MIN_TEST_EXAMPLES, round(rows * test_share))
    return rows - test, test


def split_rows(rows: list, test_share: float, seed: int) -> tuple[list, list]:
    """The same seeded split every time: (train, test)."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    _, test = split_sizes(len(rows), test_share)
    test_ids = set(order[:test])
    return (
        [row for i, row in enumerate(rows) if i not in test_ids],
        [row for i, row in enumerate(rows) if i in test_ids],
    )
