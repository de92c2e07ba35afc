"""A page's report as a file: HTML (the dashboard's own report) or PDF (that HTML printed by Chromium).

The pages are the overview, Practice impact and Training priorities
(:data:`calmline.dashboard.html_report.PAGES`). The HTML is exactly what the page's "Download HTML
report" button gives (:func:`calmline.dashboard.html_report.report_for`), so the file, the page
and an e-mail share their numbers.

Why headless Chromium for the PDF: it renders that HTML as the browser does, plotly.js charts
included (WeasyPrint runs no JavaScript, so the charts would be blank; Kaleido draws figures, not
pages), and Debian's ``chromium`` is already a system dependency of the browser tests, so it adds
no Python dependency. It is run as ``chromium --headless --no-sandbox --print-to-pdf`` on a
temporary file, with a profile folder of its own, and nothing but that file to load.

Every PDF page carries the filters, the data period, the as-of date and the model run: they go
into the page's top margin through CSS ``@page`` margin boxes (Chromium 131+), whose text is a CSS
string in which every character but letters and digits is written as a CSS escape, so data such
as a team name is printed as text and can never close the style sheet. The HTML itself escapes
data (``html.escape``) before Chromium sees it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Executables tried, in order, when ``CALMLINE_CHROMIUM`` does not name one."""
TIMEOUT_S = 120.0
"""Seconds Chromium may take to print one report."""
HEADER_CHARS = 190
"""Longest line of the page header (A4, 7.5 pt); a longer one (many teams) is cut, saying so."""


PAGES = ("overview", "impact", "training")
"""The pages there is a report of (:data:`calmline.dashboard.html_report.PAGES`; named here too so
that refusing an unknown page needs no dashboard import)."""


class ReportError(RuntimeError):
    """The report could not be written (no Chromium, Chromium failed, an unknown filter value or page)."""


def check_page(page: str) -> str:
    """``page`` when there is a report of it.

    Raises
    ------
    ReportError
        Naming the page and the pages there are.
    """
    if page not in PAGES:
        raise ReportError(f"there is no report of page {page!r}; --page is one of {', '.join(PAGES)}")
    return page


def page_html(db: str | Path, chosen: dict | None = None, page: str = "overview",
              horizon: int | None = None) -> str:
    """A page's report for ``chosen`` filters as the dashboard's self-contained HTML report.

    Parameters
    ----------
    db : str or Path
        A calmline database (loaded; fitted for the model run's figures).
    chosen : dict, optional
        Filters as the dashboard's filter store holds them (``{"teams": ["leeds-1"]}``).
    page : str
        overview, impact or training.
    horizon : int, optional
        The model pages' horizon (days); the default horizon's run when None.

    Returns
    -------
    str
        One HTML document (plotly.js inlined).

    Raises
    ------
    ReportError
        For an unknown page, or a filter naming a value the database does not have.
    """
    from calmline.notify import dashboard_context

    check_page(page)
    dashboard_context.use_database(db)
    unknown = dashboard_context.unknown_filter_values(chosen or {})
    if unknown:
        raise ReportError(f"the database has no {'; '.join(unknown)} (--filter)")
    from calmline.dashboard import html_report

    return html_report.report_for(chosen or {}, page, horizon)


def overview_html(db: str | Path, chosen: dict | None = None) -> str:
    """The overview's report: :func:`page_html` of the overview."""
    return page_html(db, chosen, "overview")


