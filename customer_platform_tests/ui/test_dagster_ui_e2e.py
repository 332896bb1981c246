"""The UI as a person sees it: the real ``dagster dev`` (webserver and daemon) on 127.0.0.1 and
a free port, against a temporary DAGSTER_HOME, warehouse and landing zone. Its GraphQL API
serves the asset graph and the checks, runs a partition materialisation, and headless
Chromium renders the lineage page (screenshot saved; ``UI_SCREENSHOT=path`` keeps a copy).
The README's pictures come from the demo company (``test_demo_in_the_ui.py``).

Every test runs twice: on the default SQLite instance, and on the production configuration
(deploy/dagster.yaml: runs, events, schedules and sensors in a real PostgreSQL server)."""

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.instance.ref import InstanceRef
from dagster_graphql import DagsterGraphQLClient

from customer_platform.generator import generate
from customer_platform.settings import partition_start
from customer_platform_tests.processes import start_server
from customer_platform_tests.ui.browser import free_port, graphql, headless_chromium, wait_for

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DAY = partition_start()
#: One source table's chain: what the test materialises through the API.
CHAIN = [["bronze", "crm_customers"], ["silver", "stg_crm_customers"],
         ["silver", "stg_crm_customers_rejects"]]
LINEAGE_GROUP = "silver_crm"


@dataclasses.dataclass(frozen=True)
class DagsterDev:
    url: str
    port: int
    log: Path
    storage: str  # "sqlite" or "postgres"
    home: Path
    postgres_env: dict  # DAGSTER_PG_* of the PostgreSQL instance, empty for SQLite


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def dagster_dev(request, tmp_path_factory):
    """``dagster dev`` serving this project, on the instance storage of the parameter."""
    root = tmp_path_factory.mktemp(f"ui_{request.param}")
    generate(root / "landing", DAY, DAY, customers=30, seed=5)
    home = root / "dagster_home"
    home.mkdir()
    instance_env = {}
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
        instance_env = server.dagster_env()
    port, log = free_port(), root / "dagster_dev.log"
    env = {**os.environ, **instance_env, "DAGSTER_HOME": str(home),
           "CUSTOMER_PLATFORM_WAREHOUSE": str(root / "warehouse.duckdb"),
           "CUSTOMER_PLATFORM_LANDING_ROOT": str(root / "landing")}
    dagster = Path(sys.executable).parent / "dagster"
    with open(log, "w") as out:
        # its own session, so the webserver, daemon, code server and runs stop together
        proc = start_server(
            [str(dagster), "dev", "-p", str(port), "-w",  # no host: the default binding
             str(REPO / "workspace.yaml")],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        def answers():
            if proc.poll() is not None:
                raise AssertionError(f"dagster dev exited: {log.read_text()[-3000:]}")
            try:
                return requests.get(f"{url}/server_info", timeout=2).ok
            except requests.ConnectionError:
                return False

        # its code location loads in a code server first: minutes on a loaded 2-core machine
        wait_for(answers, 300, "dagster dev to answer")
        yield DagsterDev(url, port, log, request.param, home, instance_env)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


ASSET_GRAPH = """
{ assetNodes { assetKey { path } groupName kinds description
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }
"""


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on ``port`` (from /proc/net/tcp[6])."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                addresses.add(address)
    return addresses


def test_the_instance_storage_is_the_one_configured(dagster_dev):
    """Runs, event logs, schedules and sensors (the schedule storage keeps both) are all in the
    configured storage; the production instance queues runs, two at a time."""
    info = yaml.safe_load(graphql(dagster_dev.url, "{ instance { info } }")["instance"]["info"])
    kind = {"sqlite": "Sqlite", "postgres": "Postgres"}[dagster_dev.storage]
    for storage, name in (("run_storage", "RunStorage"), ("event_log_storage",
                                                         "EventLogStorage"),
                          ("schedule_storage", "ScheduleStorage")):
        component = info[storage]  # a class name, or the class and config it was built from
        assert (component if isinstance(component, str) else component["class"]) == (
            f"{kind}{name}"), info
    if dagster_dev.storage == "postgres":
        # the run queue as the daemon builds it from the same instance files (the webserver
        # loads its coordinator only when a run is submitted)
        with pytest.MonkeyPatch.context() as env:
            for name, value in dagster_dev.postgres_env.items():
                env.setenv(name, value)
            with DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_dev.home))) as prod:
                coordinator = prod.run_coordinator
                assert type(coordinator).__name__ == "QueuedRunCoordinator"
                assert coordinator.get_run_queue_config().max_concurrent_runs == 2


def test_the_server_binds_to_loopback_only(dagster_dev):
    port = dagster_dev.port
    # 127.0.0.1, little-endian hex as the kernel lists it; never 0.0.0.0 or ::
    assert listening_addresses(port) == {"0100007F"}


