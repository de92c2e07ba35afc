"""The explorer's own library, through the server as a browser calls it: an analyst saves the query
last run under a title, the share link opens it for a second analyst read-only (a copy can be saved),
only the owner deletes, titles stay text, and non-analysts get nothing. Also the chart builder's
percent axis for rates and the SQL box's placeholder (#11.15)."""

from __future__ import annotations

import base64
import contextvars
import json

import pytest

PASSWORD = "calm-line-test"
USERS = {"ana": "analyst", "bo": "analyst", "dana": "director"}
SQL = "SELECT team, count(*) AS upset_calls FROM call_facts WHERE is_upset GROUP BY team ORDER BY team"


@pytest.fixture(scope="module")
def signed_in_app(sample_db, tmp_path_factory):
    from werkzeug.security import generate_password_hash

    from calmline.dashboard.access import read_users
    from calmline.dashboard.app import Settings, create_app

    folder = tmp_path_factory.mktemp("library")
    users = folder / "users.toml"
    users.write_text("".join(f'[users.{name}]\npassword_hash = "{generate_password_hash(PASSWORD)}"\n'
                             f'roles = ["{role}"]\n\n' for name, role in USERS.items()), encoding="utf-8")
    return create_app(Settings(db=sample_db, users=read_users(users), user_library=folder / "lib.sqlite"))


class _Client:
    """Flask's test client, each request in a context of its own (so dash.get_app() does not leak)."""

    def __init__(self, app):
        self._client = app.server.test_client()

    def post(self, *args, **kwargs):
        return contextvars.copy_context().run(self._client.post, *args, **kwargs)


def _callback(client, user, outputs, inputs, state=()):
    ids = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in outputs]
    body = {"output": outputs[0] if len(outputs) == 1 else ".." + "...".join(outputs) + "..",
            "outputs": ids[0] if len(ids) == 1 else ids,
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}
    auth = {"Authorization": "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()}
    response = client.post("/_dash-update-component", json=body, headers=auth)
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:500]
    return response.get_json()["response"] if response.status_code == 200 else {}


def _page(client, user, search=""):
    """The explorer page as the browser gets it for ``user`` (JSON of its components)."""
    return _callback(client, user, ["_pages_content.children", "_pages_store.data"],
                     [("_pages_location", "pathname", "/explorer"), ("_pages_location", "search", search)])


def _save_or_delete(client, user, *, title=None, last=None, open_id=None, delete=False):
    outputs = ["explorer-save-note.children", "explorer-mine.children", "explorer-opened.children",
               "explorer-open-id.data", "explorer-delete.style"]
    inputs = [("explorer-delete", "n_clicks", 1), ("explorer-save", "n_clicks", None)] if delete else \
        [("explorer-save", "n_clicks", 1), ("explorer-delete", "n_clicks", None)]
    return _callback(client, user, outputs, inputs, [("explorer-title", "value", title),
                                                    ("explorer-last", "data", last),
                                                    ("explorer-open-id", "data", open_id)])


