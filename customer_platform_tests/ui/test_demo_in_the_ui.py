"""The first look: the demo company as a newcomer opens it. ``customer-platform demo`` (its
default, current days: the demo is current on purpose), then ``dagster dev`` started in the
folder where the demo left its ``.env``, as the README says. Every check of every asset is
green, freshness included once the sensor has evaluated it; every run belongs to the code
location; and headless Chromium takes the README's pictures (``UI_SCREENSHOTS=docs/images``
keeps them): the grouped global lineage, a gold asset's checks and partitions, the report."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from customer_platform_tests.processes import start_server
from customer_platform_tests.ui.browser import free_port, graphql, headless_chromium, wait_for

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CHECKS = """
{ assetNodes { assetKey { path }
    assetChecksOrError { ... on AssetChecks { checks { name
      executionForLatestMaterialization { status } } } } } }
"""
RUNS = """
{ runsOrError { ... on Runs { results { jobName status
    repositoryOrigin { repositoryLocationName } tags { key value } } } } }
"""
#: The README's pictures: file name, page, and a text the page shows once it is drawn.
PICTURES = [
    ("demo_lineage.png", "/asset-groups", "gold_analytics"),
    ("demo_asset_checks.png", "/assets/gold/customer_360?view=checks", "pandera_schema"),
    ("demo_asset_partitions.png", "/assets/gold/customer_360?view=partitions", "Materialized"),
    ("demo_report.png", "/assets/gold/report", "charts_with_data"),
]


def check_statuses(url: str) -> dict[str, str | None]:
    """``asset:check`` -> the status of its latest execution (None: never evaluated)."""
    return {f"{'/'.join(node['assetKey']['path'])}:{check['name']}":
            (check["executionForLatestMaterialization"] or {}).get("status")
            for node in graphql(url, CHECKS)["assetNodes"]
            for check in (node["assetChecksOrError"].get("checks") or [])}


@pytest.fixture(scope="module")
def demo_ui(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo_ui")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CUSTOMER_PLATFORM_", "DAGSTER_HOME"))}
    env["CUSTOMER_PLATFORM_DATA"] = str(root / "data")
    made = subprocess.run([sys.executable, "-m", "customer_platform.tools.cli", "demo",
                           "--customers", "20"], cwd=root, env={**env, "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=1200)
    assert made.returncode == 0, (made.stdout + made.stderr)[-3000:]
    assert (root / ".env").exists()
    port, log = free_port(), root / "dagster_dev.log"
    with open(log, "w") as out:  # no DAGSTER_HOME: the .env in root gives it, as to a user
        proc = start_server([str(Path(sys.executable).parent / "dagster"), "dev", "-p",
                             str(port), "-w", str(REPO / "workspace.yaml")],
                            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        def answers():
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                return requests.get(f"{url}/server_info", timeout=2).ok
            except requests.ConnectionError:
                return False

        wait_for(answers, 300, "dagster dev to answer")

        def freshness_evaluated():
            statuses = check_statuses(url)
            fresh = [s for name, s in statuses.items() if name.endswith(":freshness")]
            return fresh and all(fresh) and statuses

        # the freshness sensor (running by default) ticks within a minute of the daemon's start
        statuses = wait_for(freshness_evaluated, 240, "the freshness sensor's verdicts", 5)
        yield url, statuses, root
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_every_check_of_the_demo_company_is_green(demo_ui):
    _, statuses, _ = demo_ui
    fresh = [name for name in statuses if name.endswith(":freshness")]
    assert len(fresh) > 50 and len(statuses) > 300
    assert {name: status for name, status in statuses.items() if status != "SUCCEEDED"} == {}


def test_every_demo_run_is_a_run_of_the_code_locations_jobs(demo_ui):
    url, _, _ = demo_ui
    runs = graphql(url, RUNS)["runsOrError"]["results"]
    assert {"daily_platform", "gold_analytics", "audit_job"} <= {run["jobName"] for run in runs}
    for run in runs:
        assert run["status"] == "SUCCESS"
        assert (run["repositoryOrigin"] or {}).get("repositoryLocationName") == \
            "customer_platform", run
        assert {"key": "customer_platform/launched_from", "value": "cli"} in run["tags"]


def test_the_readme_pictures_of_the_demo_company(demo_ui):
    url, _, root = demo_ui
    graphql(url, "mutation { setNuxSeen }")  # the first-visit pop-up would cover the page
    browser = headless_chromium(root / "profile")
    kept = os.environ.get("UI_SCREENSHOTS")
    try:
        for name, page, shown in PICTURES:
            browser.get(url + page)
            wait_for(lambda shown=shown: shown in browser.find_element("tag name", "body").text,
                     60, f"{page} to show {shown}")
            time.sleep(2)  # let the graph's edges and the charts finish drawing
            shot = root / name
            assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 20_000
            if kept:
                shutil.copy(shot, Path(kept) / name)
    finally:
        browser.quit()
