"""A page's AG Grid as a printed table: the grid's rows under its headers, each cell formatted as the
grid shows it.

The pages format numbers in the browser, with d3-format strings in their column definitions
(:data:`calmline.dashboard.grids.PERCENT`, ``d3.format('.2f')``, ``d3.format('+.1f')(100 *
params.value) + ' pp'``); :func:`cell` applies the same format in Python, so the report prints
what the grid shows for the same rows. Markdown links (the coaching queue's "their upset calls")
print as their text.
"""

from __future__ import annotations

import re

import pandas as pd
from calmline.dashboard import formats

_D3 = re.compile(r"d3\.format\('(?P<spec>[^']*)'\)\((?:(?P<scale>[0-9.]+)\s*\*\s*)?params\.value\)"
                 r"(?:\s*\+\s*'(?P<suffix>[^']*)')?")
_D3_SPEC = re.compile(r"(?P<sign>[+-]?)(?P<comma>,?)(?:\.(?P<digits>\d+))?(?P<kind>[%fde]?)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def d3_number(value: float, spec: str) -> str:
    """``value`` formatted as d3-format's ``spec`` does, for the specs the pages use (``.1%``, ``,``,
    ``.2f``, ``+.1f``, ``.3f``); d3's minus sign (U+2212) as in the browser."""
    found = _D3_SPEC.fullmatch(spec)
    if not found:
        raise ValueError(f"d3 format {spec!r} is not one the reports print")
    sign, comma, digits, kind = found["sign"], found["comma"], found["digits"], found["kind"]
    if kind == "":  # d3's default: shortest representation (integers stay integers)
        text = f"{value:{sign}{comma}.12g}" if value != int(value) else f"{int(value):{sign}{comma}d}"
    else:
        text = f"{value:{sign}{comma}.{digits or 6}{kind}}"
    if text.startswith("-") and float(re.sub(r"[^0-9.]", "", text) or 0) == 0:
        text = text[1:]  # d3 prints no negative zero
    return text.replace("-", "\u2212")


def cell(value, column: dict):
    """One cell as the grid shows it under the column definition ``column``.

    Parameters
    ----------
    value : object
        The row's raw value.
    column : dict
        The AG Grid column definition (``valueFormatter``, ``refData``, ``cellRenderer``).

    Returns
    -------
    str
    """
    if formats.is_missing(value):
        return formats.MISSING
    if "refData" in column:
        return str(column["refData"].get(value, value))
    function = (column.get("valueFormatter") or {}).get("function", "")
    found = _D3.search(function)
    if found and isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value) * float(found["scale"] or 1)
        return d3_number(number, found["spec"]) + (found["suffix"] or "")
    if column.get("cellRenderer") == "markdown":
        return _LINK.sub(r"\1", str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def grid_table(rows: list[dict], columns: list[dict]) -> pd.DataFrame:
    """The grid's rows as the grid shows them: its header names, its cell formats, its column order.

    Parameters
    ----------
    rows : list of dict
        The grid's ``rowData``.
    columns : list of dict
        The grid's ``columnDefs``.

    Returns
    -------
    pandas.DataFrame
        Text cells under the grid's headers (empty when there are no rows).
    """
    if not rows or not columns:
        return pd.DataFrame()
    out = {}
    for column in columns:
        header = column.get("headerName") or column["field"]
        out[header] = [cell(row.get(column["field"]), column) for row in rows]
    return pd.DataFrame(out)
