"""Coverage study: do calmline's 95% intervals cover the effects the generator planted?

    python -m benchmarks.coverage --centres 20                  # 20 centres of 10,000 customers
    python -m benchmarks.coverage --centres 30 --customers 20000 --workdir /tmp/cov

For each centre (seeds ``--seed``, ``--seed + 1``, ...): generate a centre with its ground
truth (``calmline.synth.generate``), load it at the generator's as-of date
(``calmline.etl.load.load``), read the model population through the runner's query and fit
the practice effects exactly as ``calmline fit`` does for its 90-day run
(:func:`calmline.analysis.effects.practice_effects` on the runner's complete cases, design and
landmark; the rest of the suite, Cox to priorities, is skipped: it does not change these rows).
Each centre's figures are cached in ``--workdir`` as JSON, so an interrupted study resumes.

Truth, per practice: ground_truth.json's ``call_level_total_risk_difference`` where the
generator gives one (the promise, whose effect partly works through the follow-up it
brings), else ``call_level_risk_difference``, at the horizon: the effect of the practice
on the call itself, which is what the per-call models estimate (see
tests/analysis/test_recovery.py). The follow-up (an after-call practice) is estimated at
a landmark, whose truth the generator does not compute: it is left out of coverage.

Prints, per method (logit, aipw; total-effect risk differences) and practice: how many
centres' intervals covered the truth, that share with its exact (Clopper-Pearson) 95%
interval, the mean bias and the mean interval width in points; the pooled coverage per
method (target 90-98%); and the null practice's (planted effect exactly 0) false-positive
rate, p < 0.05, per method (target about 5%). Not run in CI: about 30 s per centre of
10,000 customers on the 2-core machine (more while other work runs).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

METHODS = ("logit", "aipw")
TARGET = (0.90, 0.98)


def run_centre(workdir: Path, seed: int, customers: int, horizon: int) -> dict:
    """Generate, load and fit one centre; its effects and truths (cached as JSON)."""
    cached = workdir / f"centre-{seed}-{customers}-{horizon}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    import duckdb

    from calmline import vocabulary
    from calmline.analysis.design import active_at, build, complete_cases
    from calmline.analysis.effects import practice_effects
    from calmline.etl.load import load
    from calmline.queries import load_sql
    from calmline.synth import generate

    source, db = workdir / f"source-{seed}", workdir / f"centre-{seed}.duckdb"
    for path in (db, db.with_suffix(".duckdb.wal")):
        path.unlink(missing_ok=True)
    started = time.monotonic()
    generate(source, customers, seed)
    truth = json.loads((source / "ground_truth.json").read_text())
    load(source, db, as_of=date.fromisoformat(truth["as_of"]))
    con = duckdb.connect(str(db), read_only=True)
    population = con.execute(load_sql("analysis/upset_calls")).df()
    n_agents = con.execute("SELECT count(DISTINCT agent_id) FROM agents").fetchone()[0]
    con.close()
    # as analysis.runner._fit_horizon
    practices = [p for p in vocabulary.practice_names() if population[p].notna().any()]
    after = [p.name for p in vocabulary.PRACTICES if p.after_call and p.name in practices]
    outcome = f"churned_{horizon}d"
    df, _ = complete_cases(population[population["days_observable"] >= horizon], practices, outcome)
    effects, _, _ = practice_effects(df, practices, outcome, build(df, practices), after_call=after,
                                     landmark=active_at(df, vocabulary.FOLLOWUP_WINDOW_DAYS),
                                     landmark_days=vocabulary.FOLLOWUP_WINDOW_DAYS)
    chosen = effects[(effects["effect"] == "total") & (effects["scale"] == "risk_difference")
                     & effects["method"].isin(METHODS)]
    rows = [[None if pd.isna(v) else v for v in r] for r in
            chosen[["practice", "method", "estimate", "ci_low", "ci_high", "p_value", "n_calls"]]
            .astype(object).itertuples(index=False)]
    key = f"{horizon}d"
    truths = {p: entry.get("call_level_total_risk_difference", entry["call_level_risk_difference"])[key]
              for p, entry in truth["practices"].items()}
    result = {"seed": seed, "customers": customers, "agents": n_agents, "null": truth["zero_effect_practice"],
              "truth": truths, "seconds": time.monotonic() - started,
              "effects": [dict(zip(["practice", "method", "estimate", "ci_low", "ci_high", "p_value", "n_calls"],
                                   r)) for r in rows]}
    cached.write_text(json.dumps(result, default=float))
    db.unlink(missing_ok=True)
    shutil.rmtree(source, ignore_errors=True)
    return result


def summarise(centres: list[dict]) -> tuple[list[dict], dict, dict]:
    """Per method and practice: covered, centres, bias and width; pooled coverage; null false positives.

    Returns
    -------
    rows : list of dict
        method, practice, covered, n (centres with an interval), coverage, its Clopper-Pearson
        95% interval, mean bias and mean width (probability units).
    pooled : dict
        method -> (covered, n).
    false_positive : dict
        method -> (centres with p < 0.05 for the null practice, centres with a p-value).
    """
    cells: dict[tuple[str, str], list[tuple[bool, float, float]]] = {}
    false_positive = {m: [0, 0] for m in METHODS}
    for centre in centres:
        for e in centre["effects"]:
            truth = centre["truth"].get(e["practice"])
            if truth is None or e["ci_low"] is None or e["ci_high"] is None:
                continue
            cells.setdefault((e["method"], e["practice"]), []).append(
                (e["ci_low"] <= truth <= e["ci_high"], e["estimate"] - truth, e["ci_high"] - e["ci_low"]))
            if e["practice"] == centre["null"] and e["p_value"] is not None:
                false_positive[e["method"]][1] += 1
                false_positive[e["method"]][0] += e["p_value"] < 0.05
    rows, pooled = [], {m: [0, 0] for m in METHODS}
    for (method, practice), hits in sorted(cells.items()):
        covered = sum(h[0] for h in hits)
        low, high = proportion_confint(covered, len(hits), method="beta")
        rows.append({"method": method, "practice": practice, "covered": covered, "n": len(hits),
                     "coverage": covered / len(hits), "low": low, "high": high,
                     "bias": sum(h[1] for h in hits) / len(hits), "width": sum(h[2] for h in hits) / len(hits)})
        pooled[method][0] += covered
        pooled[method][1] += len(hits)
    return rows, {m: tuple(v) for m, v in pooled.items()}, {m: tuple(v) for m, v in false_positive.items()}


def report(centres: list[dict]) -> str:
    """The study's figures as text."""
    rows, pooled, false_positive = summarise(centres)
    agents = sorted({c["agents"] for c in centres})
    lines = [f"{len(centres)} centres of {centres[0]['customers']:,} customers (seeds "
             f"{min(c['seed'] for c in centres)}-{max(c['seed'] for c in centres)}), "
             f"{min(agents)}-{max(agents)} agents, about "
             f"{sum(c['effects'][0]['n_calls'] for c in centres) / len(centres):,.0f} upset calls "
             "with a closed 90-day window each",
             "", f"{'method':<6} {'practice':<22} {'covered':>9} {'coverage':>9} {'exact 95% CI':>15} "
                 f"{'bias (pts)':>11} {'width (pts)':>12}"]
    for r in rows:
        lines.append(f"{r['method']:<6} {r['practice']:<22} {r['covered']:>4}/{r['n']:<4} {r['coverage']:>8.0%} "
                     f"{r['low']:>7.0%}-{r['high']:<7.0%} {100 * r['bias']:>+11.2f} {100 * r['width']:>12.2f}")
    lines.append("")
    for method, (covered, n) in pooled.items():
        if n:
            low, high = proportion_confint(covered, n, method="beta")
            inside = TARGET[0] <= covered / n <= TARGET[1]
            lines.append(f"pooled {method}: {covered}/{n} intervals covered the truth = {covered / n:.1%} "
                         f"(exact 95% CI {low:.1%}-{high:.1%}); target {TARGET[0]:.0%}-{TARGET[1]:.0%}: "
                         f"{'within' if inside else 'OUTSIDE'}")
    null = centres[0]["null"]
    for method, (hits, n) in false_positive.items():
        if n:
            lines.append(f"null practice {null}, {method}: p < 0.05 in {hits}/{n} centres = {hits / n:.1%} "
                         "(nominal 5%)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--centres", type=int, default=20)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5000, help="first centre's seed; the others follow")
    parser.add_argument("--horizon", type=int, default=90)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-coverage")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    centres = []
    for i in range(args.centres):
        centre = run_centre(args.workdir, args.seed + i, args.customers, args.horizon)
        centres.append(centre)
        print(f"centre {i + 1}/{args.centres} (seed {centre['seed']}): {centre['seconds']:.0f} s", flush=True)
    print()
    print(report(centres))


if __name__ == "__main__":
    main()
