"""Read one source file on Spark as text, one row per record, with its file and line.

The Spark twin of :mod:`calmline.etl.read_raw`, for the formats a lake holds: CSV and
Parquet. Each file becomes a DataFrame of ``_file_idx``, ``_line`` (CSV: the line in the file,
the header being line 1; Parquet: the row's position from 1), ``_text`` (the row as written:
the fields quoted back into CSV, or the Parquet row as JSON, as the DuckDB engine stores them),
``_parse_column`` and ``_parse_rule`` (set when the row could not be split into the header's
fields, as DuckDB's reader reports it) and one text column per contract column (NULL where
the file has none). Headers are checked by :mod:`calmline.etl.sources`, as for DuckDB.

A quoted CSV field spanning lines makes one record, numbered as DuckDB's reader numbers it
(records, not lines: the header is 1, the first record 2, a record of two lines counts once).
Spark reads text line by line, so the lines are first numbered (:func:`_numbered_lines`), the
quotes that open or close a field counted per line in the same pass, and only the files with
a line of an odd count are joined back into records (:func:`_records`): the driver gets the
odd lines' numbers alone, never the text, and every other line stays where it was read.

Known differences from the DuckDB reader: text that is not valid UTF-8 is not rejected (Spark
replaces invalid bytes); a quote inside an unquoted value (``bad"quote``) is text, as DuckDB
takes it, but a field-opening quote is found by its place (after a comma or at the start of a
line), not by a full CSV parser's state.
"""

from __future__ import annotations

from pathlib import Path

from calmline.etl.errors import LoadError
from calmline.etl.sources import SourceFile, match_columns, read_csv_header
from calmline.etl.sql_text import lit
from calmline.spark.dialect import to_spark

MISSING = "\u0000<missing>"
"""What Spark's CSV parser gives for a field the row does not have (an empty field is '')."""


def read_file(spark, i: int, src: SourceFile):
    """The rows of one file (see the module's text).

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
    i : int
        The file's index in this load.
    src : SourceFile
        The file, as :func:`calmline.etl.sources.discover` found it.

    Returns
    -------
    pyspark.sql.DataFrame
    """
    if src.format == "csv":
        return _csv(spark, i, src)
    if src.format == "parquet":
        return _parquet(spark, i, src)
    raise LoadError(src.path, f"--engine spark reads CSV and Parquet files, not {src.format.upper()}; "
                              "load this folder with the DuckDB engine or convert the file")


def _contract_fields(src: SourceFile, field_of) -> list[str]:
    out = []
    for name in src.entity.column_names:
        own = src.columns.get(name)
        out.append(f"{field_of(own)} AS `{name}`" if own is not None else f"CAST(NULL AS STRING) AS `{name}`")
    return out


def read_files(spark, items: list[tuple[int, SourceFile]]):
    """The rows of one entity's files as one frame (the columns of :func:`read_file`).

    The CSV files that share a header are read as one text source: a single job numbers every
    file's lines (per file chunk: its lines and the positions of its lines with an odd count of
    field quotes, from ``_metadata.file_path`` and ``_metadata.file_block_start``), and one
    projection splits them, instead of a job and a plan per file. A file with a quoted field
    spanning lines (an odd line) is read on its own by :func:`read_file`.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
    items : list of (int, SourceFile)
        The files, each with its index in this load.

    Returns
    -------
    pyspark.sql.DataFrame
    """
    frames, groups = [], {}
    for i, src in items:
        if src.format != "csv":
            frames.append(read_file(spark, i, src))
            continue
        header = read_csv_header(src)
        match_columns(src, header)
        groups.setdefault((tuple(header), tuple(sorted(src.columns.items()))), []).append((i, src, header))
    for group in groups.values():
        frames.extend(_csv_group(spark, group))
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out


