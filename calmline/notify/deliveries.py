"""One run of `calmline notify`: what is due, delivering it, and recording each outcome.

A subscription is due once per period of its cadence (the day, the ISO week ``2026-W49`` or the
month ``2026-12`` of the run's time); cron or a systemd timer decides when runs happen. An alert
is due when it fires, once per the data it fired on (see :mod:`calmline.notify.alerts`). Either is
delivered to each recipient that has no ``sent`` row for (rule, period, recipient) in the
``notifications`` table; a failed delivery is recorded as failed and so tried again by the next
run. ``dry_run`` prints what would be sent and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from calmline.notify import deliver_smtp, deliver_webhook, ledger
from calmline.notify.rules import Rule, Rules

EMAIL = "email"
WEBHOOK = "webhook"


@dataclass
class Delivery:
    """One message to one recipient."""

    rule: Rule
    period: str
    channel: str       # email | webhook
    recipient: str     # as recorded: the address, or the webhook's host and URL hash
    target: str        # the address or the URL
    subject: str
    text: str
    report: bool = False
    """Attach the subscription's report as PDF."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule.name, self.period, self.recipient)

    def describe(self) -> str:
        how = (("e-mail" + (f" with the {self.rule.report or 'overview'} PDF" if self.report else ""))
               if self.channel == EMAIL else "webhook")
        return f"{self.rule.kind} {self.rule.name!r} ({self.period}) to {self.recipient} by {how}"


@dataclass
class Outcome:
    """What a run did."""

    planned: list[Delivery] = field(default_factory=list)
    sent: list[Delivery] = field(default_factory=list)
    failed: list[tuple[Delivery, str]] = field(default_factory=list)
    already: int = 0
    """Deliveries skipped because they were sent before."""
    problems: list[str] = field(default_factory=list)
    """Rules that could not be evaluated (nothing was sent for them)."""
    findings: list = field(default_factory=list)
    """Every alert's finding, fired or not (:class:`calmline.notify.alerts.Finding`)."""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problems


def cadence_period(cadence: str, now: datetime) -> str:
    """The period of ``cadence`` that ``now`` falls in: ``2026-11-30``, ``2026-W49`` or ``2026-11``.

    Parameters
    ----------
    cadence : str
        daily, weekly (ISO weeks, Monday to Sunday) or monthly.
    now : datetime
        The run's time (UTC).

    Returns
    -------
    str
    """
    day = now.astimezone(timezone.utc).date()
    if cadence == "daily":
        return day.isoformat()
    if cadence == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if cadence == "monthly":
        return day.strftime("%Y-%m")
    raise ValueError(f"unknown cadence {cadence!r}")


def _recipients(rule: Rule) -> list[tuple[str, str, str]]:
    """(channel, recipient as recorded, target) of every recipient of ``rule``."""
    return ([(EMAIL, address, address) for address in rule.to]
            + [(WEBHOOK, deliver_webhook.recipient(url), url) for url in rule.webhooks])


