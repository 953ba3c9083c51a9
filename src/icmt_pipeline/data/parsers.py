"""Parsers from raw files to interaction DataFrames.

Every parser returns a new DataFrame with columns ``user_id`` and ``item_id``
(original ids: ``int64`` or the pandas string dtype, never float), plus
``rating`` (``float64``) and ``timestamp`` (``int64``) where the file has them.
Item-name parsers return ``item_id`` and ``item_name`` (string).

Errors are :class:`~icmt_pipeline.errors.DataError` naming the file, the line
(text files: 1-based, counting a header as line 1) or row (Parquet: 1-based)
and the column, and what was expected. Integer ids and timestamps must fit in
``int64``; larger values are refused, never wrapped.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import itertools
import logging
import lzma
import warnings
import zlib
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from icmt_pipeline.data.config import ColumnMap, is_url
from icmt_pipeline.errors import DataError

logger = logging.getLogger(__name__)

# Text a CSV export writes for a missing value; such ids count as missing.
MISSING_ID_TEXT: frozenset[str] = frozenset(
    {"", "nan", "NaN", "NAN", "NA", "N/A", "<NA>", "null", "NULL", "None"}
)
_PLAIN_INT = r"0|-?[1-9][0-9]{0,17}"
_ANY_INT = r"[+-]?[0-9]+"
_MAX_SHOWN = 5
_INT64 = np.iinfo(np.int64)
# Decimal texts this long or longer may fall outside int64 (2**63 has 19 digits).
_LONG_INT_CHARS = 19
_TIME_UNITS: dict[str, int] = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
# Errors of reading a file that is not what its (compression) extension says.
_READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)
_SCAN_CHUNK = 1 << 20


# --- Last.fm (HetRec 2011) -------------------------------------------------


def parse_lastfm_user_artists(path: Path) -> pd.DataFrame:
    """Parse ``user_artists.dat``: tab-separated ``userID artistID weight``.

    Every row is a positive pair; ``weight`` (listening count) is dropped.

    Args:
        path: The extracted ``user_artists.dat``.

    Returns:
        ``user_id``, ``item_id`` (``int64``).
    """
    frame, lines = _read_delimited(path, "\t", ("userID", "artistID"))
    return pd.DataFrame(
        {
            "user_id": _int_column(frame["userID"], path, "userID", lines),
            "item_id": _int_column(frame["artistID"], path, "artistID", lines),
        }
    )


def parse_lastfm_artists(path: Path) -> pd.DataFrame:
    """Parse ``artists.dat``: tab-separated ``id name url pictureURL``, UTF-8.

    Quotes are literal characters of the names (no CSV quoting). The text is
    decoded as UTF-8, or as latin-1 when it is not valid UTF-8.

    Args:
        path: The extracted ``artists.dat``.

    Returns:
        ``item_id`` (``int64``), ``item_name`` (string).
    """
    frame, lines = _read_delimited(path, "\t", ("id", "name"))
    return pd.DataFrame(
        {
            "item_id": _int_column(frame["id"], path, "id", lines),
            "item_name": frame["name"].astype("str"),
        }
    )


def _read_delimited(
    path: Path, sep: str, needed: tuple[str, ...]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a headed, unquoted text table as strings; check ``needed`` columns.

    Returns the table and the file line number of each of its rows.
    """
    lines = _split_lines(path)
    kept = np.flatnonzero([bool(line.strip()) for line in lines])
    if kept.size == 0:
        raise DataError(
            f"{path} holds no header line; expected a {_sep_name(sep)}-separated "
            f"header with {', '.join(needed)}"
        )
    header = lines[kept[0]].split(sep)
    missing = [c for c in needed if c not in header]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; expected a header "
            f"with {', '.join(needed)}"
        )
    rows = kept[1:]
    _check_line_fields(path, lines, rows, sep, header)
    frame = _frame_from_lines(path, lines, rows, sep, header, needed)
    return frame, rows + 1


