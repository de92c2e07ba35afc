"""When an alert fires (#14): the decisions on hand-made numbers, against reference values; and the
delivery refusals that keep credentials and webhook secrets safe. No database, no Chromium."""

from __future__ import annotations

import pandas as pd
import pytest

from calmline.dashboard.overview_numbers import compare
from calmline.notify import deliver_smtp, deliver_webhook
from calmline.notify.alerts import above_beyond_chance, below_beyond_chance, effect_changes, up_beyond_chance


def test_churn_up_fires_only_when_the_whats_changed_test_calls_it_worse_by_more_than_the_points():
    """Reference p-values: Pearson's chi-square without continuity correction, as R's
    ``prop.test(c(60, 30), c(300, 300), correct = FALSE)`` gives p = 0.000604 and
    ``prop.test(c(16, 10), c(100, 100), correct = FALSE)`` p = 0.2071 (computed here with
    ``scipy.stats.chi2_contingency(correction=False)``, the same statistic)."""
    clear = compare("vs the month before", "Sep 2025", "Aug 2025", 60, 300, 30, 300)
    assert clear.p_value == pytest.approx(0.000604, abs=1e-6) and clear.difference == pytest.approx(0.10)
    assert up_beyond_chance(clear, 3) and up_beyond_chance(clear, 9.9)
    assert not up_beyond_chance(clear, 10.5)  # up 10 points: not more than 10.5
    noisy = compare("vs the month before", "Sep 2025", "Aug 2025", 16, 100, 10, 100)
    assert noisy.p_value == pytest.approx(0.2071, abs=1e-4)
    assert not up_beyond_chance(noisy, 3)  # up 6 points, but within what chance gives
    better = compare("vs the month before", "Sep 2025", "Aug 2025", 30, 300, 60, 300)
    assert not up_beyond_chance(better, 3)  # down 10 points, clearly: better, not an alarm


def test_threshold_alerts_fire_when_the_wilson_interval_clears_the_threshold():
    """Reference: the Wilson score interval, R's ``prop.test(30, 100, correct = FALSE)$conf.int`` =
    0.2189 to 0.3958, and for 77 of 519 0.1204 to 0.1815 (Wilson 1927, worked by hand here)."""
    fires, low, high = above_beyond_chance(30, 100, 20)
    assert (low, high) == (pytest.approx(0.21895, abs=1e-5), pytest.approx(0.39585, abs=1e-5))
    assert fires
    assert not above_beyond_chance(30, 100, 25)[0]  # 30% > 25%, but 25% is inside the interval
    assert below_beyond_chance(77, 519, 20)[0] and not below_beyond_chance(77, 519, 18)[0]
    assert below_beyond_chance(77, 519, 20)[1:] == (pytest.approx(0.12037, abs=1e-5), pytest.approx(0.18152, abs=1e-5))


def test_an_effect_alert_lists_sign_changes_and_lost_significance_but_not_noise():
    runs = pd.DataFrame({
        "practice": ["steady", "lost", "noise", "flipped", "reversed"],
        "previous_estimate": [-0.03, -0.03, 0.004, 0.01, -0.04],
        "previous_p_value": [0.001, 0.01, 0.7, 0.6, 0.001],
        "estimate": [-0.028, -0.01, -0.003, -0.03, 0.03],
        "p_value": [0.002, 0.3, 0.8, 0.01, 0.02],
    })
    changed = effect_changes(runs)
    assert dict(zip(changed["practice"], changed["change"])) == {
        "lost": "lost significance", "flipped": "changed sign", "reversed": "changed sign"}


def test_mail_refuses_to_send_a_password_in_clear_or_without_required_starttls(smtp_server):
    mail_to = "dana@example.com"
    for server, words in (
            (deliver_smtp.Server("127.0.0.1", smtp_server.port, starttls="always"), "does not offer STARTTLS"),
            (deliver_smtp.Server("127.0.0.1", smtp_server.port, user="calmline", password="s3cret"),
             "password of CALMLINE_SMTP_USER is not sent in clear")):
        with pytest.raises(deliver_smtp.MailError, match=words):
            deliver_smtp.send(server, deliver_smtp.message(server, mail_to, "subject", "text"))
    assert smtp_server.messages == []
    plain = deliver_smtp.Server("127.0.0.1", smtp_server.port)
    deliver_smtp.send(plain, deliver_smtp.message(plain, mail_to, "subject", "text"))
    assert [to for to, _ in smtp_server.messages] == [(mail_to,)]


def test_a_webhook_that_refuses_is_reported_by_host_and_status_never_by_its_secret_url(webhook):
    webhook.status = 500
    with pytest.raises(deliver_webhook.WebhookError) as caught:
        deliver_webhook.post(webhook.url, "hello")
    assert "answered HTTP 500" in str(caught.value) and "127.0.0.1" in str(caught.value)
    assert "secret-token" not in str(caught.value)
    assert webhook.posts == [("/services/T0/B0/secret-token", "application/json; charset=utf-8", {"text": "hello"})]