def subscription_text(rule: Rule, db: str | Path, period: str) -> tuple[str, str]:
    """The subject and the plain-text body of a subscription's message: the overview's filters,
    context and headline numbers, worded as on the page (:mod:`calmline.dashboard.overview_numbers`).

    Parameters
    ----------
    rule : Rule
        A subscription.
    db : str or Path
        The database.
    period : str
        The cadence period being delivered.

    Returns
    -------
    (str, str)
        Subject, text.
    """
    from calmline.dashboard import filters, overview_numbers
    from calmline.dashboard.html_report import context_lines, describe_filters
    from calmline.notify import dashboard_context
    from calmline.notify.report_file import ReportError

    dashboard_context.use_database(db)
    unknown = dashboard_context.unknown_filter_values(rule.filters)
    if unknown:
        raise ReportError(f"subscription {rule.name!r}: the database has no {'; '.join(unknown)} (filters)")
    scope = describe_filters(rule.filters)
    page = rule.report or "overview"
    if page != "overview":  # the model pages: their context, then their headline numbers in words
        from calmline.dashboard import report_page
        from calmline.dashboard.html_report import report_impact, report_training

        made = report_impact if page == "impact" else report_training
        lines = [f"calmline {page} ({rule.cadence}, {period}). Filters: {scope}",
                 *report_page.header_lines(page, rule.filters)[1:], "", *made.summary_lines()]
        return f"calmline {rule.cadence} {page}, {period}: {scope}", "\n".join(lines)
    o = overview_numbers.overview_numbers(filters.params(rule.filters))
    lines = [f"calmline overview ({rule.cadence}, {period}). Filters: {scope}", *context_lines(o), ""]
    cards = overview_numbers.headline_cards(o)
    lines += [f"- {c['title']}: {c['value']} ({c['note']})" for c in cards] or ["No calls match these filters."]
    compared = [overview_numbers.comparison_text(c) for c in o.comparisons]
    if compared:
        lines += ["", overview_numbers.comparison_title(o) + ":"]
        lines += [f"- {c['label']}: {c['text']}" + (f" [{c['verdict']}]" if c["verdict"] else "") for c in compared]
    subject = f"calmline {rule.cadence} overview, {period}: {scope}"
    return subject, "\n".join(lines)