def _split_lines(path: Path) -> list[str]:
    """The lines of a text file (``\\n`` or ``\\r\\n`` ends); index i = line i + 1.

    The bytes are decoded as UTF-8 when they are valid UTF-8, else as latin-1
    (which decodes any byte), so that a file re-encoded to UTF-8 is not turned
    into mojibake; which one was used is logged at DEBUG.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("latin-1")
        logger.debug(
            "%s: decoded as latin-1 (not valid UTF-8: byte 0x%02x at offset %d)",
            path,
            data[exc.start],
            exc.start,
        )
    else:
        logger.debug("%s: decoded as UTF-8", path)
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final line end does not start a line
    return lines


def _sep_name(sep: str) -> str:
    """A separator as people write it in messages."""
    return "tab" if sep == "\t" else repr(sep)


def _check_line_fields(
    path: Path, lines: list[str], rows: np.ndarray, sep: str, fields: list[str]
) -> None:
    """DataError naming the first lines (by index) without ``len(fields)`` fields.

    Fields are read tab-separated, so a tab inside a field counts as a separator.
    """
    want = len(fields) - 1
    counts = np.fromiter(
        (_separators(lines[i], sep) for i in rows), dtype=np.int64, count=rows.size
    )
    bad = rows[counts != want]
    if bad.size:
        shown = ", ".join(
            f"line {i + 1} ({_separators(lines[i], sep) + 1} fields: {lines[i]!r})"
            for i in bad[:_MAX_SHOWN]
        )
        raise DataError(
            f"{path}: {bad.size} line(s) do not have the expected {len(fields)} "
            f"{_sep_name(sep)}-separated fields ({sep.join(fields)}), first at "
            f"{shown}"
        )


def _separators(line: str, sep: str) -> int:
    """Separators in ``line``, tabs included (they separate once sep is a tab)."""
    return line.count(sep) if sep == "\t" else line.count(sep) + line.count("\t")


def _frame_from_lines(
    path: Path,
    lines: list[str],
    rows: np.ndarray,
    sep: str,
    names: list[str],
    needed: tuple[str, ...] | list[str],
) -> pd.DataFrame:
    """The checked ``rows`` of ``lines`` as a string table of ``needed`` columns."""
    if rows.size == 0:
        return pd.DataFrame({name: pd.Series([], dtype="str") for name in needed})
    # Every row has len(names) fields (checked), so no field can shift.
    text = "\n".join(lines[i] for i in rows)
    if sep != "\t":
        text = text.replace(sep, "\t")
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep="\t",
            header=None,
            names=names,
            usecols=list(needed),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            quoting=csv.QUOTE_NONE,
            index_col=False,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: cannot parse the fields ({exc})") from exc


def _int_column(
    values: pd.Series, path: Path, column: str, lines: np.ndarray
) -> pd.Series:
    """Strings that must all be integers within ``int64``, as ``int64``.

    Row ``i`` of ``values`` is line ``lines[i]`` of the file.
    """
    ok = values.str.fullmatch(_ANY_INT).to_numpy(dtype=bool)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        raise DataError(
            f"{path}: column {column!r} has {bad.size} value(s) that are not "
            f"integers, first at {_where(lines[bad], values.iloc[bad], 'line')}"
        )
    _check_int64(values, path, column, lines, "line")
    numbers = pd.to_numeric(values)
    return pd.Series(numbers.to_numpy(dtype=np.int64), name=column)


def _outside_int64(text: pd.Series) -> np.ndarray:
    """Which integer texts (all matching ``_ANY_INT``) do not fit in ``int64``."""
    outside = np.zeros(len(text), dtype=bool)
    long = np.flatnonzero(text.str.len().to_numpy() >= _LONG_INT_CHARS)
    for i in long:
        value = int(text.iat[i])
        outside[i] = not _INT64.min <= value <= _INT64.max
    return outside


def _check_int64(
    text: pd.Series, path: Path, column: str, positions: np.ndarray, unit: str
) -> None:
    """DataError naming the first integer texts beyond the ``int64`` range."""
    outside = np.flatnonzero(_outside_int64(text))
    if outside.size:
        raise DataError(
            f"{path}: column {column!r} has {outside.size} value(s) outside the "
            f"int64 range ({_INT64.min} to {_INT64.max}), first at "
            f"{_where(positions[outside], text.iloc[outside], unit)}; expected "
            "64-bit signed integers"
        )


# --- LightGCN adjacency lists (Gowalla, Yelp2018) ---------------------------


def parse_adjacency(path: Path) -> pd.DataFrame:
    """Parse a LightGCN adjacency-list file (``train.txt`` / ``test.txt``).

    Each line is ``user item item ...`` separated by any run of spaces or
    tabs. Blank lines and lines holding only a user id (a user with no items)
    add no pair. Ids must be non-negative integers that fit in ``int64``.

    Args:
        path: The text file.

    Returns:
        ``user_id``, ``item_id`` (``int64``), one row per token after the first
        of each line, in file order.

    Raises:
        DataError: On a token that is not a non-negative integer or is beyond
            the ``int64`` range (naming the line number and the token).
    """
    lines = Path(path).read_bytes().splitlines()
    parts = [line.split() for line in lines]
    counts = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    tokens = np.array(list(itertools.chain.from_iterable(parts)), dtype=np.bytes_)
    if tokens.size == 0:
        return pd.DataFrame(
            {"user_id": np.empty(0, np.int64), "item_id": np.empty(0, np.int64)}
        )
    digits = np.char.isdigit(tokens)
    long = np.flatnonzero(digits & (np.char.str_len(tokens) >= _LONG_INT_CHARS))
    too_big = np.zeros(tokens.size, dtype=bool)
    too_big[long] = [int(tokens[i]) > _INT64.max for i in long]
    valid = digits & ~too_big
    if not valid.all():
        first = int(np.flatnonzero(~valid)[0])
        line_no = int(np.searchsorted(np.cumsum(counts), first, side="right")) + 1
        token = tokens[first].decode("utf-8", errors="replace")
        problem = (
            f"is beyond the int64 range (largest {_INT64.max})"
            if too_big[first]
            else "is not a non-negative integer id"
        )
        raise DataError(
            f"{path}: line {line_no}: token {token!r} {problem}; expected "
            "'user item item ...' separated by spaces"
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

    Decoded as UTF-8, or latin-1 when not valid UTF-8. Blank lines are skipped;
    every other line must have exactly these four fields.

    Args:
        path: The extracted ``ratings.dat`` (no header).

    Returns:
        ``user_id``, ``item_id`` (``int64``), ``rating`` (``float64``),
        ``timestamp`` (``int64``, Unix seconds).

    Raises:
        DataError: On a line without four fields or a malformed value (naming
            the file line).
    """
    fields = ["UserID", "MovieID", "Rating", "Timestamp"]
    frame, lines = _read_double_colon(path, fields, fields)
    out = pd.DataFrame(
        {
            "user_id": _int_column(frame["UserID"], path, "UserID", lines),
            "item_id": _int_column(frame["MovieID"], path, "MovieID", lines),
            "rating": _float_column(frame["Rating"], path, "Rating", lines),
            "timestamp": _int_column(frame["Timestamp"], path, "Timestamp", lines),
        }
    )
    negative = np.flatnonzero(out["timestamp"].to_numpy() < 0)
    if negative.size:
        raise DataError(
            f"{path}: {negative.size} negative Timestamp value(s), first at "
            f"{_where(lines[negative], out['timestamp'].iloc[negative], 'line')}; "
            "expected Unix seconds >= 0"
        )
    return out


