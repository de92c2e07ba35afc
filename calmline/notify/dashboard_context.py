"""The dashboard's data layer outside a running server, for reports and alerts.

The overview's numbers (:mod:`calmline.dashboard.overview_numbers`) read the database the app
serves (:func:`calmline.dashboard.access.settings`), so a report or an alert creates the app
once per database, without serving it, and then asks for the same numbers the page shows.
"""

from __future__ import annotations

from pathlib import Path

def use_database(db: str | Path) -> None:
    """Make ``db`` the database the dashboard's accessors read (the app is created once per path).

    Parameters
    ----------
    db : str or Path
        A calmline database.
    """
    from calmline.dashboard import access
    from calmline.dashboard.app import Settings, create_app

    path = Path(db).resolve()
    try:
        if Path(access.settings().db).resolve() == path:
            return  # the current app already reads it
    except Exception:  # noqa: BLE001 - no app yet
        pass
    create_app(Settings(db=path, explorer=False))  # becomes the app dash.get_app() returns


def unknown_filter_values(chosen: dict) -> list[str]:
    """The values of ``chosen`` (filter -> values) that the database does not have, in words.

    Parameters
    ----------
    chosen : dict
        Filters as the dashboard's filter store holds them.

    Returns
    -------
    list of str
        E.g. ``["teams: leeds-9"]``; empty when every value is known.
    """
    from calmline.dashboard import filters

    _, dropped = filters.bound(chosen)
    return [f"{name}: {', '.join(map(str, values))}" for name, values in dropped.items()]
