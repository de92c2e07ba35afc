"""Reading generated worlds back from their files, as the truth tests compare them."""

from __future__ import annotations

import pandas as pd

SMALL, SEED = 1000, 5          # forced-world checks: exact, so small is enough
MEDIUM, MEDIUM_SEED = 3000, 7  # statistical checks (the sample data's world)
AS_OF = pd.Timestamp("2026-01-01")


def read_calls(folder):
    calls = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False)
                       for p in sorted((folder / "calls").glob("calls_*.csv"))], ignore_index=True)
    calls["day"] = pd.to_datetime(calls.started_at).dt.normalize()
    calls["anger"] = calls.anger_level.astype(int)
    return calls


def churned_at(folder):
    customers = pd.read_csv(folder / "customers.csv", dtype=str, keep_default_na=False)
    return pd.to_datetime(customers.set_index("customer_id").churned_at.replace("", None))


def churned_by(calls, churn, horizon):
    """Bool per call: the customer's churned_at <= call day + horizon days."""
    when = churn.reindex(calls.customer_id).to_numpy()
    return pd.Series(when <= (calls.day + pd.Timedelta(days=horizon)).to_numpy(), index=calls.index)


def upset_in_window(calls, horizon):
    return calls[(calls.anger >= 3) & (calls.day + pd.Timedelta(days=horizon) <= AS_OF)]


def generate_files_only(out, customers, seed, **kwargs):
    """``generate`` without the ground truth's computation, which re-runs the world with every
    practice and disputed point forced (3.5 of its 3.6 CPU s for a forced SMALL world). It runs
    after every data file is written and changes none of them (checked: the 16 other files of a
    forced world are byte-identical either way); ground_truth.json then holds no truth."""
    import sys
    from unittest import mock

    from calmline import vocabulary
    from calmline.synth import generate

    module = sys.modules["calmline.synth.generate"]
    stub = {"horizons": {f"{vocabulary.HEADLINE_HORIZON}d": {"n_upset_calls_in_window": None}},
            "practices": {}, "disputes": {}}
    with mock.patch.object(module, "ground_truth", lambda *args: stub):
        return generate(out, customers, seed, **kwargs)