def parse_ml1m_movies(path: Path) -> pd.DataFrame:
    """Parse ML-1M ``movies.dat``: ``MovieID::Title::Genres``.

    Upstream's file is latin-1; it is decoded as UTF-8 when it is valid UTF-8
    (a re-encoded copy), else as latin-1. Blank lines are skipped; every other
    line must have exactly three fields.

    Args:
        path: The extracted ``movies.dat`` (no header).

    Returns:
        ``item_id`` (``int64``), ``item_name`` (the title, string).

    Raises:
        DataError: On a line without three fields or a MovieID that is not an
            integer (naming the file line).
    """
    fields = ["MovieID", "Title", "Genres"]
    frame, lines = _read_double_colon(path, fields, ["MovieID", "Title"])
    return pd.DataFrame(
        {
            "item_id": _int_column(frame["MovieID"], path, "MovieID", lines),
            "item_name": frame["Title"].astype("str"),
        }
    )


def _read_double_colon(
    path: Path, fields: list[str], needed: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a headerless ``::``-separated file as strings, checking field counts.

    Returns the ``needed`` columns and the file line number of each row.
    """
    lines = _split_lines(path)
    rows = np.flatnonzero([bool(line.strip()) for line in lines])
    if rows.size == 0:
        raise DataError(
            f"{path} holds no data lines; expected lines of {'::'.join(fields)}"
        )
    _check_line_fields(path, lines, rows, "::", fields)
    return _frame_from_lines(path, lines, rows, "::", fields, needed), rows + 1


def _float_column(
    values: pd.Series, path: Path, column: str, lines: np.ndarray
) -> pd.Series:
    """Strings that must all be finite numbers, as ``float64``."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = np.flatnonzero(~np.isfinite(numbers.to_numpy()))
    if bad.size:
        raise DataError(
            f"{path}: column {column!r} has {bad.size} value(s) that are not "
            f"numbers, first at {_where(lines[bad], values.iloc[bad], 'line')}"
        )
    return numbers.rename(column)


# --- custom CSV / Parquet ----------------------------------------------------


def detect_format(path_or_url: str) -> str:
    """``"csv"`` or ``"parquet"`` from a file name's extension.

    For an http(s) URL the extension is read from the URL's path (its query
    string and fragment are ignored); for a local path, from the whole file
    name (a ``?`` or ``#`` is part of it).

    Args:
        path_or_url: A local path or URL.

    Returns:
        The format.

    Raises:
        DataError: If the extension is neither CSV-like nor Parquet.
    """
    if is_url(path_or_url):
        name = urlsplit(path_or_url).path.lower()
    else:
        name = Path(path_or_url).name.lower()
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
    Every CSV line must have as many fields as the header (an unquoted
    separator inside a value would shift the fields), checked for one-character
    separators and plain, ``.gz``, ``.bz2`` or ``.xz`` files. Ids with leading
    or trailing whitespace are kept as they are (``" 2"`` and ``"2"`` differ)
    and logged as a WARNING. CSV line numbers in messages are the physical
    lines where a record starts (a quoted field holding a line end makes a
    record span several lines). The file must be UTF-8; otherwise the error
    names the line of the first byte that is not.

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
        DataError: On an empty, header-only, unreadable, non-UTF-8 or wrongly
            compressed file, a line with too many or too few fields, an
            unclosed quote, a missing column, a missing or malformed id, an
            integer id beyond ``int64`` (``id_type: int``), a rating that is
            not a number, or a timestamp that is negative, beyond ``int64`` or
            not an integer.
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
    except pd.errors.ParserError as exc:
        _raise_if_unclosed_quote(path, sep, exc)
        raise DataError(f"{path}: cannot read the CSV header: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, str(path), exc) from exc
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    found = [str(c) for c in header.columns]
    hint = ""
    if len(found) == 1 and sep not in found[0]:
        hint = f" or data.sources.custom.sep (now {sep!r}; one column was found)"
    _check_columns(path, found, columns, hint)
    wanted = _wanted(columns)
    try:
        frame = _read_csv_text(path, sep, usecols=wanted)
    except pd.errors.ParserError as exc:
        _raise_if_unclosed_quote(path, sep, exc)
        raise DataError(f"{path}: cannot parse as CSV (sep {sep!r}): {exc}") from exc
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, str(path), exc) from exc
    except ValueError as exc:
        raise DataError(f"{path}: cannot parse as CSV (sep {sep!r}): {exc}") from exc
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    starts = _check_csv_fields(path, sep, found, "data.sources.custom.sep")
    lines = _record_lines(path, starts, len(frame))
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


def _unreadable(path: Path, exc: BaseException) -> DataError:
    """The DataError for a file that cannot be read or decompressed."""
    return DataError(
        f"{path}: cannot read the file ({type(exc).__name__}: {exc}); a name "
        "ending in .gz, .bz2 or .xz must hold data compressed that way: check the "
        "file, or rename it to match its content"
    )


@contextmanager
def _open_text(path: Path) -> Iterator[TextIO | None]:
    """``path`` as UTF-8 text, decompressed by its extension like pandas does.

    Yields ``None`` for compressions the standard library cannot read here
    (``.zip``, ``.zst``, ``.tar``).
    """
    name = path.name.lower()
    openers = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    if name.endswith((".zip", ".zst", ".tar")):
        yield None
        return
    opener = next((f for ext, f in openers.items() if name.endswith(ext)), None)
    if opener is None:
        handle: TextIO = open(path, encoding="utf-8-sig", newline="")
    else:
        handle = opener(path, "rt", encoding="utf-8-sig", newline="")
    with handle:
        yield handle


def _check_csv_fields(
    path: Path, sep: str, header: list[str], setting: str
) -> np.ndarray | None:
    """DataError naming the first lines whose field count differs from the header.

    Lines whose fields are all blank are left to the callers' blank-line rule.
    Only one-character separators are checked (the csv module's limit).

    Returns:
        The physical line (1-based) where each record after the header starts,
        so that a quoted field holding line ends does not shift later line
        numbers; ``None`` when the file could not be read record by record.
    """
    if len(sep) != 1:
        return None
    want = len(header)
    bad: list[tuple[int, int, str]] = []
    n_bad = 0
    starts = array("q")  # 8 bytes per record, not a Python int each
    try:
        with _open_text(path) as handle:
            if handle is None:
                return None
            reader = csv.reader(handle, delimiter=sep)
            start = 1
            for row in reader:
                starts.append(start)
                if len(row) != want and any(field.strip() for field in row):
                    n_bad += 1
                    if len(bad) < _MAX_SHOWN:
                        bad.append((start, len(row), sep.join(row)))
                start = reader.line_num + 1
    except csv.Error as exc:
        logger.warning(
            "%s: could not check the number of fields per line (%s)", path, exc
        )
        return None
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, str(path), exc) from exc
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    if n_bad:
        shown = ", ".join(
            f"line {line} ({count} fields: {text!r})" for line, count, text in bad
        )
        raise DataError(
            f"{path}: {n_bad} line(s) do not have the header's {want} field(s) "
            f"(sep {sep!r}), first at {shown}; an unquoted {sep!r} inside a value "
            f"shifts the fields: quote such values, or check {setting}"
        )
    return np.frombuffer(starts, dtype=np.int64)[1:].copy()