def _component(tree, ident):
    """The component with id ``ident`` in a layout as JSON."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == ident:
            return tree
        for value in tree.values():
            if (found := _component(value, ident)) is not None:
                return found
    elif isinstance(tree, list):
        for value in tree:
            if (found := _component(value, ident)) is not None:
                return found
    return None


def test_an_analyst_saves_and_a_second_analyst_opens_the_link_read_only(signed_in_app):
    from calmline.dashboard import explorer_threads

    client = _Client(signed_in_app)
    title = "Upset calls by team <img src=x onerror=alert(1)>"
    saved = _save_or_delete(client, "ana", title=title, last={"kind": "sql", "sql": SQL})
    note = json.dumps(saved["explorer-save-note"])
    link = _component(saved["explorer-save-note"]["children"], "explorer-share-link-saved")["props"]["value"]
    assert "Saved to your library" in note and "/explorer?q=" in link
    ident = link.split("?q=")[1]
    assert title in json.dumps(saved["explorer-mine"]), "My queries lists it, by its title"

    page = _page(client, "bo", f"?q={ident}")["_pages_content"]["children"]
    text = json.dumps(page)
    assert "shared by ana" in text and "Read-only" in text
    assert _component(page, "explorer-sql")["props"]["value"] == SQL, "the SQL is in the editor, ready to run"
    assert _component(page, "explorer-last")["props"]["data"] == {"kind": "sql", "sql": SQL}
    assert _component(page, "explorer-delete")["props"]["style"] == {"display": "none"}, "not bo's to delete"
    assert "dangerously_allow_html" not in text and "Markdown" not in text, "titles are text, never HTML"
    assert json.dumps(title)[1:-1] in text

    refused = _save_or_delete(client, "bo", open_id=ident, delete=True)
    assert "Only your own" in json.dumps(refused["explorer-save-note"])
    copy = _save_or_delete(client, "bo", title=title, last={"kind": "sql", "sql": SQL})
    assert "Saved to your library" in json.dumps(copy["explorer-save-note"])
    with signed_in_app.server.test_request_context("/"):
        shelf = explorer_threads.user_library()
        assert [e.owner for e in shelf.mine("ana")] == ["ana"] and shelf.get(ident).owner == "ana"
        assert [e.title for e in shelf.mine("bo")] == [title]

    own = _page(client, "ana", f"?q={ident}")["_pages_content"]["children"]
    assert "your saved query" in json.dumps(own) and _component(own, "explorer-delete")["props"].get("style") is None
    gone = _save_or_delete(client, "ana", open_id=ident, delete=True)
    assert "Deleted" in json.dumps(gone["explorer-save-note"]) and gone["explorer-open-id"]["data"] is None
    assert "No saved query has this link" in json.dumps(_page(client, "bo", f"?q={ident}"))


def test_a_saved_query_with_parameters_reopens_with_its_values(signed_in_app):
    client = _Client(signed_in_app)
    request = {"kind": "saved", "name": "churn_by_month_team", "params": {"team": "leeds-1", "horizon": "30"}}
    saved = _save_or_delete(client, "ana", title="Leeds at 30 days", last=request)
    ident = _component(saved["explorer-save-note"]["children"], "explorer-share-link-saved")["props"]["value"] \
        .split("?q=")[1]
    page = _page(client, "bo", f"?q={ident}")["_pages_content"]["children"]
    assert _component(page, "explorer-saved")["props"]["value"] == "churn_by_month_team"
    assert _component(page, {"name": "team", "type": "explorer-param"})["props"]["value"] == "leeds-1"
    assert _component(page, {"name": "horizon", "type": "explorer-param"})["props"]["value"] == "30"
    assert _component(page, "explorer-run-saved")["props"]["disabled"] is False


def test_nothing_is_saved_without_a_run_or_a_title_and_not_by_a_non_analyst(signed_in_app):
    client = _Client(signed_in_app)
    assert "Run a query first" in json.dumps(_save_or_delete(client, "ana", title="x", last=None))
    assert "title" in json.dumps(_save_or_delete(client, "ana", title=" ", last={"kind": "sql", "sql": SQL}))
    refused = _save_or_delete(client, "dana", title="mine", last={"kind": "sql", "sql": SQL})
    assert "for analysts" in json.dumps(refused["explorer-save-note"])
    assert "explorer-sql" not in json.dumps(_page(client, "dana", "?q=anything-at-all"))


def test_rates_get_a_percent_axis_and_counts_do_not():
    import pandas as pd

    from calmline.dashboard.figures.explore import result_chart

    frame = pd.DataFrame({"team": ["a", "b"], "churn_rate": [0.157, 0.2], "upset_calls": [120, 80]})
    rate = result_chart(frame, "bar", "team", "churn_rate")
    assert rate.layout.yaxis.tickformat == ".0%" and "percent" in rate.layout.yaxis.title.text
    assert result_chart(frame, "bar", "team", "upset_calls").layout.yaxis.tickformat is None
    assert result_chart(frame, "bar", "team", "churn_rate", percent=False).layout.yaxis.tickformat is None
    share = pd.DataFrame({"team": ["a"], "kept": [0.5]})
    assert result_chart(share, "bar", "team", "kept", percent=True).layout.yaxis.tickformat == ".0%"
    big = pd.DataFrame({"team": ["a"], "churn_rate": [15.7]})  # already in percent: left alone
    assert result_chart(big, "bar", "team", "churn_rate").layout.yaxis.tickformat is None


def test_the_sql_box_placeholder_is_words_not_sql():
    """#11.15: the placeholder was a whole SELECT, easy to take for a query typed in and ready to run."""
    import re

    import duckdb

    from calmline.dashboard.pages.explorer import SQL_PLACEHOLDER

    assert not re.match(r"\s*(select|with|describe|summarize|from)\b", SQL_PLACEHOLDER, re.IGNORECASE)
    with pytest.raises(duckdb.ParserException):
        duckdb.extract_statements(SQL_PLACEHOLDER)


def test_without_sign_in_everyone_shares_one_library_and_is_told_so(sample_db, tmp_path):
    from calmline.dashboard.app import Settings, create_app
    from calmline.explorer.user_library import LOCAL_OWNER, UserLibrary

    app = create_app(Settings(db=sample_db, user_library=tmp_path / "lib.sqlite"))
    client = _Client(app)
    saved = _save_or_delete(client, "anyone", title="Shared by all", last={"kind": "sql", "sql": SQL})
    mine = json.dumps(saved["explorer-mine"])
    assert "Shared by all" in mine and "everyone using it shares this one library" in mine
    assert [e.title for e in UserLibrary(tmp_path / "lib.sqlite").mine(LOCAL_OWNER)] == ["Shared by all"]
