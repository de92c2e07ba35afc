"""Reports that go out on their own (#14): `calmline report` and `calmline notify`.

- :mod:`~calmline.notify.rules` reads and checks the rules file (subscriptions and alerts);
- :mod:`~calmline.notify.alerts` evaluates the alerts on the latest data;
- :mod:`~calmline.notify.report_file` writes the overview as HTML or PDF;
- :mod:`~calmline.notify.deliver_smtp` and :mod:`~calmline.notify.deliver_webhook` deliver;
- :mod:`~calmline.notify.ledger` records every delivery in the ``notifications`` table;
- :mod:`~calmline.notify.deliveries` puts them together for one run of `calmline notify`.

Like the CLI, this package sits on top of the others: it reads the dashboard's numbers
(:mod:`calmline.dashboard.overview_numbers`, the one source of the overview's figures) so that
an e-mail, a PDF and the page say the same thing. Nothing imports it but the CLI.
"""
