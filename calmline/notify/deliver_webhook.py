"""Deliver a message to an incoming webhook: an HTTP POST of ``{"text": ...}`` as JSON.

Slack's and Microsoft Teams' incoming webhooks both accept a JSON body whose ``text`` field is
the message (Teams' legacy connectors and Workflows' "post to a channel when a webhook request is
received" template read it too), so one body serves both. Sent with :mod:`urllib.request`.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

TIMEOUT_S = 20.0
"""Seconds to wait for the webhook to answer."""


class WebhookError(RuntimeError):
    """The webhook did not take the message."""


def body(text: str) -> bytes:
    """The JSON body for ``text``: ``{"text": text}``, UTF-8."""
    return json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")


def post(url: str, text: str, timeout: float = TIMEOUT_S) -> None:
    """POST ``text`` to the incoming webhook at ``url``.

    Parameters
    ----------
    url : str
        The webhook's http(s) URL.
    text : str
        The message.
    timeout : float
        Seconds to wait for an answer.

    Raises
    ------
    WebhookError
        When the webhook cannot be reached or answers with a status other than 2xx; the message
        names the host and the status, never the URL (it holds the webhook's secret).
    """
    request = urllib.request.Request(url, data=body(text), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "calmline-notify"})
    host = urlsplit(url).hostname
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) only, checked
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"webhook at {host} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(f"cannot reach the webhook at {host}: {reason}") from None
    if not 200 <= status < 300:
        raise WebhookError(f"webhook at {host} answered HTTP {status}")


def recipient(url: str) -> str:
    """How a webhook is named in the ``notifications`` table and in messages: its host and a short
    hash of its URL, since the URL itself is a secret (anyone holding it can post to the channel)."""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    return f"webhook {urlsplit(url).hostname} #{digest}"
