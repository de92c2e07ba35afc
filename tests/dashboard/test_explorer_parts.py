"""The query explorer's pure parts: its chart, and who may sign in and explore."""

from __future__ import annotations

import pandas as pd
import pytest

from calmline.dashboard.access import UsersFileError, is_loopback, read_users
from calmline.dashboard.figures.explore import chart_defaults, numeric_columns, result_chart


def test_the_first_chart_is_a_line_over_time_when_there_is_a_month_column():
    frame = pd.DataFrame({"month": ["2025-01-01", "2025-02-01"] * 2, "team": ["a", "a", "b", "b"],
                          "churn": [0.1, 0.2, 0.3, 0.25]})
    assert chart_defaults(frame) == {"kind": "line", "x": "month", "y": "churn", "colour": "team"}
    fig = result_chart(frame, "line", "month", "churn", "team")
    assert len(fig.data) == 2 and {t.name for t in fig.data} == {"a", "b"}


def test_bars_by_category_and_a_histogram_when_only_numbers():
    frame = pd.DataFrame({"practice": ["apologized", "thanked"], "n": [10, 20], "flag": [True, False]})
    assert numeric_columns(frame) == ["n"]
    assert chart_defaults(frame)["kind"] == "bar"
    assert chart_defaults(pd.DataFrame({"n": [1, 2, 3]}))["kind"] == "histogram"
    assert list(result_chart(frame, "bar", "practice", "n").data[0].y) == [10, 20]


def test_a_chart_that_cannot_be_drawn_says_why():
    frame = pd.DataFrame({"team": ["a"], "note": ["x"]})
    assert "no numbers" in result_chart(frame, "bar", "team", "note").layout.annotations[0].text
    assert "Pick the columns" in result_chart(frame, "bar", "nope", "note").layout.annotations[0].text
    assert "Run a query" in result_chart(pd.DataFrame(), "bar", None, None).layout.annotations[0].text


def test_users_file_gives_roles_and_clear_errors(tmp_path):
    from werkzeug.security import generate_password_hash

    good = tmp_path / "users.toml"
    good.write_text(f'[users.ali]\npassword_hash = "{generate_password_hash("pw")}"\nroles = ["analyst"]\n')
    assert read_users(good)["ali"].roles == ("analyst",)
    bad_role = tmp_path / "bad.toml"
    bad_role.write_text(f'[users.bo]\npassword_hash = "{generate_password_hash("pw")}"\nroles = ["admin"]\n')
    with pytest.raises(UsersFileError, match=r"bad.toml: \[users.bo\]: roles must be"):
        read_users(bad_role)
    clear = tmp_path / "clear.toml"
    clear.write_text('[users.cy]\npassword_hash = "secret"\nroles = ["director"]\n')
    with pytest.raises(UsersFileError, match="not a werkzeug hash"):
        read_users(clear)
    broken = tmp_path / "broken.toml"
    broken.write_text("[users.dee\n")
    with pytest.raises(UsersFileError, match=r"broken.toml: not valid TOML: .*line 1"):
        read_users(broken)


def test_only_loopback_addresses_count_as_local():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5")


def test_a_password_is_hashed_once_then_checked_quickly_and_wrong_ones_always_fail(monkeypatch):
    import werkzeug.security
    from werkzeug.security import generate_password_hash

    from calmline.dashboard.access import PasswordCheck, User

    users = {"ali": User("ali", generate_password_hash("right"), ("analyst",))}
    check = PasswordCheck(users)
    slow = []
    real = werkzeug.security.check_password_hash
    monkeypatch.setattr(werkzeug.security, "check_password_hash", lambda h, p: slow.append(p) or real(h, p))
    assert check("ali", "right") and check("ali", "right") and check("ali", "right")
    assert slow == ["right"]  # the scrypt hash ran once; the next two compared a keyed digest
    assert not check("ali", "wrong") and not check("ali", "wrong") and not check("ali", "righ")
    assert slow == ["right", "wrong", "wrong", "righ"]  # failures always pay the full hash
    assert not check("nobody", "right") and check("ali", "right")
    assert not PasswordCheck(users)("ali", "") and PasswordCheck(users)("ali", "right")