def _record_lines(path: Path, starts: np.ndarray | None, rows: int) -> np.ndarray:
    """The physical line where each of ``rows`` data records starts.

    ``starts`` comes from :func:`_check_csv_fields`; without it (or when its
    count differs from pandas' rows), row ``i`` is taken to be line ``i + 2``
    (one record per line after the header).
    """
    if starts is not None and starts.size == rows:
        return starts
    if starts is not None:
        logger.debug(
            "%s: %d records by the csv module, %d rows by pandas; line numbers "
            "assume one record per line",
            path,
            starts.size,
            rows,
        )
    return np.arange(rows, dtype=np.int64) + 2


def _not_utf8(path: Path, label: str, exc: UnicodeDecodeError) -> DataError:
    """The DataError for a CSV that is not UTF-8, naming the first bad line.

    The line is found by scanning the (decompressed) bytes, since the offset
    in ``exc`` is relative to a parser buffer.
    """
    found = _first_bad_utf8(path)
    if found is None:
        where, byte = "", f"({exc})"
    else:
        where, byte = f"line {found[0]}: ", f"byte 0x{found[1]:02x}"
    return DataError(
        f"{label}: {where}{byte} is not valid UTF-8; the file must be UTF-8 text: "
        f"convert it, e.g. iconv -f latin1 -t utf-8 {path.name} > utf8-{path.name} "
        "(use the encoding it was written in instead of latin1)"
    )


