"""Parsers from raw files to interaction DataFrames.

Every parser returns a new DataFrame with columns ``user_id`` and ``item_id``
(original ids: ``int64`` or the pandas string dtype, never float), plus
``rating`` (``float64``) and ``timestamp`` (``int64``) where the file has them.
Item-name parsers return ``item_id`` and ``item_name`` (string).

Errors are :class:`~icmt_pipeline.errors.DataError` naming the file, the line
(text files: 1-based, counting a header as line 1) or row (Parquet: 1-based)
and the column, and what was expected.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from icmt_pipeline.data.config import ColumnMap
from icmt_pipeline.errors import DataError

logger = logging.getLogger(__name__)

# Text a CSV export writes for a missing value; such ids count as missing.
MISSING_ID_TEXT: frozenset[str] = frozenset(
    {"", "nan", "NaN", "NAN", "NA", "N/A", "<NA>", "null", "NULL", "None"}
)
_PLAIN_INT = r"0|-?[1-9][0-9]{0,17}"
_ANY_INT = r"[+-]?[0-9]+"
_MAX_SHOWN = 5


# --- Last.fm (HetRec 2011) -------------------------------------------------


def parse_lastfm_user_artists(path: Path) -> pd.DataFrame:
    """Parse ``user_artists.dat``: tab-separated ``userID artistID weight``.

    Every row is a positive pair; ``weight`` (listening count) is dropped.

    Args:
        path: The extracted ``user_artists.dat``.

    Returns:
        ``user_id``, ``item_id`` (``int64``).
    """
    frame = _read_delimited(path, "\t", ("userID", "artistID"), "utf-8")
    return pd.DataFrame(
        {
            "user_id": _int_column(frame["userID"], path, "userID"),
            "item_id": _int_column(frame["artistID"], path, "artistID"),
        }
    )


def parse_lastfm_artists(path: Path) -> pd.DataFrame:
    """Parse ``artists.dat``: tab-separated ``id name url pictureURL``, UTF-8.

    Quotes are literal characters of the names (no CSV quoting).

    Args:
        path: The extracted ``artists.dat``.

    Returns:
        ``item_id`` (``int64``), ``item_name`` (string).
    """
    frame = _read_delimited(path, "\t", ("id", "name"), "utf-8")
    return pd.DataFrame(
        {
            "item_id": _int_column(frame["id"], path, "id"),
            "item_name": frame["name"].astype("str"),
        }
    )


def _read_delimited(
    path: Path, sep: str, needed: tuple[str, ...], encoding: str
) -> pd.DataFrame:
    """Read a headed, unquoted text table as strings; check ``needed`` columns."""
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            quoting=csv.QUOTE_NONE,
            encoding=encoding,
            usecols=lambda c: c in needed,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path}: cannot parse as a {sep!r}-separated table: {exc}"
        ) from exc
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; expected a header "
            f"with {', '.join(needed)}"
        )
    return frame


def _int_column(
    values: pd.Series, path: Path, column: str, header_lines: int = 1
) -> pd.Series:
    """Strings that must all be integers, as ``int64``.

    Row ``i`` (0-based) is line ``i + 1 + header_lines`` of the file.
    """
    ok = values.str.fullmatch(_ANY_INT).to_numpy(dtype=bool)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        raise DataError(
            f"{path}: column {column!r} has {bad.size} value(s) that are not "
            f"integers, first at "
            f"{_where(bad + 1 + header_lines, values.iloc[bad], 'line')}"
        )
    return pd.Series(pd.to_numeric(values).to_numpy(dtype=np.int64), name=column)


# --- LightGCN adjacency lists (Gowalla, Yelp2018) ---------------------------


def parse_adjacency(path: Path) -> pd.DataFrame:
    """Parse a LightGCN adjacency-list file (``train.txt`` / ``test.txt``).

    Each line is ``user item item ...`` separated by any run of spaces or
    tabs. Blank lines and lines holding only a user id (a user with no items)
    add no pair. Ids must be non-negative integers.

    Args:
        path: The text file.

    Returns:
        ``user_id``, ``item_id`` (``int64``), one row per token after the first
        of each line, in file order.

    Raises:
        DataError: On a token that is not a non-negative integer (naming the
            line number and the token).
    """
    lines = Path(path).read_bytes().splitlines()
    parts = [line.split() for line in lines]
    counts = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    tokens = np.array(list(itertools.chain.from_iterable(parts)), dtype=np.bytes_)
    if tokens.size == 0:
        return pd.DataFrame(
            {"user_id": np.empty(0, np.int64), "item_id": np.empty(0, np.int64)}
        )
    valid = np.char.isdigit(tokens) & (np.char.str_len(tokens) <= 18)
    if not valid.all():
        first = int(np.flatnonzero(~valid)[0])
        line_no = int(np.searchsorted(np.cumsum(counts), first, side="right")) + 1
        token = tokens[first].decode("utf-8", errors="replace")
        raise DataError(
            f"{path}: line {line_no}: token {token!r} is not a non-negative "
            "integer id; expected 'user item item ...' separated by spaces"
        )
    values = tokens.astype(np.int64)
    nonempty = counts[counts > 0]
    starts = np.cumsum(nonempty) - nonempty
    is_item = np.ones(values.size, dtype=bool)
    is_item[starts] = False
    users = np.repeat(values[starts], nonempty - 1)
    empty_users = int(np.count_nonzero(nonempty == 1))
    if empty_users:
        logger.debug("%s: %d line(s) list a user with no items", path, empty_users)
    return pd.DataFrame({"user_id": users, "item_id": values[is_item]})


# --- MovieLens 1M ------------------------------------------------------------


def parse_ml1m_ratings(path: Path) -> pd.DataFrame:
    """Parse ML-1M ``ratings.dat``: ``UserID::MovieID::Rating::Timestamp``.

    Args:
        path: The extracted ``ratings.dat`` (no header).

    Returns:
        ``user_id``, ``item_id`` (``int64``), ``rating`` (``float64``),
        ``timestamp`` (``int64``, Unix seconds).
    """
    names = ["user_id", "item_id", "rating", "timestamp"]
    frame = _read_double_colon(path, names, "latin-1")
    out = pd.DataFrame(
        {
            "user_id": _int_column(frame["user_id"], path, "UserID", 0),
            "item_id": _int_column(frame["item_id"], path, "MovieID", 0),
            "rating": _float_column(frame["rating"], path, "Rating", 0),
            "timestamp": _int_column(frame["timestamp"], path, "Timestamp", 0),
        }
    )
    negative = np.flatnonzero(out["timestamp"].to_numpy() < 0)
    if negative.size:
        raise DataError(
            f"{path}: {negative.size} negative Timestamp value(s), first at "
            f"{_where(negative + 1, out['timestamp'].iloc[negative], 'line')}; "
            "expected Unix seconds >= 0"
        )
    return out


def parse_ml1m_movies(path: Path) -> pd.DataFrame:
    """Parse ML-1M ``movies.dat``: ``MovieID::Title::Genres``, latin-1.

    Args:
        path: The extracted ``movies.dat`` (no header).

    Returns:
        ``item_id`` (``int64``), ``item_name`` (the title, string).
    """
    frame = _read_double_colon(path, ["item_id", "item_name", "genres"], "latin-1")
    return pd.DataFrame(
        {
            "item_id": _int_column(frame["item_id"], path, "MovieID", 0),
            "item_name": frame["item_name"].astype("str"),
        }
    )


def _read_double_colon(path: Path, names: list[str], encoding: str) -> pd.DataFrame:
    """Read a headerless ``::``-separated file as strings (line 1 = row 1)."""
    text = Path(path).read_bytes().decode(encoding).replace("::", "\t")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep="\t",
            header=None,
            names=names,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            quoting=csv.QUOTE_NONE,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(
            f"{path}: cannot parse as '::'-separated fields {'::'.join(names)}: {exc}"
        ) from exc
    return frame


def _float_column(
    values: pd.Series, path: Path, column: str, header_lines: int = 1
) -> pd.Series:
    """Strings that must all be finite numbers, as ``float64``."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = np.flatnonzero(~np.isfinite(numbers.to_numpy()))
    if bad.size:
        raise DataError(
            f"{path}: column {column!r} has {bad.size} value(s) that are not "
            f"numbers, first at "
            f"{_where(bad + 1 + header_lines, values.iloc[bad], 'line')}"
        )
    return numbers.rename(column)