def _csv_group(spark, group: list[tuple[int, SourceFile, list[str]]]) -> list:
    """Frames for CSV files with the same header: one for those without odd lines, one per file
    with some (see :func:`read_files`)."""
    from urllib.parse import unquote, urlparse

    from pyspark.sql import functions as F

    index = {src.path.resolve(): i for i, src, _ in group}
    lines = spark.read.text([str(src.path) for _, src, _ in group]).selectExpr(
        "value", "_metadata.file_path AS path", "_metadata.file_block_start AS block",
        "monotonically_increasing_id() AS pos")
    chunks = lines.groupBy("path", "block").agg(F.count("*").alias("n"), F.min("pos").alias("first"))
    odd = lines.where(OPENS_OR_CLOSES).groupBy("path", "block").agg(F.collect_list("pos").alias("odd"))
    found: dict[int, list] = {}
    for path, block, n, first, positions in chunks.join(odd, ["path", "block"], "left").select(
            "path", "block", "n", "first", "odd").collect():
        i = index.get(Path(unquote(urlparse(path).path)).resolve())
        if i is None:
            raise LoadError(Path(path), "Spark read a file the load did not list")
        found.setdefault(i, []).append((block, path, n, first, positions or []))
    deltas, alone = [], []
    for i, parts in found.items():
        parts.sort()
        if any(positions for *_, positions in parts):
            alone.append(i)
            continue
        before = 0
        for block, path, n, first, _ in parts:
            deltas.append((path, block, before - first, i))  # line index = pos + delta
            before += n
    frames = [read_file(spark, i, src) for i, src, _ in group if i in alone]
    if deltas:
        delta = spark.createDataFrame(deltas, "path STRING, block LONG, delta LONG, _file_idx INT")
        numbered = lines.join(F.broadcast(delta), ["path", "block"]).selectExpr(
            "value", "pos + delta AS idx", "_file_idx")
        _, src, header = group[0]
        frames.append(_parse_csv(numbered, src, header))
    return frames


def _csv(spark, i: int, src: SourceFile):
    header = read_csv_header(src)
    match_columns(src, header)
    return _parse_csv(_records(spark, src).selectExpr("value", "idx", f"{i} AS _file_idx"), src, header)


def _parse_csv(records, src: SourceFile, header: list[str]):
    """Split CSV records (``value``, ``idx`` from 0 with the header at 0, ``_file_idx``) into the
    contract's text columns (see the module's text)."""
    n = len(header)
    position = {h: k for k, h in enumerate(header)}
    frame = records.where("idx > 0 AND value <> ''")
    schema = ", ".join(f"_r{k} STRING" for k in range(n + 1))
    options = {"quote": '"', "escape": '"', "nullValue": MISSING, "mode": "PERMISSIVE"}
    opts = "map(" + ", ".join(f"{lit(k)}, {lit(v)}" for k, v in options.items()) + ")"
    parsed = frame.selectExpr("_file_idx", "idx + 1 AS _line", "value",
                              f"from_csv(value, {lit(schema)}, {opts}) AS p")
    parsed = parsed.selectExpr("_file_idx", "_line", "value", *[f"p._r{k} AS _r{k}" for k in range(n + 1)])
    # Fields: the commas outside quoted text, plus one (Spark's parser gives NULL both for a field
    # the row lacks and for an empty last field, so it cannot tell a short row by itself).
    # possessive: Java's backtracking regex recurses per character on ([^"]|"")* (a long field
    # overflows its stack)
    # A line without a quote (most lines: none in the generator's files) skips the regular
    # expressions: its commas are its separators, and its fields need no quoting back.
    unquoted = "regexp_replace(value, '\"[^\"]*+(?:\"\"[^\"]*+)*+\"', '')"
    found = (f"CASE WHEN {NO_QUOTE} THEN length(value) - length(replace(value, ',', '')) + 1 "
             f"ELSE length({unquoted}) - length(replace({unquoted}, ',', '')) + 1 END")
    parsed = parsed.selectExpr("*", f"{found} AS _fields")
    ends_before = "CASE _fields " + " ".join(f"WHEN {k} THEN {lit(h)}" for k, h in enumerate(header)) + " END"
    short = (f"'short row: fewer fields than the header (' || _fields || ' of {n} fields; ends before ' "
             f"|| ({ends_before}) || ')'")
    long = f"'long row: more fields than the header (' || _fields || ' fields, the header has {n})'"
    text = to_spark("concat_ws(',', " + ", ".join(f"cl_csv_field(_r{k})" for k in range(n)) + ")")
    rows = parsed.selectExpr(
        "CAST(_file_idx AS INT) AS _file_idx", "_line",
        f"CASE WHEN _fields <> {n} OR {NO_QUOTE} THEN value ELSE {text} END AS _text",
        f"CASE WHEN _fields < {n} THEN ({ends_before}) END AS _parse_column",
        f"CASE WHEN _fields < {n} THEN {short} WHEN _fields > {n} THEN {long} END AS _parse_rule",
        *_contract_fields(src, lambda own: f"_r{position[own]}"))
    return rows


