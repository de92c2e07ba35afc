"""A larger centre for the fit's scale target, made from a generated one: every customer and call copied
N times under new ids.

    python -m benchmarks.replicate_source SOURCE OUT --copies 3      (or 2.59: about 10M upset calls)

Generating a centre of 10M upset calls (about 26M calls) takes hours; copying the 10M-call source of
``benchmarks.etl --calls 10000000`` three times takes minutes. Copy k of a customer is
``<id>-k`` (and of a call ``<id>-k``); its calls, follow-ups and churn are the original's, with the same
agents (three times the calls each), so the models see the same relations at three times the size.
Agents and training completions are kept as they are; ground_truth.json is copied (its as-of date is
the load's). The copies are for memory and time: the estimates are the original's with narrower
intervals, since the copies are not independent customers.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import duckdb


def replicate(source: Path, out: Path, copies: float) -> None:
    """Write ``copies`` copies of every customer, call and follow-up of ``source`` into ``out``; a
    fractional part copies that share of the customers once more (chosen by a hash of their id), with
    their calls and those calls' follow-ups: ``--copies 2.6`` of the 10M-call source gives about 10M
    upset calls."""
    (out / "calls").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    whole = int(copies)
    share = round((copies - whole) * 1000)  # the last copy's customers: hash(id) % 1000 below this
    ks = f"range(1, {whole + (2 if share else 1)})"
    calls_csv = str(source / "calls" / "*.csv")

    def kept(customer: str) -> str:
        return f"(k <= {whole} OR hash({customer}) % 1000 < {share})"

    def copy(src: Path, dst: Path, renamed: dict[str, str], where: str = "true") -> None:
        columns = con.execute(f"SELECT * FROM read_csv('{src}', all_varchar = true) LIMIT 0").fetchdf().columns
        select = ", ".join(f"{renamed[c].format(c=f'{chr(34)}{c}{chr(34)}')} AS \"{c}\"" if c in renamed
                           else f'"{c}"' for c in columns)
        con.execute(f"COPY (SELECT {select} FROM read_csv('{src}', all_varchar = true) AS t, {ks} AS k(k) "
                    f"WHERE {where}) TO '{dst}' (HEADER, NULLSTR '')")

    suffix = "{c} || '-' || k"
    copy(source / "customers.csv", out / "customers.csv", {"customer_id": suffix}, kept("t.customer_id"))
    follow_kept = "true" if not share else (
        f"(k <= {whole} OR t.call_id IN (SELECT call_id FROM read_csv('{calls_csv}', all_varchar = true) "
        f"WHERE hash(customer_id) % 1000 < {share}))")
    copy(source / "follow_ups.csv", out / "follow_ups.csv", {"call_id": suffix}, follow_kept)
    for calls in sorted((source / "calls").glob("*.csv")):
        copy(calls, out / "calls" / calls.name, {"call_id": suffix, "customer_id": suffix}, kept("t.customer_id"))
    for name in ("agents.csv", "training.csv", "ground_truth.json"):
        shutil.copyfile(source / name, out / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--copies", type=float, default=3,
                        help="copies of every customer; a fractional part copies that share of them once more")
    args = parser.parse_args()
    replicate(args.source, args.out, args.copies)


if __name__ == "__main__":
    main()