def test_graphql_serves_the_asset_graph_and_its_checks(dagster_dev):
    url = dagster_dev.url
    nodes = {"/".join(n["assetKey"]["path"]): n for n in graphql(url, ASSET_GRAPH)["assetNodes"]}
    for key in ("bronze/crm_customers", "silver/stg_crm_customers", "gold/dim_customer",
                "gold/fact_invoice", "gold/agg_mrr", "gold/process_audit_log"):
        assert key in nodes, key
        assert nodes[key]["description"]
    assert nodes["silver/stg_crm_customers"]["groupName"] == "silver_crm"
    assert nodes["gold/fact_invoice"]["groupName"] == "gold_billing"
    assert {"duckdb", "pandera"} <= set(nodes["gold/fact_invoice"]["kinds"])
    checks = {c["name"]: c["blocking"]
              for c in nodes["gold/fact_invoice"]["assetChecksOrError"]["checks"]}
    assert checks["pandera_schema"] and checks["fk_customer_key"]
    silver_checks = {c["name"] for c in
                     nodes["silver/stg_crm_customers"]["assetChecksOrError"]["checks"]}
    assert {"pandera_schema", "reconciliation"} <= silver_checks


def test_a_partition_materialises_through_the_api(dagster_dev):
    url, port, log = dagster_dev.url, dagster_dev.port, dagster_dev.log
    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    run_id = client.submit_job_execution("daily_platform", asset_selection=CHAIN,
                                         tags={"dagster/partition": DAY.isoformat()})

    def finished():
        status = client.get_run_status(run_id)
        return status if status in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE,
                                    DagsterRunStatus.CANCELED) else None

    assert wait_for(finished, 180, f"run {run_id}", interval=1) == DagsterRunStatus.SUCCESS, (
        log.read_text()[-3000:])
    data = graphql(url, """
      query($path: [String!]!, $day: String!) {
        assetNodeOrError(assetKey: {path: $path}) { ... on AssetNode {
          assetMaterializations(partitions: [$day]) { partition runId
            metadataEntries { label ... on IntMetadataEntry { intValue } } } } } }""",
                   {"path": ["silver", "stg_crm_customers"], "day": DAY.isoformat()})
    [materialisation] = data["assetNodeOrError"]["assetMaterializations"]
    assert materialisation["runId"] == run_id and materialisation["partition"] == DAY.isoformat()
    rows = {e["label"]: e.get("intValue") for e in materialisation["metadataEntries"]}
    assert rows["dagster/row_count"] > 0 and "preview" in rows
    assert_storage_holds_the_run(dagster_dev)


def assert_storage_holds_the_run(dagster_dev: DagsterDev) -> None:
    """Not only configured: after the run, the instance's storage holds the run, its events
    and check results, and the daemon's sensor ticks (PostgreSQL's tables, or SQLite's files)."""
    if dagster_dev.storage != "postgres":
        assert (dagster_dev.home / "history" / "runs.db").exists()
        assert (dagster_dev.home / "schedules" / "schedules.db").exists()
        return
    import psycopg2

    env = dagster_dev.postgres_env
    with psycopg2.connect(host=env["DAGSTER_PG_HOST"], port=env["DAGSTER_PG_PORT"],
                          dbname=env["DAGSTER_PG_DB"], user=env["DAGSTER_PG_USERNAME"],
                          password=env["DAGSTER_PG_PASSWORD"]) as con:
        def count(table: str) -> int:
            with con.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {table}")
                return cursor.fetchone()[0]

        assert count("runs") >= 1 and count("event_logs") > 10
        assert count("asset_check_executions") >= 1
        assert wait_for(lambda: count("job_ticks") > 0, 90, "a sensor tick in PostgreSQL")


def test_lineage_page_renders_in_headless_chromium(dagster_dev, tmp_path):
    url = dagster_dev.url
    graphql(url, "mutation { setNuxSeen }")  # the first-visit pop-up would cover the graph
    browser = headless_chromium(tmp_path / "profile")
    try:
        browser.get(f"{url}/locations/customer_platform/asset-groups/{LINEAGE_GROUP}")
        expected = ["crm_customers", "stg_crm_customers", "stg_crm_customers_rejects"]

        def drawn():
            text = browser.find_element("tag name", "body").text
            return all(name in text for name in expected)

        wait_for(drawn, 60, "the lineage graph to show the asset names")
        time.sleep(1)  # let the edges finish their layout before the picture
        shot = tmp_path / "lineage.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        if os.environ.get("UI_SCREENSHOT") and dagster_dev.storage == "sqlite":
            shutil.copy(shot, os.environ["UI_SCREENSHOT"])
    finally:
        browser.quit()