STRUCTURAL_QUOTES = "regexp_replace(value, '(?<=[^,\"])\"(?=[^,\"])', '')"
"""A line's text less the quotes inside an unquoted value (``bad"quote``, text to DuckDB too):
what is left are the quotes that open or close a field, and doubled quotes inside one."""
NO_QUOTE = "instr(value, '\"') = 0"
"""Spark SQL: the line has no quote at all (its fields are its commas' pieces, each as written)."""
OPENS_OR_CLOSES = (f"(NOT {NO_QUOTE} AND "
                   f"(length({STRUCTURAL_QUOTES}) - length(replace({STRUCTURAL_QUOTES}, '\"', ''))) % 2 = 1)")
"""Spark SQL: the line opens a quoted field it does not close, or closes one opened before (a
line without quotes is decided without the regular expression)."""


def _numbered_lines(spark, src: SourceFile):
    """The file's lines (``value``) with their index from 0 (``idx``), in the JVM alone, and the
    indexes of the lines with an odd count of field quotes (:data:`OPENS_OR_CLOSES`), sorted.

    ``monotonically_increasing_id()`` is the partition's number in its upper 31 bits and the
    row's position in the partition in its lower 33; a file's partitions come in file order,
    so the index is the lines of the partitions before (one small count per partition) plus
    the position: ``RDD.zipWithIndex`` without sending every line through Python. The odd
    lines come back in the same pass (a quoted field spanning lines opens and closes on one).
    """
    frame = spark.read.text(str(src.path)).selectExpr(
        "value", "shiftright(monotonically_increasing_id(), 33) AS part",
        "monotonically_increasing_id() & 8589934591 AS pos")
    counts = sorted(frame.groupBy("part").agg(
        {"*": "count"}).withColumnRenamed("count(1)", "n").join(
        frame.where(OPENS_OR_CLOSES).groupBy("part").agg({"pos": "collect_list"})
        .withColumnRenamed("collect_list(pos)", "odd"), "part", "left").collect())
    before, offsets, odd = 0, {}, []
    for part, n, positions in counts:
        offsets[part] = before
        odd.extend(before + p for p in positions or ())
        before += n
    start = "CASE part " + " ".join(f"WHEN {p} THEN {b}" for p, b in offsets.items()) + " END" if offsets else "0"
    return frame.selectExpr("value", f"{start} + pos AS idx", "part"), sorted(odd), offsets, before