def _first_bad_utf8(path: Path) -> tuple[int, int] | None:
    """The 1-based line and value of the first byte that is not valid UTF-8."""
    name = path.name.lower()
    if name.endswith((".zip", ".zst", ".tar")):
        return None
    openers = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    opener = next((f for ext, f in openers.items() if name.endswith(ext)), open)
    line = 1
    pending = b""
    try:
        with opener(path, "rb") as handle:
            while True:
                chunk = handle.read(_SCAN_CHUNK)
                buffer = pending + chunk
                if not buffer:
                    return None
                try:
                    buffer.decode("utf-8")
                except UnicodeDecodeError as exc:
                    # a sequence cut by the chunk end is completed by the next read
                    if chunk and exc.reason == "unexpected end of data":
                        line += buffer.count(b"\n", 0, exc.start)
                        pending = buffer[exc.start :]
                        continue
                    line += buffer.count(b"\n", 0, exc.start)
                    return line, buffer[exc.start]
                if not chunk:
                    return None
                line += buffer.count(b"\n")
                pending = b""
    except _READ_ERRORS:
        return None


def _raise_if_unclosed_quote(path: Path, sep: str, exc: Exception) -> None:
    """Raise a DataError naming the line of an unclosed quote, if ``exc`` is one."""
    if "EOF inside string" not in str(exc):
        return
    line = _last_record_line(path, sep)
    where = f"line {line}: " if line is not None else ""
    raise DataError(
        f"{path}: {where}a quoted field opened here is never closed (the file ends "
        "inside quotes); add the closing '\"' or remove the stray one"
    ) from exc