def plan(rules: Rules, db: str | Path, now: datetime, done: set[tuple[str, str, str]],
         outcome: Outcome, alerts_only: bool = False) -> list[Delivery]:
    """Every delivery due now that is not in ``done`` (only the alerts' with ``alerts_only``); rules
    that cannot be evaluated go to ``outcome.problems`` and deliveries already sent are counted in
    ``outcome.already``."""
    from calmline.notify import alerts
    from calmline.notify.report_file import ReportError

    due: list[Delivery] = []
    for rule in () if alerts_only else rules.subscriptions:
        period = cadence_period(rule.cadence, now)
        todo = [r for r in _recipients(rule) if (rule.name, period, r[1]) not in done]
        outcome.already += len(_recipients(rule)) - len(todo)
        if not todo:
            continue
        try:
            subject, text = subscription_text(rule, db, period)
        except ReportError as exc:
            outcome.problems.append(str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the others' deliveries
            outcome.problems.append(f"subscription {rule.name!r} could not be evaluated: {exc}")
            continue
        for channel, recipient, target in todo:
            body = text + (f"\n\nThe {rule.report or 'overview'} report is attached as PDF." if channel == EMAIL else "")
            due.append(Delivery(rule, period, channel, recipient, target, subject, body, report=channel == EMAIL))
    today = now.astimezone(timezone.utc).date()
    for rule in rules.alerts:
        try:
            findings = alerts.evaluate(rule, db, today)
        except alerts.AlertError as exc:
            outcome.problems.append(str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the others' deliveries
            outcome.problems.append(f"alert {rule.name!r} could not be evaluated: {exc}")
            continue
        outcome.findings += findings
        for finding in findings:
            if not finding.fired:
                continue
            subject = f"calmline alert: {rule.name} ({finding.period})"
            for channel, recipient, target in _recipients(rule):
                if (rule.name, finding.period, recipient) in done:
                    outcome.already += 1
                    continue
                text = finding.text if channel == EMAIL else f"calmline alert {rule.name}: {finding.text}"
                due.append(Delivery(rule, finding.period, channel, recipient, target, subject, text))
    return due


def run(rules: Rules, db: str | Path, now: datetime | None = None, dry_run: bool = False,
        say: Callable[[str], None] = print, server: deliver_smtp.Server | None = None,
        alerts_only: bool = False) -> Outcome:
    """Evaluate the due subscriptions and firing alerts of ``rules`` on ``db`` and deliver them.

    Parameters
    ----------
    rules : Rules
        The parsed rules file.
    db : str or Path
        The published calmline database; deliveries are recorded in its ``notifications`` table.
    now : datetime, optional
        The run's time (default: now, UTC); it chooses the subscriptions' periods and the day the
        data's age is measured to.
    dry_run : bool
        Print what would be sent; send and record nothing.
    say : callable
        Where progress lines go.
    server : deliver_smtp.Server, optional
        The SMTP server; default from the environment (``CALMLINE_SMTP_*``).
    alerts_only : bool
        Evaluate the alerts only, as `calmline etl --notify` and `calmline fit --notify` do right
        after they publish (subscriptions wait for the scheduled run).

    Returns
    -------
    Outcome
        What was sent, what failed (recorded as failed) and the rules that could not be evaluated.

    Raises
    ------
    calmline.database.publish.WriterBusy
        When a load, a fit or another notify run is writing the database.
    """
    from calmline.notify.report_file import ReportError, page_pdf

    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    outcome = Outcome()
    due = plan(rules, db, now, ledger.delivered_in(db), outcome, alerts_only)
    outcome.planned = due
    if dry_run:
        for finding in outcome.findings:
            if not finding.fired:
                say(f"alert {finding.rule!r} does not fire: {finding.text}")
        for d in due:
            say(f"would send {d.describe()}\n  subject: {d.subject}\n  " + d.text.replace("\n", "\n  "))
        if not due:
            say("nothing to send")
        return outcome
    if not due:
        return outcome
    unusable = None  # why the environment names no usable SMTP server
    if server is None and any(d.channel == EMAIL for d in due):
        try:
            server = deliver_smtp.server_from_environment(rules.smtp.sender, rules.smtp.starttls)
        except deliver_smtp.MailError as exc:
            unusable = str(exc)
    reports: dict[str, bytes | str] = {}  # rule name -> PDF, or why it could not be made
    for d in due:
        if d.report and d.rule.name not in reports:
            try:
                reports[d.rule.name] = page_pdf(db, d.rule.filters, d.rule.report or "overview")
            except ReportError as exc:
                reports[d.rule.name] = f"the {d.rule.report or 'overview'} PDF could not be made: {exc}"
    with ledger.open_ledger(db) as book:
        done = book.delivered()  # again, under the writer lock: another run may have sent some
        for d in due:
            if d.key in done:
                outcome.already += 1
                continue
            try:
                if d.channel == EMAIL and unusable:
                    raise deliver_smtp.MailError(unusable)
                _deliver(d, server, reports.get(d.rule.name))
            except (deliver_smtp.MailError, deliver_webhook.WebhookError, ReportError) as exc:
                book.record(_attempt(d, ledger.FAILED, str(exc)))
                outcome.failed.append((d, str(exc)))
                say(f"FAILED {d.describe()}: {exc}; recorded as failed, tried again by the next run")
                continue
            book.record(_attempt(d, ledger.SENT))
            done.add(d.key)
            outcome.sent.append(d)
            say(f"sent {d.describe()}")
    return outcome


def _attempt(d: Delivery, status: str, detail: str | None = None) -> ledger.Attempt:
    return ledger.Attempt(rule=d.rule.name, kind=d.rule.kind, period=d.period, channel=d.channel,
                          recipient=d.recipient, status=status, subject=d.subject, detail=detail)


def _deliver(d: Delivery, server: deliver_smtp.Server | None, report: bytes | str | None) -> None:
    from calmline.notify.report_file import ReportError

    if d.channel == WEBHOOK:
        deliver_webhook.post(d.target, d.text)
        return
    attachment = None
    if d.report:
        if not isinstance(report, bytes):
            raise ReportError(report or f"the {d.rule.report or 'overview'} PDF was not made")
        attachment = (f"calmline-{d.rule.report or 'overview'}-{d.period}.pdf", report, "application/pdf")
    deliver_smtp.send(server, deliver_smtp.message(server, d.target, d.subject, d.text, attachment))