def _records(spark, src: SourceFile):
    """The file's CSV records (``value``, lines joined by newlines where a quoted field spans
    them) and their index from 0 as DuckDB's reader counts them (``idx``: the header is 0).

    The odd lines pair up: a record opens on one and closes on the next (an open quote left at
    the end runs to the last line, where the parser then reports it). Files without any are
    returned as read. Otherwise the lines of each multi-line record are grouped (a small
    frame: only those lines) and every later record moves up by the lines joined before it (a
    running count within each read partition, the partitions' totals added on the driver).
    """
    from pyspark.sql import functions as F

    lines, odd, offsets, total = _numbered_lines(spark, src)
    if not odd:
        return lines.select("value", "idx")
    if len(odd) % 2:
        odd.append(total - 1)
    spans = [(odd[k], odd[k + 1]) for k in range(0, len(odd), 2)]
    # The spans' lines are made on the executors (an open quote near the start of a large file
    # spans most of it: never listed on the driver); broadcast when as few as usual.
    span_frame = spark.createDataFrame(spans, "a LONG, b LONG")
    small = sum(b - a + 1 for a, b in spans) <= 1_000_000
    hint = F.broadcast if small else (lambda frame: frame)
    members = span_frame.selectExpr("explode(sequence(a, b)) AS idx", "a AS record")
    tagged = lines.join(hint(members), "idx", "left")
    joined = tagged.where("record IS NOT NULL").groupBy("record").agg(
        F.expr("min_by(part, idx)").alias("part"),
        F.expr("array_join(transform(array_sort(collect_list(struct(idx, value))), x -> x.value), '\\n')")
        .alias("value")).withColumnRenamed("record", "idx")
    single = tagged.where("record IS NULL").select("idx", "part", "value")
    # The lines joined into the record above them (a span's all but its first), as rows without
    # text: each record moves up by those before it, counted within its read partition plus
    # those of the partitions before (from the spans, on the driver).
    base = {p: sum(max(0, min(b, first - 1) - a) for a, b in spans) for p, first in offsets.items()}
    base_case = "CASE part " + " ".join(f"WHEN {p} THEN {n}" for p, n in base.items()) + " END"
    gone = tagged.where("record IS NOT NULL AND idx > record").selectExpr(
        "idx", "part", "CAST(NULL AS STRING) AS value")
    return (single.unionByName(joined).unionByName(gone)
            .selectExpr("value", "idx", f"{base_case} + count(CASE WHEN value IS NULL THEN 1 END) OVER "
                        "(PARTITION BY part ORDER BY idx ROWS UNBOUNDED PRECEDING) AS shift")
            .where("value IS NOT NULL").selectExpr("value", "idx - shift AS idx"))


def _parquet(spark, i: int, src: SourceFile):
    from pyspark.sql.types import DateType, DoubleType, FloatType, TimestampNTZType, TimestampType

    try:
        frame = spark.read.parquet(str(src.path))
    except Exception as exc:  # noqa: BLE001 - Spark raises its own error types
        raise LoadError(src.path, f"cannot be read as PARQUET: {str(exc).splitlines()[0]}") from exc
    names = frame.columns
    match_columns(src, names)
    types = {f.name: f.dataType for f in frame.schema.fields}
    kinds = {c.name: c.kind for c in src.entity.columns}
    own_kind = {own: kinds[name] for name, own in src.columns.items()}

    def as_text(own: str) -> str:
        # pandas writes a missing number as NaN and a date as a timestamp at midnight.
        c = f"`{own}`"
        if isinstance(types[own], (FloatType, DoubleType)):
            return f"CASE WHEN NOT isnan({c}) THEN CAST({c} AS STRING) END"
        if own_kind.get(own) == "date" and isinstance(types[own], (TimestampNTZType, TimestampType)):
            return (f"CASE WHEN {c} = CAST(CAST({c} AS DATE) AS TIMESTAMP_NTZ) "
                    f"THEN CAST(CAST({c} AS DATE) AS STRING) ELSE CAST({c} AS STRING) END")
        if isinstance(types[own], DateType):
            return f"CAST({c} AS STRING)"
        return f"CAST({c} AS STRING)"

    text = ("to_json(named_struct(" + ", ".join(f"{lit(n)}, CAST(`{n}` AS STRING)" for n in names)
            + "), map('ignoreNullFields', 'false'))")
    return frame.selectExpr(
        f"{i} AS _file_idx", "_metadata.row_index + 1 AS _line", f"{text} AS _text",
        "CAST(NULL AS STRING) AS _parse_column", "CAST(NULL AS STRING) AS _parse_rule",
        *_contract_fields(src, as_text))
