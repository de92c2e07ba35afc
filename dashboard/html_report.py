"""The overview as one self-contained HTML file a director can e-mail (plotly.js inlined)."""

from __future__ import annotations

import html
from datetime import datetime, timezone

import pandas as pd
import plotly.graph_objects as go

from calmline.dashboard import formats
from calmline.dashboard.filters import FIELDS


def describe_filters(chosen: dict | None) -> str:
    """The active filters in words, e.g. 'Team: leeds-1; Anger level: 4, 5' (or 'all calls')."""
    parts = []
    for name, (label, _) in FIELDS.items():
        value = (chosen or {}).get(name)
        if value not in (None, "", []):
            parts.append(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
    return "; ".join(parts) or "all calls (no filters)"


def overview_report(chosen: dict | None, head: pd.DataFrame, figures: list[go.Figure],
                    teams: pd.DataFrame) -> str:
    """The overview page as a standalone HTML document: filters, headline, trends, team table."""
    row = head.iloc[0] if len(head) else None
    cards = [] if row is None else [
        ("Upset calls", formats.count(row.upset_calls)),
        ("Churn within 90 days after an upset call", formats.percent(row.churn_upset)),
        ("after a calm call", formats.percent(row.churn_calm)),
        ("Upset customers still with us 90 days on", formats.count(row.upset_retained)),
    ]
    charts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)]
    table = teams.to_html(index=False, float_format=lambda x: f"{x:.3f}", na_rep="–") if len(teams) else ""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>calmline overview</title>
<style>body{{font-family:system-ui,sans-serif;margin:24px;color:#222}}
.cards{{display:flex;gap:16px;flex-wrap:wrap}}.card{{border:1px solid #ccc;border-radius:6px;padding:12px 16px}}
.card b{{font-size:1.6em;display:block}}table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:4px 8px}}
</style></head><body>
<h1>calmline: overview</h1>
<p><strong>Filters:</strong> {html.escape(describe_filters(chosen))}<br><small>Made {stamp}</small></p>
<div class="cards">{''.join(f'<div class="card">{html.escape(t)}<b>{html.escape(v)}</b></div>' for t, v in cards)}</div>
{''.join(charts)}
<h2>Teams</h2>{table}
</body></html>"""
