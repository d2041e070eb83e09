"""Plain tables out: markdown, CSV and HTML strings from rows of flat dicts.

Rows are mappings (e.g. ``Report.to_dict()``) or objects with a ``to_dict()`` method.
Columns default to the union of keys in first-seen order; a missing cell is empty.
"""

from __future__ import annotations

import csv
import html
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["to_csv", "to_html", "to_markdown"]


def _rows(rows: Iterable[Any]) -> list[Mapping[str, Any]]:
    if isinstance(rows, (Mapping, str, bytes)) or not isinstance(rows, Iterable):
        raise TypeError(f"rows must be a sequence of mappings, got {type(rows).__name__} {rows!r}")
    out = []
    for i, row in enumerate(rows):
        if hasattr(row, "to_dict") and not isinstance(row, Mapping):
            row = row.to_dict()
        if not isinstance(row, Mapping):
            raise TypeError(
                f"rows[{i}] must be a mapping or have to_dict(), got {type(row).__name__} {row!r}"
            )
        out.append(row)
    return out


def _columns(rows: list[Mapping[str, Any]], columns: Sequence[str] | None) -> list[str]:
    if columns is not None:
        # A bare string would silently become one column per character.
        if isinstance(columns, (str, bytes)) or not isinstance(columns, Iterable):
            raise TypeError(
                f"columns must be a sequence of column names such as ['n', 'label'], got {columns!r}"
            )
        return list(columns)
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _cell(value: Any, float_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else format(value, float_format)
    # Keep the table a table: a pipe inside a cell would start a new column.
    return str(value).replace("|", "\\|").replace("\n", " ")


def _numeric(rows: list[Mapping[str, Any]], column: str) -> bool:
    """Whether every value of ``column`` is a number (then it is right-aligned)."""
    return all(
        isinstance(r.get(column), (int, float)) and not isinstance(r.get(column), bool) for r in rows if column in r
    )


def to_markdown(
    rows: Iterable[Any], *, columns: Sequence[str] | None = None, float_format: str = ".4g"
) -> str:
    """A GitHub-flavoured markdown table; floats via ``format(value, float_format)``."""
    try:
        format(1.0, float_format)
    except (TypeError, ValueError):
        raise ValueError(
            f"float_format must be a format spec for floats such as '.4g' or '.3f', got {float_format!r}"
        ) from None
    rows = _rows(rows)
    cols = _columns(rows, columns)
    if not cols:
        return ""
    numeric = [_numeric(rows, c) for c in cols]
    lines = [
        "| " + " | ".join(_cell(c, float_format) for c in cols) + " |",
        "|" + "|".join("---:" if num else "---" for num in numeric) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c), float_format) for c in cols) + " |")
    return "\n".join(lines) + "\n"


def to_csv(rows: Iterable[Any], *, columns: Sequence[str] | None = None) -> str:
    """CSV text (stdlib csv, "\\n" line ends); floats keep full precision (repr)."""
    rows = _rows(rows)
    cols = _columns(rows, columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in cols])
    return buffer.getvalue()


def to_html(rows: Iterable[Any], *, columns: Sequence[str] | None = None, float_format: str = ".4g") -> str:
    """An HTML ``<table>`` (what notebooks show through ``_repr_html_``); cells as in
    :func:`to_markdown`, escaped, numeric columns right-aligned."""
    rows = _rows(rows)
    cols = _columns(rows, columns)

    def cell(tag: str, value: Any, numeric: bool = False) -> str:
        text = html.escape("" if value is None else _cell(value, float_format).replace("\\|", "|"))
        return f"<{tag}" + (' style="text-align: right"' if numeric else "") + f">{text}</{tag}>"

    numeric = {c: _numeric(rows, c) for c in cols}
    head = "<tr>" + "".join(cell("th", c) for c in cols) + "</tr>"
    body = "".join("<tr>" + "".join(cell("td", row.get(c), numeric[c]) for c in cols) + "</tr>" for row in rows)
    return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"