def page_header(db: str | Path, chosen: dict | None = None, page: str = "overview",
                horizon: int | None = None) -> list[str]:
    """The lines printed at the top of every PDF page: filters, data period and as-of date, model run
    (:func:`calmline.dashboard.report_page.header_lines`, the same for every page).

    Parameters
    ----------
    db : str or Path
        The database the report is made from.
    chosen : dict, optional
        The report's filters.
    page : str
        overview, impact or training.
    horizon : int, optional
        The model pages' horizon (days).

    Returns
    -------
    list of str
        Three lines of plain text (not escaped).
    """
    from calmline.dashboard import report_page
    from calmline.notify import dashboard_context

    dashboard_context.use_database(db)
    return report_page.header_lines(check_page(page), chosen, horizon)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string in which everything but ASCII letters and digits is a
    six-digit CSS escape (spaces too: CSS swallows one whitespace after an escape), so nothing in it
    can end the string, the rule or the style sheet."""
    return '"' + "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}"
                         for c in text) + '"'


def with_page_header(page: str, lines: list[str]) -> str:
    """``page`` with an ``@page`` style that prints ``lines`` in the top margin of every page and
    "page N of M" at the bottom."""
    shown = [line if len(line) <= HEADER_CHARS else line[:HEADER_CHARS - 24].rstrip() + " ... (in full on page 1)"
             for line in lines]  # the margin holds three lines; page 1 has the whole text
    content = css_string("\n".join(shown))  # a line break is escaped too: \00000a
    style = (f"<style>@page {{ size: A4; margin: 26mm 12mm 14mm 12mm;\n"
             f"  @top-left {{ content: {content}; white-space: pre-wrap; font: 7.5pt system-ui, sans-serif;"
             f" color: #333; vertical-align: bottom; padding-bottom: 3mm; }}\n"
             f"  @bottom-right {{ content: \"page \" counter(page) \" of \" counter(pages);"
             f" font: 7.5pt system-ui, sans-serif; color: #555; }} }}\n"
             f"@media print {{ body {{ margin: 0; max-width: none; }} h2, .card, tr {{ break-inside: avoid; }}"
             f" .js-plotly-plot, .plotly-graph-div {{ break-inside: avoid; }} }}</style>")
    head_end = page.lower().find("</head>")
    if head_end < 0:
        raise ReportError("the report's HTML has no <head>")
    return page[:head_end] + style + page[head_end:]


def chromium() -> str:
    """The Chromium executable: ``CALMLINE_CHROMIUM``, else the first of :data:`CHROMIUM_NAMES` on PATH.

    Raises
    ------
    ReportError
        When there is none, saying how to install it.
    """
    named = os.environ.get("CALMLINE_CHROMIUM")
    if named:
        if shutil.which(named) or Path(named).is_file():
            return shutil.which(named) or named
        raise ReportError(f"CALMLINE_CHROMIUM={named}: no such executable")
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ReportError("a PDF needs headless Chromium, which is not installed: install it (Debian/Ubuntu: "
                      "sudo apt-get install chromium) or set CALMLINE_CHROMIUM to its path; "
                      "--out FILE.html writes the report without it")


def print_pdf(page: str, out: str | Path, timeout: float = TIMEOUT_S) -> Path:
    """Print the HTML document ``page`` to the PDF file ``out`` with headless Chromium.

    Parameters
    ----------
    page : str
        A self-contained HTML document.
    out : str or Path
        The PDF to write (replaced atomically when it exists).
    timeout : float
        Seconds Chromium may take.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ReportError
        When Chromium is missing, fails or times out.
    """
    out = Path(out)
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="calmline-report-") as folder:
        source = Path(folder) / "report.html"
        source.write_text(page, encoding="utf-8")
        target = Path(folder) / "report.pdf"
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--no-first-run", "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--disable-extensions", f"--user-data-dir={Path(folder) / 'profile'}",
                   "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
                   "--virtual-time-budget=10000", f"--print-to-pdf={target}", source.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ReportError(f"Chromium did not print the report within {timeout:.0f} s") from None
        if not target.exists() or target.stat().st_size == 0:
            tail = " | ".join(line for line in (done.stderr or "").splitlines()[-3:] if line.strip())
            raise ReportError(f"Chromium ({binary}) wrote no PDF (exit {done.returncode}): {tail}")
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.with_name(f".{out.name}.part")
        shutil.copyfile(target, staged)
        os.replace(staged, out)
    return out


def page_pdf(db: str | Path, chosen: dict | None = None, page: str = "overview",
             horizon: int | None = None) -> bytes:
    """A page's report for ``chosen`` filters as PDF bytes, its header on every printed page."""
    document = with_page_header(page_html(db, chosen, page, horizon), page_header(db, chosen, page, horizon))
    with tempfile.TemporaryDirectory(prefix="calmline-pdf-") as folder:
        return print_pdf(document, Path(folder) / f"{page}.pdf").read_bytes()


def overview_pdf(db: str | Path, chosen: dict | None = None) -> bytes:
    """The overview for ``chosen`` filters as PDF bytes, its header on every page."""
    return page_pdf(db, chosen, "overview")


def write_report(db: str | Path, out: str | Path, chosen: dict | None = None, page: str = "overview",
                 horizon: int | None = None) -> Path:
    """Write ``page``'s report for ``chosen`` filters to ``out``: HTML for ``.html``/``.htm``, PDF for ``.pdf``.

    Parameters
    ----------
    db : str or Path
        A calmline database.
    out : str or Path
        The file to write; its suffix chooses the format.
    chosen : dict, optional
        Filters as the dashboard's filter store holds them.
    page : str
        overview (default), impact or training.
    horizon : int, optional
        The model pages' horizon (days); the default horizon's run when None.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ReportError
        For an unknown page, another suffix, an unknown filter value, or a PDF Chromium could not print.
    """
    check_page(page)
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise ReportError(f"--out {out}: the file must end in .pdf or .html")
    if suffix == ".pdf":
        chromium()  # say it is missing before computing anything
        document = with_page_header(page_html(db, chosen, page, horizon), page_header(db, chosen, page, horizon))
        return print_pdf(document, out)
    document = page_html(db, chosen, page, horizon)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    return out
