"""How well detection agrees with a reference (hand labels or QA scores), per practice.

Pure functions: DataFrames in, a tidy DataFrame out (one row per practice), ready to store
or print. For a true/false practice: the 2 x 2 table, precision, recall and F1 of detection
against the reference, % agreement, and Cohen's kappa (statsmodels'
``cohens_kappa``, with its asymptotic 95% interval); precision and recall carry Wilson 95%
intervals, since the counts behind them are often small. For a category (verify_mode) or a
count (options_offered): agreement and kappa over the k x k table, and macro-averaged
precision, recall and F1 over the categories.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.proportion import proportion_confint

from calmline.vocabulary import qa_flags

COLUMNS = ("practice", "kind", "n", "tp", "fp", "fn", "tn", "agreement", "precision", "precision_low",
           "precision_high", "recall", "recall_low", "recall_high", "f1", "kappa", "kappa_low", "kappa_high")
HOW_FLAGS = ("empathy_negated", "policy_language", "handoff", "blaming", "compensation_offered")
CATEGORIES = ("verify_mode", "options_offered")
_Z = 1.959963984540054
"""The normal quantile of a two-sided 95% interval."""


def binary_scores(reference, detected) -> dict:
    """Agreement of two true/false series about the same calls.

    Parameters
    ----------
    reference, detected : array-like of bool
        The reference (hand label or QA) and the detected value, call by call.

    Returns
    -------
    dict
        n, tp, fp, fn, tn; agreement (share of calls where both agree); precision
        (tp / (tp + fp)), recall (tp / (tp + fn)), each with a Wilson 95% interval; F1 (their
        harmonic mean, 2 tp / (2 tp + fp + fn)); Cohen's kappa with its 95% interval. A ratio
        with a zero denominator is NaN.
    """
    ref = np.asarray(reference, dtype=bool)
    det = np.asarray(detected, dtype=bool)
    if ref.shape != det.shape:
        raise ValueError(f"reference and detected differ in length ({ref.size} vs {det.size})")
    tp = int((ref & det).sum())
    fp = int((~ref & det).sum())
    fn = int((ref & ~det).sum())
    tn = int((~ref & ~det).sum())
    out = {"n": int(ref.size), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
           "agreement": (tp + tn) / ref.size if ref.size else np.nan}
    for name, hits, total in (("precision", tp, tp + fp), ("recall", tp, tp + fn)):
        if total:
            low, high = proportion_confint(hits, total, alpha=0.05, method="wilson")
            out |= {name: hits / total, f"{name}_low": float(low), f"{name}_high": float(high)}
        else:
            out |= {name: np.nan, f"{name}_low": np.nan, f"{name}_high": np.nan}
    out["f1"] = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else np.nan
    out |= _kappa(np.array([[tp, fn], [fp, tn]]))
    return out


def category_scores(reference, detected) -> dict:
    """Agreement of two categorical series (e.g. verify_mode), over the k x k table.

    Parameters
    ----------
    reference, detected : array-like
        Category per call (compared as text).

    Returns
    -------
    dict
        n, agreement, Cohen's kappa with its 95% interval, and precision, recall and F1
        averaged over the categories that occur (macro average).
    """
    ref = pd.Series(reference, dtype="object").astype(str).to_numpy()
    det = pd.Series(detected, dtype="object").astype(str).to_numpy()
    cats = sorted(set(ref) | set(det))
    table = np.array([[int(((ref == a) & (det == b)).sum()) for b in cats] for a in cats])
    per = [binary_scores(ref == c, det == c) for c in cats if (ref == c).any() or (det == c).any()]
    out = {"n": int(ref.size), "agreement": float(np.trace(table) / table.sum()) if table.sum() else np.nan}
    for name in ("precision", "recall", "f1"):
        out[name] = float(np.nanmean([p[name] for p in per])) if per else np.nan
    out |= _kappa(table)
    return out


def _kappa(table: np.ndarray) -> dict:
    """Cohen's kappa of a k x k table (rows reference, columns detected) with its 95% interval."""
    if table.sum() == 0:
        return {"kappa": np.nan, "kappa_low": np.nan, "kappa_high": np.nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = cohens_kappa(table)
    kappa = float(res.kappa)
    if not np.isfinite(kappa):  # chance alone agrees on every call: no kappa, no interval
        return {"kappa": np.nan, "kappa_low": np.nan, "kappa_high": np.nan}
    # A variance that is 0 (perfect agreement, a one-sided table) can come out a rounding error
    # below it; the asymptotic interval can pass 1 near perfect agreement, kappa itself cannot.
    # As the transcript_agreement view computes it (tests/transcripts/test_agreement_maths.py).
    half = _Z * np.sqrt(max(float(res.var_kappa), 0.0))
    return {"kappa": kappa, "kappa_low": max(-1.0, kappa - half), "kappa_high": min(1.0, kappa + half)}


def score(reference: pd.DataFrame, detected: pd.DataFrame, practices: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per-practice agreement of detection with a reference, for the calls both hold.

    Parameters
    ----------
    reference : DataFrame
        One row per call: ``call_id`` and a column per practice (the hand labels or QA
        scores).
    detected : DataFrame
        One row per call: ``call_id`` and the same columns (``transcript_calls``).
    practices : tuple of str, optional
        Which columns to score; by default the ten practice flags, the how-it-was-done flags,
        verify_mode and options_offered, those present in both frames.

    Returns
    -------
    DataFrame
        One row per practice with :data:`COLUMNS`: kind (``flag`` or ``category``), n (calls),
        the 2 x 2 counts (flags), agreement, precision, recall and F1 of detection, Cohen's
        kappa, and 95% intervals.
    """
    if practices is None:
        practices = tuple(p for p in qa_flags() + HOW_FLAGS + CATEGORIES
                          if p in reference.columns and p in detected.columns)
    both = reference.merge(detected, on="call_id", suffixes=("_ref", "_det"), validate="one_to_one")
    rows = []
    for p in practices:
        ref, det = both[f"{p}_ref"], both[f"{p}_det"]
        if p in CATEGORIES:
            rows.append({"practice": p, "kind": "category", **category_scores(ref, det)})
        else:
            rows.append({"practice": p, "kind": "flag", **binary_scores(ref.astype(bool), det.astype(bool))})
    return pd.DataFrame(rows).reindex(columns=list(COLUMNS))