def _last_record_line(path: Path, sep: str) -> int | None:
    """The line where the last CSV record starts (where an unclosed quote opens)."""
    if len(sep) != 1:
        return None
    start = last = 1
    try:
        with _open_text(path) as handle:
            if handle is None:
                return None
            reader = csv.reader(handle, delimiter=sep)
            for _row in reader:
                last = start
                start = reader.line_num + 1
    except csv.Error:
        # e.g. the unclosed field outgrew the csv module's field size limit
        return start
    except (UnicodeDecodeError, *_READ_ERRORS):
        return None
    return last


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
            beyond = pc.greater(column, pa.scalar(_INT64.max, pa.uint64()))
            big = np.flatnonzero(beyond.to_numpy(zero_copy_only=False))
            if big.size:
                raise DataError(
                    f"{path}: {role} id column {name!r} has {big.size} id(s) beyond "
                    f"the int64 range ({_INT64.max}), first at row(s) "
                    f"{', '.join(str(r) for r in rows[big[:_MAX_SHOWN]])}; store "
                    "ids as strings"
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
            data[name] = _unix_seconds(path, name, column)
        else:
            data[name] = column.to_pandas().rename(name)
    return pd.DataFrame(data), rows, "row"


def _unix_seconds(path: Path, name: str, column: pa.ChunkedArray) -> pd.Series:
    """An Arrow timestamp column as Unix seconds, sub-second parts dropped.

    Seconds are floored (``1.9 s`` -> ``1``); a WARNING counts the values that
    had a sub-second part. Nulls become NaN (refused later as non-integers).
    """
    unit = column.type.unit
    per_second = _TIME_UNITS[unit]
    ticks = column.cast(pa.int64())
    nulls = ticks.is_null().to_numpy(zero_copy_only=False)
    values = ticks.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    seconds = values // per_second
    fractional = int(np.count_nonzero((values % per_second != 0) & ~nulls))
    if fractional:
        logger.warning(
            "%s: timestamp column %r (timestamp[%s]): %d value(s) had sub-second "
            "parts, dropped (truncated to whole Unix seconds)",
            path,
            name,
            unit,
            fractional,
        )
    if nulls.any():
        return pd.Series(np.where(nulls, np.nan, seconds.astype("float64")), name=name)
    return pd.Series(seconds, name=name)


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
    _warn_padded_ids(text, path, column)
    if id_type == "str":
        return text
    if id_type == "auto":
        # at most 18 digits: always within int64; longer ids stay text
        if text.str.fullmatch(_PLAIN_INT).all():
            return pd.Series(text.to_numpy(dtype=str).astype(np.int64), name=column)
        return text
    ok = text.str.fullmatch(_ANY_INT).to_numpy(dtype=bool)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        raise DataError(
            f"{path}: column {column!r} has {bad.size} id(s) that are not integers "
            f"(id_type is 'int'), first at "
            f"{_where(positions[bad], text.iloc[bad], unit)}; use id_type 'str' or "
            "'auto'"
        )
    outside = np.flatnonzero(_outside_int64(text))
    if outside.size:
        raise DataError(
            f"{path}: column {column!r} has {outside.size} id(s) outside the int64 "
            f"range (id_type is 'int'), first at "
            f"{_where(positions[outside], text.iloc[outside], unit)}; use id_type "
            "'str' or 'auto'"
        )
    ints = pd.to_numeric(text).astype(np.int64)
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


def _warn_padded_ids(text: pd.Series, path: Path, column: str) -> None:
    """WARNING when ids have leading or trailing whitespace."""
    padded = np.flatnonzero((text != text.str.strip()).to_numpy(dtype=bool))
    if padded.size:
        logger.warning(
            "%s: column %r: %d id(s) have leading or trailing whitespace (first "
            "%r); they are kept as they are, so ' 2' and '2' are different ids. "
            "Strip the spaces in the file",
            path,
            column,
            padded.size,
            text.iat[padded[0]],
        )


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
        # float(2**63) is the first value beyond int64; -2.0**63 is its minimum
        outside = np.flatnonzero((array >= 2.0**63) | (array < -(2.0**63)))
        if outside.size:
            raise DataError(
                f"{path}: timestamp column {column!r} has {outside.size} value(s) "
                f"outside the int64 range, first at "
                f"{_where(positions[outside], values.iloc[outside], unit)}; "
                "expected Unix time in seconds"
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


def _read_csv_text(
    path: Path, sep: str, usecols: list[str] | None = None
) -> pd.DataFrame:
    """A CSV as strings, exactly as written (no NA guessing, blank lines kept)."""
    with warnings.catch_warnings():
        # rows longer than the header: _check_csv_fields names them afterwards
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        return pd.read_csv(
            path,
            sep=sep,
            usecols=usecols,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
        )


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

    Lines must have as many fields as the header (see
    :func:`read_custom_interactions`); blank lines are skipped.

    Returns:
        ``item_id``, ``item_name`` (string): rows with an empty or blank name
        are dropped (those items count as unnamed), and the first remaining
        row wins for a repeated id (logged as a WARNING with an example).

    Raises:
        DataError: On a missing column, an empty, unreadable or non-UTF-8
            file, a line with too many or too few fields, an unclosed quote,
            names that are all blank, or (for ``int64`` ids) an id that is not
            an integer within ``int64``.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise DataError(f"Item-name file {path} is empty (0 bytes)")
    try:
        frame = _read_csv_text(path, sep)
    except pd.errors.ParserError as exc:
        _raise_if_unclosed_quote(path, sep, exc)
        raise DataError(f"Item-name file {path}: cannot parse as CSV: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, f"Item-name file {path}", exc) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"Item-name file {path}: cannot parse as CSV: {exc}") from exc
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    missing = [c for c in (id_column, name_column) if c not in frame.columns]
    if missing:
        raise DataError(
            f"Item-name file {path}: column(s) {', '.join(repr(c) for c in missing)} "
            f"not found; columns found: {', '.join(map(repr, frame.columns))}. Fix "
            "data.sources.custom.item_names"
        )
    starts = _check_csv_fields(
        path, sep, [str(c) for c in frame.columns], "data.sources.custom.item_names.sep"
    )
    # Blank lines are dropped.
    lines = _record_lines(path, starts, len(frame))
    blank = (
        frame[id_column].str.strip().eq("") & frame[name_column].str.strip().eq("")
    ).to_numpy(dtype=bool)
    frame = frame.loc[~blank].reset_index(drop=True)
    lines = lines[~blank]
    ids = frame[id_column].astype("str")
    if np.dtype(np.int64) == id_dtype:
        ok = ids.str.fullmatch(_ANY_INT).to_numpy(dtype=bool)
        if not ok.all():
            bad = np.flatnonzero(~ok)
            raise DataError(
                f"Item-name file {path}: column {id_column!r} has {bad.size} id(s) "
                "that are not integers while the interactions' item ids are, first "
                f"at {_where(lines[bad], ids.iloc[bad], 'line')}"
            )
        _check_int64(ids, path, id_column, lines, "line")
        ids = pd.Series(pd.to_numeric(ids).to_numpy(dtype=np.int64))
    names = pd.DataFrame(
        {"item_id": ids, "item_name": frame[name_column].astype("str")}
    )
    named = unique_item_names(names, f"Item-name file {path}")
    if len(names) and named.empty:
        raise DataError(
            f"Item-name file {path}: column {name_column!r} is empty or blank on "
            f"all {len(names)} row(s); expected item names there. Fix "
            "data.sources.custom.item_names.name_column"
        )
    return named


def unique_item_names(names: pd.DataFrame, where: str) -> pd.DataFrame:
    """Drop blank names, then keep the first name of each repeated id.

    An empty or whitespace-only name counts as no name (the item stays
    unnamed). A repeated id is logged as a WARNING with the number of repeats
    and one example.

    Args:
        names: ``item_id``, ``item_name`` as parsed, in file order.
        where: The file, for the log lines (e.g. ``"Item-name file x.csv"``).

    Returns:
        ``item_id``, ``item_name`` with one row per named id, index reset.
    """
    blank = names["item_name"].str.strip().eq("").to_numpy(dtype=bool)
    if blank.any():
        logger.info(
            "%s: %d row(s) with an empty or blank name are ignored (those items "
            "count as having no name)",
            where,
            int(blank.sum()),
        )
        names = names.loc[~blank]
    repeated = names["item_id"].duplicated(keep="first").to_numpy(dtype=bool)
    if repeated.any():
        first = int(np.flatnonzero(repeated)[0])
        example = names["item_id"].iloc[first : first + 1].tolist()[0]
        same = names.loc[names["item_id"] == example, "item_name"].tolist()
        logger.warning(
            "%s: %d repeated id(s), e.g. id %r named %s; the first name of each "
            "id is kept (%r)",
            where,
            int(repeated.sum()),
            example,
            " and ".join(repr(n) for n in same[:_MAX_SHOWN]),
            same[0],
        )
        names = names.loc[~repeated]
    return names.reset_index(drop=True)


def _where(positions: np.ndarray, values: pd.Series, unit: str) -> str:
    """``line 3 ('x'), line 9 ('y')`` for the first few offending values."""
    shown = [
        f"{unit} {int(p)} ({v!r})"
        for p, v in zip(positions[:_MAX_SHOWN], list(values)[:_MAX_SHOWN], strict=True)
    ]
    return ", ".join(shown)
