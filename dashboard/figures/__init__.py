"""Plotly figures for the dashboard: pure functions, DataFrame in, ``go.Figure`` out, no I/O.

Every function returns a figure, never raises on empty or incomplete data: when there is
nothing to draw it returns :func:`empty_figure` with the reason centred on it.
"""

from calmline.dashboard.figures.dose import dose_plot, heterogeneity_heatmap
from calmline.dashboard.figures.effects import forest_plot, hazard_plot
from calmline.dashboard.figures.monitoring import churn_trend, funnel_bars, kpi_trends, team_bars, trend_plot
from calmline.dashboard.figures.priorities import adoption_gap_heatmap, priorities_bar
from calmline.dashboard.figures.style import (DIVERGING, PALETTE, SEQUENTIAL, empty_figure, format_count,
                                     format_percent, format_pp, practice_label)
from calmline.dashboard.figures.survival import km_plot

__all__ = [
    "PALETTE", "DIVERGING", "SEQUENTIAL", "practice_label", "format_pp", "format_percent",
    "format_count", "empty_figure", "forest_plot", "hazard_plot", "km_plot", "dose_plot",
    "heterogeneity_heatmap", "priorities_bar", "adoption_gap_heatmap", "trend_plot", "funnel_bars",
    "team_bars", "churn_trend", "kpi_trends",
]
