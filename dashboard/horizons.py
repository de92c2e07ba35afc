"""The horizon selector of the model-result pages (Practice impact, Training priorities).

The chosen horizon is kept in the URL (``?horizon=30``) beside the global filters. The selector
offers the horizons that have been fitted, each shown from its newest model run; without a
choice a page shows the headline horizon (:data:`calmline.vocabulary.HEADLINE_HORIZON`) if it
has been fitted, else the newest run's.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, no_update

from calmline import vocabulary
from calmline.dashboard import data
from calmline.dashboard.figures.effects import horizon_words

HORIZON_PARAM = "horizon"
"""The URL query parameter that keeps the chosen horizon (in days)."""


# The horizon selector (shared with the Training priorities page) ------------------------------

def fitted_runs() -> pd.DataFrame:
    """One row per fitted horizon: its newest run (run_id, horizon_days, created_at, n_calls,
    n_events, warnings, ...) and is_default; empty, saying why, before the first fit."""
    return data.frame("fitted_horizons", headline=vocabulary.HEADLINE_HORIZON)


def horizon_in(search: str | None) -> int | None:
    """The horizon a URL query string asks for (``?horizon=30`` -> 30); None if none or not a number."""
    for key, value in parse_qsl((search or "").lstrip("?")):
        if key == HORIZON_PARAM:
            try:
                return int(value)
            except ValueError:
                return None
    return None


def with_horizon(search: str | None, horizon: int) -> str:
    """The URL query string with the horizon set to ``horizon``; every other parameter kept as it is."""
    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != HORIZON_PARAM]
    return "?" + urlencode([*pairs, (HORIZON_PARAM, str(int(horizon)))])


def chosen_run(runs: pd.DataFrame, wanted: int | None) -> pd.Series | None:
    """The run to show: the newest of ``wanted`` days if that horizon was fitted, else the default
    horizon's; None before the first fit."""
    if runs.empty:
        return None
    match = runs[runs["horizon_days"] == wanted] if wanted is not None else runs.iloc[0:0]
    if match.empty:
        match = runs[runs["is_default"].astype(bool)]
    return match.iloc[0] if len(match) else runs.iloc[-1]


def horizon_options(runs: pd.DataFrame) -> list[dict]:
    """The selector's options: the fitted horizons, each named in words."""
    return [{"label": horizon_words(h)[:1].upper() + horizon_words(h)[1:], "value": int(h)}
            for h in runs["horizon_days"]] if len(runs) else []


def follow_horizon(trigger, search: str | None, value, selector: str):
    """(new URL search, selector options, selector value) after ``trigger`` changed.

    When the page opens (trigger None, or the selector still empty) the URL's horizon, if
    fitted, else the default, is put in the selector; a horizon chosen in the selector
    (``selector``, the page's id for it) is written into the URL, every other parameter kept.
    """
    if trigger == selector and value is not None:
        new_search = with_horizon(search, value)
        return (new_search if new_search != (search or "") else no_update), no_update, no_update
    runs = fitted_runs()
    run = chosen_run(runs, horizon_in(search))
    return no_update, horizon_options(runs), (None if run is None else int(run["horizon_days"]))


def run_of(horizon: int | None) -> pd.Series | None:
    """The newest run of ``horizon`` days (the default horizon's when None or not fitted)."""
    return chosen_run(fitted_runs(), horizon)


def run_rows(name: str, run: pd.Series | None) -> pd.DataFrame:
    """``run_<name>`` rows of ``run``; empty, saying why, before the first fit."""
    if run is None:
        empty = pd.DataFrame()
        empty.attrs["missing"] = fitted_runs().attrs.get("missing", "No model run yet: run `calmline fit`.")
        return empty
    return data.frame(f"run_{name}", run_id=int(run["run_id"]))


def selector(ident: str) -> dcc.Dropdown:
    """The horizon selector; its options and value come from the URL when the page opens."""
    return dcc.Dropdown(id=ident, clearable=False, searchable=False, placeholder="Horizon",
                        style={"minWidth": "220px"})


def run_summary(run: pd.Series | None) -> str:
    """One line on the run shown: its horizon in words, when it was fitted, how many upset calls it
    used and in how many of them the customer churned within the horizon (calls, not customers: a
    customer with three such calls counts three times), worded as the filtered estimate's line."""
    if run is None:
        return "No model run yet: run `calmline fit`."
    return (f"Model run {int(run['run_id'])}: {horizon_words(run['horizon_days'])}, fitted "
            f"{str(run['created_at'])[:16]} on {int(run['n_calls']):,} upset calls "
            f"({int(run['n_events']):,} churned within {int(run['horizon_days'])} days).")


def header(horizon: int | None, title: str, explain) -> tuple:
    """(page title, one line on the run shown, ``explain(days, run)``) for the chosen horizon;
    ``title`` is followed by the horizon in words ("Practice impact on churn within 30 days")."""
    run = run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    return f"{title} {horizon_words(days)}", run_summary(run), explain(days, run)


def sync_callback(selector_id: str):
    """Register (and return) the page's callback that keeps selector ``selector_id`` and the URL in step."""
    @callback(
        Output("url", "search", allow_duplicate=True), Output(selector_id, "options"),
        Output(selector_id, "value"), Input(selector_id, "value"), State("url", "search"),
        prevent_initial_call="initial_duplicate",
    )
    def sync_horizon(value, search):
        """The selector from the URL when the page opens (Dash's page router renders the page again
        whenever the URL's query string changes); a horizon chosen in it into the URL."""
        return follow_horizon(ctx.triggered_id, search, value, selector_id)

    return sync_horizon
