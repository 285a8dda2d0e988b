"""Reading labelled text from local files and from the Hugging Face hub, with clear errors.

Every problem in a user's file is reported as one line that names the file, the row and the fix,
because a traceback from deep inside pyarrow tells a user nothing about their data.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from frugalbench.errors import UserError
from frugalbench.tasks.base import Dataset

SUPPORTED_SUFFIXES = (".parquet", ".csv", ".jsonl")
HUB_TIMEOUT_ENV = "FRUGALBENCH_HUB_TIMEOUT_S"


def file_fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()[:16]


def folder_signature(root: Path) -> tuple[Any, ...]:
    """What a folder's contents are, cheaply (names, sizes, times): a reload only on change."""
    if not root.is_dir():
        return (str(root),)
    return (
        str(root.resolve()),
        *(
            (str(p), st.st_size, st.st_mtime_ns)
            for p in sorted(root.rglob("*"))
            if p.is_file() and (st := p.stat())
        ),
    )


def load_folder_cached(
    cache: dict[tuple[Any, ...], Dataset], root: Path, build: Callable[[], Dataset]
) -> Dataset:
    """The folder's dataset, decoded once while its contents stay the same: decoding a folder of
    recordings or frames takes seconds, and ``bench`` asks for it once per model. One entry."""
    key = folder_signature(root)
    if key not in cache:
        cache.clear()
        cache[key] = build()
    return cache[key]


def read_table(path: Path, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of a .parquet, .csv or .jsonl file as dicts; checks that ``columns`` exist."""
    if not path.exists():
        raise UserError(f"{path}: no such file; check the path given to --data")
    if path.is_dir():
        raise UserError(f"{path}: is a folder; --data takes a .parquet, .csv or .jsonl file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UserError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; "
            f"use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    readers: dict[str, Callable[[Path], tuple[list[str], list[dict[str, Any]]]]] = {
        ".parquet": _read_parquet,
        ".csv": _read_csv,
        ".jsonl": _read_jsonl,
    }
    header, rows = readers[suffix](path)
    if not header and not rows:
        raise UserError(
            f"{path}: the file is empty; it needs a header ({', '.join(columns)}) and data rows"
        )
    missing = [c for c in columns if c not in header]
    if missing:
        raise UserError(
            f"{path}: missing column(s) {', '.join(map(repr, missing))}; the file needs the "
            f"columns {', '.join(columns)} (found: {', '.join(header) or 'none'})"
        )
    if not rows:
        raise UserError(f"{path}: the file has no data rows")
    return rows


def _read_parquet(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise UserError(f"{path}: not a readable parquet file ({_first_line(exc)})") from None
    return list(table.column_names), table.to_pylist()


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as exc:
        raise UserError(f"{path}: malformed CSV ({exc})") from None
    return header, rows


def _read_jsonl(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    header: dict[str, None] = {}
    try:
        with path.open(encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise UserError(
                        f"{path}: line {line_no} is not valid JSON ({exc.msg}); "
                        "each line must be one JSON object"
                    ) from None
                if not isinstance(row, dict):
                    raise UserError(f"{path}: line {line_no} is not a JSON object")
                header.update(dict.fromkeys(row))
                rows.append(row)
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    return list(header), rows


def validate_text_rows(
    rows: Iterable[dict[str, Any]],
    where: str,
    labels: Sequence[str],
    text_column: str,
    label_column: str,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Texts and canonical labels; a label may be given by its full name or its number prefix."""
    by_name = {lab: lab for lab in labels}
    by_number = {lab.split("_", 1)[0]: lab for lab in labels}
    texts: list[str] = []
    out_labels: list[str] = []
    for row_no, row in enumerate(rows, start=1):
        text = row.get(text_column)
        if not isinstance(text, str):
            kind = "missing" if text is None else f"not text ({type(text).__name__})"
            raise UserError(
                f"{where}: row {row_no}: {text_column!r} is {kind}; every row needs the "
                f"{text_column} as text (fix or remove row {row_no})"
            )
        if not text.strip():
            raise UserError(
                f"{where}: row {row_no}: {text_column!r} is empty; fill it or remove row {row_no}"
            )
        raw = row.get(label_column)
        key = str(raw).strip() if raw is not None else ""
        label = by_name.get(key) or by_number.get(key)
        if label is None:
            raise UserError(
                f"{where}: row {row_no}: unknown {label_column} {raw!r}; use one of "
                f"{', '.join(labels)} (or its number)"
            )
        texts.append(text)
        out_labels.append(label)
    return tuple(texts), tuple(out_labels)


def load_text_file(
    path: Path,
    labels: Sequence[str],
    text_column: str,
    label_column: str,
    source: str | None = None,
) -> Dataset:
    rows = read_table(path, [text_column, label_column])
    texts, out_labels = validate_text_rows(rows, str(path), labels, text_column, label_column)
    given = [r.get("id") for r in rows]
    unique = all(i is not None for i in given) and len(set(map(str, given))) == len(given)
    ids = (
        tuple(str(i) for i in given)
        if unique
        else tuple(f"row{n}" for n in range(1, len(rows) + 1))
    )
    return Dataset(
        inputs=texts,
        labels=out_labels,
        source=source or str(path),
        fingerprint=file_fingerprint(path),
        ids=ids,
    )


def load_hub_rows(
    dataset_id: str,
    split: str,
    columns: Sequence[str],
    timeout_s: float | None = None,
    prepare: Callable[[Any], Any] | None = None,
) -> list[dict[str, Any]]:
    """Rows of a hub dataset split, through ``datasets``; fails with a clear message when offline.

    ``prepare`` adjusts the loaded ``datasets.Dataset`` first (e.g. audio columns left undecoded,
    so that frugalbench decodes them itself with its own checks).

    ``datasets`` retries an unreachable hub for about 25 s; a deadline (default 60 s,
    ``FRUGALBENCH_HUB_TIMEOUT_S``) bounds the whole load so that a dead network never hangs a run.
    """
    try:
        import datasets
    except ImportError:
        raise UserError(
            "reading from the Hugging Face hub needs the 'datasets' package: "
            "pip install 'frugalbench[hub]'"
        ) from None
    timeout = timeout_s if timeout_s is not None else float(os.environ.get(HUB_TIMEOUT_ENV, "60"))
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["data"] = datasets.load_dataset(dataset_id, split=split)
        except BaseException as exc:  # reported to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="hub-load")
    thread.start()
    thread.join(timeout)
    offline_hint = (
        "if this machine is offline, pass --data FILE with a local copy (.parquet, .csv, .jsonl) "
        "or leave --data out to use the bundled training split"
    )
    if thread.is_alive():
        raise UserError(
            f"the Hugging Face hub did not deliver {dataset_id} (split {split!r}) within "
            f"{timeout:g} s; {offline_hint}"
        )
    if "error" in outcome:
        exc = outcome["error"]
        if isinstance(exc, ValueError) and "split" in str(exc).lower():
            raise UserError(f"{dataset_id} has no split {split!r} ({_first_line(exc)})") from None
        raise UserError(
            f"could not load {dataset_id} (split {split!r}) from the Hugging Face hub "
            f"({type(exc).__name__}: {_first_line(exc)}); {offline_hint}"
        ) from None
    data = outcome["data"]
    missing = [c for c in columns if c not in data.column_names]
    if missing:
        raise UserError(f"{dataset_id}: missing column(s) {', '.join(missing)} on the hub")
    if prepare is not None:
        data = prepare(data)
    rows: list[dict[str, Any]] = data.select_columns(list(columns)).to_list()
    return rows


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
