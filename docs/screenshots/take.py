"""Retake the README's screenshots of the dashboard's five pages.

Builds a database from the bundled sample (``calmline etl`` + ``calmline fit``) in a temporary
folder, serves it on loopback, opens each page in Debian's headless Chromium (selenium and
the installed chromedriver), waits until Dash has rendered it, and saves a full-page PNG
beside this file, resized to 1200 px wide. On the query explorer it first runs one SQL query,
so the grid and the chart show a result.

Run from the repository root::

    .venv/bin/python docs/screenshots/take.py                        # build, serve, shoot, stop
    .venv/bin/python docs/screenshots/take.py --url http://127.0.0.1:8077   # a dashboard already running

Needs chromium and chromium-driver (``make test`` installs them) and Pillow (installed with
dash[testing]).
"""

from __future__ import annotations

import argparse
import io
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CALMLINE = Path(sys.executable).with_name("calmline")

PAGES = {  # file name -> (path, an element that exists once the page has rendered)
    "overview": ("/", "#overview-teams .ag-row"),
    "impact": ("/impact", "#impact-forest .main-svg"),
    "training": ("/training", "#training-priorities"),
    "explorer": ("/explorer", "#explorer-schema .ag-row"),
    "health": ("/health", "#health-rejected .ag-row"),
}
EXPLORER_SQL = """\
-- churn within 90 days after an upset call, by anger level
SELECT 'anger ' || f.anger_level AS anger,
       round(100 * avg(r.churned_90d::INT), 1) AS churn_90d_pct, count(*) AS upset_calls
FROM call_facts f JOIN customer_retention r USING (call_id)
WHERE f.is_upset AND r.churned_90d IS NOT NULL
GROUP BY ALL ORDER BY anger"""
WIDTH, SHOT_WIDTH = 1400, 1200


def build_database(folder: Path) -> Path:
    """The sample loaded and fitted, as `make demo` does."""
    db = folder / "shots.duckdb"
    subprocess.run([CALMLINE, "etl", "--source", ROOT / "sample_data", "--db", db], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([CALMLINE, "fit", "--db", db], check=True, stdout=subprocess.DEVNULL)
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path) -> tuple[subprocess.Popen, str]:
    """``calmline serve`` on a free loopback port, once it answers."""
    port = free_port()
    server = subprocess.Popen([CALMLINE, "serve", "--db", db, "--port", str(port)],
                              stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the dashboard did not start within 60 s")


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars",
                     f"--window-size={WIDTH},1000", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver: webdriver.Chrome, css: str, timeout: float = 30) -> None:
    """Until ``css`` exists and Dash has no callback in flight, twice in a row."""
    deadline, quiet = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        busy = driver.execute_script(
            "return document.querySelectorAll('[data-dash-is-loading=\"true\"], ._dash-loading').length")
        ready = driver.find_elements(By.CSS_SELECTOR, css)
        quiet = quiet + 1 if ready and not busy else 0
        if quiet >= 2:
            time.sleep(1.0)  # animations and grid layout settle
            return
        time.sleep(0.5)
    raise TimeoutError(f"{css} did not render within {timeout} s")


def run_explorer_query(driver: webdriver.Chrome) -> None:
    box = driver.find_element(By.ID, "explorer-sql")
    box.clear()
    box.send_keys(EXPLORER_SQL)
    driver.find_element(By.ID, "explorer-run-sql").click()
    wait(driver, "#explorer-result .ag-row")
    wait(driver, "#explorer-chart .main-svg .bars, #explorer-chart .main-svg .scatterlayer .trace")


def shoot(driver: webdriver.Chrome, base: str, name: str, path: str, ready: str) -> Path:
    driver.set_window_size(WIDTH, 1000)
    driver.get(base + path)
    wait(driver, ready)
    if name == "explorer":
        run_explorer_query(driver)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(height, 6000))
    time.sleep(1.5)  # graphs resize to the new window
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    image = image.resize((SHOT_WIDTH, round(image.height * SHOT_WIDTH / image.width)), Image.LANCZOS)
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    target = HERE / f"{name}.png"
    image.save(target, optimize=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a dashboard already serving the fitted sample (default: start one)")
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=list(PAGES),
                        help="pages to shoot (default: all)")
    args = parser.parse_args()
    server = None
    with tempfile.TemporaryDirectory() as folder:
        base = args.url
        if base is None:
            server, base = serve(build_database(Path(folder)))
        driver = browser()
        failed = []
        try:
            for name in args.pages:
                try:
                    target = shoot(driver, base.rstrip("/"), name, *PAGES[name])
                    print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")
                except Exception as error:  # noqa: BLE001 - report the page, shoot the others
                    failed.append(name)
                    print(f"{name}: not taken ({type(error).__name__}: {error})", file=sys.stderr)
        finally:
            driver.quit()
            if server is not None:
                server.terminate()
                server.wait(timeout=10)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
