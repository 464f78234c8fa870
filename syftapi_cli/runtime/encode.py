"""Encode results as strict JSON, CSV or a table description, inside the worker.

The CLI never imports pandas for a result: the worker encodes it in the format
the caller asked for and the CLI copies the bytes to stdout.
"""

import base64
import csv
import datetime
import decimal
import io
import json
import math
import re

TABLE_EDGE_ROWS = 10


def _is_pandas(value: object) -> bool:
    return type(value).__module__.split(".")[0] == "pandas"


def _is_numpy(value: object) -> bool:
    return type(value).__module__.split(".")[0] == "numpy"


def to_jsonable(value: object) -> object:
    """Return VALUE as plain JSON data: NaN and NaT become None, times ISO 8601."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if _is_pandas(value):
        return _pandas_jsonable(value)
    if _is_numpy(value):
        if hasattr(value, "tolist"):
            return to_jsonable(value.tolist())
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def _pandas_jsonable(value: object) -> object:
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        columns = [str(c) for c in value.columns]
        return [
            dict(zip(columns, (_cell(v) for v in row), strict=True))
            for row in value.itertuples(index=False, name=None)
        ]
    if isinstance(value, pd.Series):
        return {str(k): _cell(v) for k, v in value.items()}
    if isinstance(value, pd.Index):
        return [_cell(v) for v in value]
    return _cell(value)


def _cell(value: object) -> object:
    import pandas as pd

    if value is None or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    return to_jsonable(value)


# json.dumps escapes the characters below 0x20 but leaves DEL, the C1 controls
# and the Unicode direction marks raw, which a terminal would act on.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def encode_json(value: object) -> bytes:
    text = json.dumps(to_jsonable(value), allow_nan=False, ensure_ascii=False)
    text = _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return text.encode() + b"\n"


def encode_csv(value: object) -> bytes:
    if _is_pandas(value):
        import pandas as pd

        if isinstance(value, pd.Series):
            value = value.to_frame()
        if isinstance(value, pd.DataFrame):
            keep_index = not isinstance(value.index, pd.RangeIndex)
            return value.to_csv(index=keep_index, lineterminator="\n").encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    data = to_jsonable(value)
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        columns = list(dict.fromkeys(k for row in data for k in row))
        writer.writerow(columns)
        for row in data:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
    elif isinstance(data, dict):
        writer.writerow(["key", "value"])
        for key, item in data.items():
            writer.writerow([key, _csv_cell(item)])
    elif isinstance(data, list):
        writer.writerow(["value"])
        for item in data:
            writer.writerow([_csv_cell(item)])
    else:
        writer.writerow(["value"])
        writer.writerow([_csv_cell(data)])
    return buffer.getvalue().encode()


CSV_CHUNK_ROWS = 100_000


def csv_streamer(value: object):
    """Return a function that writes a large DataFrame as CSV in chunks, else None.

    Writing chunk by chunk keeps the worker's memory near that of the frame
    itself instead of holding the whole CSV text at once.
    """
    if type(value).__module__.split(".")[0] != "pandas":
        return None
    import pandas as pd

    if not isinstance(value, pd.DataFrame) or len(value) <= CSV_CHUNK_ROWS:
        return None
    keep_index = not isinstance(value.index, pd.RangeIndex)

    def write(stream) -> None:
        for start in range(0, len(value), CSV_CHUNK_ROWS):
            chunk = value.iloc[start : start + CSV_CHUNK_ROWS]
            text = chunk.to_csv(index=keep_index, header=start == 0, lineterminator="\n")
            stream.write(text.encode())

    return write


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _frame_table(frame) -> dict:
    import pandas as pd

    total = len(frame)
    show_index = not isinstance(frame.index, pd.RangeIndex)
    if total > 2 * TABLE_EDGE_ROWS:
        parts = [frame.head(TABLE_EDGE_ROWS), frame.tail(TABLE_EDGE_ROWS)]
    else:
        parts = [frame]
    blocks = []
    for part in parts:
        rows = []
        for index, row in zip(part.index, part.itertuples(index=False, name=None)):
            cells = [str(v) for v in row]
            rows.append(([str(index)] if show_index else []) + cells)
        blocks.append(rows)
    columns = ([str(frame.index.name or "")] if show_index else []) + [
        str(c) for c in frame.columns
    ]
    return {"type": "frame", "columns": columns, "blocks": blocks, "total_rows": total}


def encode_table(value: object) -> bytes:
    """Describe VALUE for the CLI's table renderer, as JSON."""
    if _is_pandas(value):
        import pandas as pd

        if isinstance(value, pd.Series):
            frame = value.to_frame(name=str(value.name) if value.name is not None else "value")
            return json.dumps(_frame_table(frame)).encode()
        if isinstance(value, pd.DataFrame):
            return json.dumps(_frame_table(value)).encode()
    data = to_jsonable(value)
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        columns = list(dict.fromkeys(k for row in data for k in row))
        rows = [[_csv_cell(row.get(c)) for c in columns] for row in data]
        description = {"type": "frame", "columns": columns, "blocks": [rows], "total_rows": len(rows)}
        return json.dumps(description).encode()
    if isinstance(value, str):
        text = value
    elif isinstance(data, (dict, list)):
        text = json.dumps(data, indent=2, ensure_ascii=False)
    else:
        text = str(value)
    return json.dumps({"type": "text", "text": text}).encode()


ENCODERS = {"json": encode_json, "csv": encode_csv, "table": encode_table}


def encode(value: object, fmt: str) -> bytes:
    if fmt == "none":
        return b""
    return ENCODERS[fmt](value)