# --- custom CSV / Parquet ----------------------------------------------------


def detect_format(path_or_url: str) -> str:
    """``"csv"`` or ``"parquet"`` from a file name's extension.

    Args:
        path_or_url: A local path or URL.

    Returns:
        The format.

    Raises:
        DataError: If the extension is neither CSV-like nor Parquet.
    """
    name = path_or_url.split("?", 1)[0].lower()
    if name.endswith((".parquet", ".pq", ".parq")):
        return "parquet"
    if name.endswith((".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".csv.bz2")):
        return "csv"
    raise DataError(
        f"Cannot tell the format of {path_or_url!r} from its extension "
        "(.csv/.tsv/.txt or .parquet/.pq); set data.sources.custom.format to "
        "csv or parquet"
    )


def read_custom_interactions(
    path: Path, *, fmt: str, sep: str, columns: ColumnMap, id_type: str
) -> pd.DataFrame:
    """Read and validate a user-supplied CSV or Parquet interaction file.

    CSV id columns are read as exact text, then typed by ``id_type``:
    ``str`` keeps the text (so ``"007"`` stays ``"007"``); ``int`` requires
    integers; ``auto`` gives ``int64`` when every id of the column is a plain
    integer without leading zeros (and at most 18 digits), else keeps strings.
    Each id column is typed on its own. Parquet integer ids stay ``int64``
    (strings under ``id_type: str``), string ids follow the rule above, and
    float ids are refused as ambiguous. Rows of a CSV whose mapped fields are
    all empty (blank lines) are skipped. An id that is empty, blank or one of
    :data:`MISSING_ID_TEXT` (``nan``, ``NA``, ``null``, ...) is missing.
    CSV line numbers in messages assume one record per line (a quoted field
    holding a newline shifts them).

    Args:
        path: A local file.
        fmt: ``"csv"`` or ``"parquet"``.
        sep: CSV field separator.
        columns: Which columns hold user, item, rating, timestamp.
        id_type: ``"auto"``, ``"str"`` or ``"int"``.

    Returns:
        ``user_id``, ``item_id`` and, when mapped, ``rating`` (``float64``) and
        ``timestamp`` (``int64``), in file order (duplicates kept).

    Raises:
        DataError: On an empty or header-only file, a missing column, a
            missing or malformed id, a rating that is not a number, or a
            timestamp that is negative or not an integer.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise DataError(
            f"{path} is empty (0 bytes); expected a header naming the columns "
            f"{_mapped_names(columns)} and at least one row"
        )
    if fmt == "parquet":
        table = _read_parquet_table(path, columns)
        frame, positions, unit = _parquet_to_frame(path, table, columns)
    elif fmt == "csv":
        frame, positions, unit = _read_custom_csv(path, sep, columns)
    else:
        raise DataError(f"Unknown format {fmt!r} for {path}; allowed: csv, parquet")
    out = pd.DataFrame(
        {
            "user_id": _typed_ids(
                frame[columns.user], path, columns.user, id_type, positions, unit
            ),
            "item_id": _typed_ids(
                frame[columns.item], path, columns.item, id_type, positions, unit
            ),
        }
    )
    if columns.rating is not None:
        out["rating"] = _ratings(
            frame[columns.rating], path, columns.rating, positions, unit
        )
    if columns.timestamp is not None:
        out["timestamp"] = _timestamps(
            frame[columns.timestamp], path, columns.timestamp, positions, unit
        )
    return out


def _mapped_names(columns: ColumnMap) -> str:
    """The mapped column names, for messages."""
    names = [columns.user, columns.item, columns.rating, columns.timestamp]
    return ", ".join(repr(n) for n in names if n is not None)


def _wanted(columns: ColumnMap) -> list[str]:
    """Mapped column names in role order."""
    names = [columns.user, columns.item, columns.rating, columns.timestamp]
    return [n for n in names if n is not None]


def _check_columns(path: Path, found: list[str], columns: ColumnMap, hint: str) -> None:
    """DataError listing the found columns if a mapped one is missing."""
    missing = [c for c in _wanted(columns) if c not in found]
    if missing:
        raise DataError(
            f"{path}: mapped column(s) {', '.join(repr(c) for c in missing)} not "
            f"found; columns found: {', '.join(repr(c) for c in found) or '(none)'}. "
            f"Fix data.sources.custom.columns{hint}"
        )


def _read_custom_csv(
    path: Path, sep: str, columns: ColumnMap
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Read the mapped CSV columns as text; positions are file line numbers."""
    try:
        header = pd.read_csv(path, sep=sep, nrows=0, dtype=str)
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"{path} holds no header line; expected a header naming the columns "
            f"{_mapped_names(columns)}"
        ) from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the CSV header: {exc}") from exc
    found = [str(c) for c in header.columns]
    hint = ""
    if len(found) == 1 and sep not in found[0]:
        hint = f" or data.sources.custom.sep (now {sep!r}; one column was found)"
    _check_columns(path, found, columns, hint)
    wanted = _wanted(columns)
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            usecols=wanted,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"{path}: cannot parse as CSV (sep {sep!r}): {exc}") from exc
    # Row i of the frame is line i + 2 of the file (the header is line 1).
    lines = np.arange(len(frame), dtype=np.int64) + 2
    blank = np.logical_and.reduce(
        [frame[c].str.strip().eq("").to_numpy(dtype=bool) for c in wanted]
    )
    if blank.any():
        logger.info("%s: skipped %d blank line(s)", path, int(blank.sum()))
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    if len(frame) == 0:
        raise DataError(
            f"{path} has a header ({', '.join(found)}) but no data rows; expected "
            "at least one interaction"
        )
    return frame, lines, "line"


def _read_parquet_table(path: Path, columns: ColumnMap) -> pa.Table:
    """Read the mapped columns of a Parquet file after checking they exist."""
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(
            f"{path} is not a readable Parquet file ({exc}); check the file or "
            "set data.sources.custom.format"
        ) from exc
    found = list(schema.names)
    _check_columns(path, found, columns, "")
    table = pq.read_table(path, columns=_wanted(columns))
    if table.num_rows == 0:
        raise DataError(
            f"{path} has columns ({', '.join(found)}) but no rows; expected at "
            "least one interaction"
        )
    return table


def _parquet_to_frame(
    path: Path, table: pa.Table, columns: ColumnMap
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Columns of a Parquet table as pandas, ids checked for type; rows 1-based."""
    rows = np.arange(table.num_rows, dtype=np.int64) + 1
    data: dict[str, pd.Series] = {}
    for role, name in (("user", columns.user), ("item", columns.item)):
        column = table.column(name)
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = column.cast(kind.value_type)
            kind = kind.value_type
        if pa.types.is_floating(kind):
            raise DataError(
                f"{path}: {role} id column {name!r} holds floats ({kind}); float "
                "ids are ambiguous (1.0 vs '1'). Store ids as integers or strings"
            )
        if not (
            pa.types.is_integer(kind)
            or pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
        ):
            raise DataError(
                f"{path}: {role} id column {name!r} has type {kind}; expected "
                "integers or strings"
            )
        nulls = np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))
        if nulls.size:
            raise DataError(
                f"{path}: column {name!r} has {nulls.size} missing id(s), first at "
                f"row(s) {', '.join(str(r) for r in rows[nulls[:_MAX_SHOWN]])}; "
                "every row needs a user id and an item id"
            )
        if pa.types.is_unsigned_integer(kind):
            largest = pc.max(column).as_py()
            if largest is not None and largest > np.iinfo(np.int64).max:
                raise DataError(
                    f"{path}: {role} id column {name!r} holds {largest}, beyond the "
                    "int64 range; store ids as strings"
                )
        if pa.types.is_integer(kind):
            data[name] = pd.Series(column.to_numpy().astype(np.int64), name=name)
        else:
            data[name] = column.to_pandas().astype("str").rename(name)
    for name in (columns.rating, columns.timestamp):
        if name is None:
            continue
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            seconds = pc.cast(column, pa.timestamp("s", column.type.tz))
            data[name] = pd.Series(
                seconds.cast(pa.int64()).to_numpy(zero_copy_only=False), name=name
            )
        else:
            data[name] = column.to_pandas().rename(name)
    return pd.DataFrame(data), rows, "row"


def _typed_ids(
    values: pd.Series,
    path: Path,
    column: str,
    id_type: str,
    positions: np.ndarray,
    unit: str,
) -> pd.Series:
    """Check for missing ids and apply ``id_type``."""
    if pd.api.types.is_integer_dtype(values.dtype):
        ints = values.astype(np.int64).reset_index(drop=True)
        return ints.astype("str") if id_type == "str" else ints
    text = values.astype("str").reset_index(drop=True)
    missing = (text.str.strip().eq("") | text.isin(MISSING_ID_TEXT)).to_numpy(bool)
    if missing.any():
        bad = np.flatnonzero(missing)
        raise DataError(
            f"{path}: column {column!r} has {bad.size} empty or NaN id(s), first "
            f"at {unit}(s) {', '.join(str(p) for p in positions[bad[:_MAX_SHOWN]])}; "
            "every row needs a user id and an item id"
        )
    if id_type == "str":
        return text
    if id_type == "auto":
        if text.str.fullmatch(_PLAIN_INT).all():
            return pd.Series(text.to_numpy(dtype=str).astype(np.int64), name=column)
        return text
    ok = text.str.fullmatch(_ANY_INT).to_numpy(dtype=bool)
    ok = ok & (text.str.len().to_numpy() <= 19)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        raise DataError(
            f"{path}: column {column!r} has {bad.size} id(s) that are not integers "
            f"(id_type is 'int'), first at "
            f"{_where(positions[bad], text.iloc[bad], unit)}; use id_type 'str' or "
            "'auto'"
        )
    ints = pd.to_numeric(text, errors="coerce")
    if ints.dtype != np.int64:
        raise DataError(
            f"{path}: column {column!r} has ids outside the int64 range; use "
            "id_type 'str'"
        )
    if ints.nunique() < text.nunique():
        logger.warning(
            "%s: column %r: %d distinct id texts became %d integers (leading "
            "zeros or signs); use id_type 'str' to keep them apart",
            path,
            column,
            text.nunique(),
            ints.nunique(),
        )
    return ints.rename(column)


def _ratings(
    values: pd.Series, path: Path, column: str, positions: np.ndarray, unit: str
) -> pd.Series:
    """Ratings as finite ``float64``."""
    if pd.api.types.is_bool_dtype(values.dtype):
        raise DataError(
            f"{path}: rating column {column!r} holds booleans; expected numbers"
        )
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = np.flatnonzero(~np.isfinite(numbers.to_numpy()))
    if bad.size:
        raise DataError(
            f"{path}: rating column {column!r} has {bad.size} value(s) that are not "
            f"numbers, first at {_where(positions[bad], values.iloc[bad], unit)}"
        )
    return numbers.reset_index(drop=True).rename("rating")


def _timestamps(
    values: pd.Series, path: Path, column: str, positions: np.ndarray, unit: str
) -> pd.Series:
    """Timestamps as non-negative ``int64`` (integral floats accepted)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        raise DataError(
            f"{path}: timestamp column {column!r} holds booleans; expected integers"
        )
    numbers = pd.to_numeric(values, errors="coerce")
    array = numbers.to_numpy(dtype="float64", na_value=np.nan)
    if numbers.dtype == np.int64:
        ints = numbers.to_numpy(dtype=np.int64)
    else:
        integral = np.isfinite(array) & (np.floor(array) == array)
        bad = np.flatnonzero(~integral)
        if bad.size:
            raise DataError(
                f"{path}: timestamp column {column!r} has {bad.size} value(s) that "
                f"are not integers, first at "
                f"{_where(positions[bad], values.iloc[bad], unit)}; expected Unix "
                "time as an integer"
            )
        ints = array.astype(np.int64)
    negative = np.flatnonzero(ints < 0)
    if negative.size:
        raise DataError(
            f"{path}: timestamp column {column!r} has {negative.size} negative "
            f"value(s), first at "
            f"{_where(positions[negative], values.iloc[negative], unit)}; expected "
            "Unix time >= 0"
        )
    return pd.Series(ints, name="timestamp")


def read_item_names(
    path: Path, *, id_column: str, name_column: str, sep: str, id_dtype: object
) -> pd.DataFrame:
    """Read a CSV of item names and type its ids like the interactions' ids.

    Args:
        path: Local CSV file with a header.
        id_column: Column holding item ids.
        name_column: Column holding names.
        sep: Field separator.
        id_dtype: The interactions' ``item_id`` dtype (``int64`` or string).

    Returns:
        ``item_id``, ``item_name`` (string); the first row wins for a repeated id.

    Raises:
        DataError: On a missing column, an empty file, or (for ``int64`` ids)
            an id that is not an integer.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise DataError(f"Item-name file {path} is empty (0 bytes)")
    try:
        frame = pd.read_csv(
            path, sep=sep, dtype=str, keep_default_na=False, na_filter=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"Item-name file {path}: cannot parse as CSV: {exc}") from exc
    missing = [c for c in (id_column, name_column) if c not in frame.columns]
    if missing:
        raise DataError(
            f"Item-name file {path}: column(s) {', '.join(repr(c) for c in missing)} "
            f"not found; columns found: {', '.join(map(repr, frame.columns))}. Fix "
            "data.sources.custom.item_names"
        )
    ids = frame[id_column].astype("str")
    if np.dtype(np.int64) == id_dtype:
        ok = ids.str.fullmatch(_ANY_INT).to_numpy(dtype=bool)
        if not ok.all():
            bad = np.flatnonzero(~ok)
            raise DataError(
                f"Item-name file {path}: column {id_column!r} has {bad.size} id(s) "
                "that are not integers while the interactions' item ids are, first "
                f"at {_where(bad + 2, ids.iloc[bad], 'line')}"
            )
        ids = pd.Series(ids.to_numpy(dtype=str).astype(np.int64))
    names = pd.DataFrame(
        {"item_id": ids, "item_name": frame[name_column].astype("str")}
    )
    repeated = int(names["item_id"].duplicated().sum())
    if repeated:
        logger.warning(
            "Item-name file %s: %d repeated id(s); the first name of each is kept",
            path,
            repeated,
        )
        names = names.drop_duplicates("item_id", keep="first")
    return names.reset_index(drop=True)


def _where(positions: np.ndarray, values: pd.Series, unit: str) -> str:
    """``line 3 ('x'), line 9 ('y')`` for the first few offending values."""
    shown = [
        f"{unit} {int(p)} ({v!r})"
        for p, v in zip(positions[:_MAX_SHOWN], list(values)[:_MAX_SHOWN], strict=True)
    ]
    return ", ".join(shown)
