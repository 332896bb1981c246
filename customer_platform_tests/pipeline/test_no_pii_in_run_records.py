"""No PII value of the warehouse reaches what Dagster records about the runs.

The warehouse may hold PII; what Dagster records (log messages, step failures, every
materialisation's and check evaluation's metadata, the runs themselves) may not: it is shown
in the UI, kept in the run storage and sent to alerts. ``context.log`` writes to the event
log (and the console logger prints the same records), so scanning the event log covers the
logs too.

Every kind of run is scanned: the daily graph of each day, and for the last days the
analytics layer (``customer_360`` holds names and emails), the BI exports, the report and the
audit, each as its own run as the platform launches them (on a copy of the warehouse, so the
other end-to-end tests see the daily graph alone).

The PII values are read, not listed: every distinct value (5 characters or more, placeholders
such as ``Unknown`` aside) of every column that an asset's ``dagster/column_schema`` tags
``pii``, in bronze, silver and gold. The scan ignores case and takes at most the first 60
characters of a value (what a preview cell keeps). A value that the warehouse also holds in a
column the schema leaves unclassified is published by the schema itself, and is not scanned:
a business customer's ``customer_name`` is its company's name, which ``company_name`` and
``company`` hold unclassified (a residential customer's name is a person's and stays in the
scan). Only names may be so shared: no email, phone number or address.
"""

import json
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetMaterialization,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    MetadataValue,
    TableRecord,
    materialize,
)
from dagster._core.events import StepMaterializationData
from dagster._serdes import serialize_value

from customer_platform.contracts import source_table
from customer_platform.exports.assets import EXPORT_ASSETS, EXPORTS_KEY
from customer_platform.gold import ANALYTICS_ASSETS, ANALYTICS_CHECKS
from customer_platform.gold.audit import AUDIT_KEYS
from customer_platform.privacy import MASK
from customer_platform.quality.checks import evaluate_schema
from customer_platform.quality.schemas import silver_schema
from customer_platform.report import REPORT_ASSETS, REPORT_KEY
from customer_platform.resources import warehouse_resources
from customer_platform.silver.assets import REJECTS_SCHEMA
from customer_platform.silver.cleaning import clean

from .conftest import ASSETS, DAYS

pytestmark = pytest.mark.e2e

MIN_LENGTH = 5
#: What a cell of a Markdown preview keeps of a value (``privacy.markdown_preview``).
PATTERN_LENGTH = 60
#: Stand-ins for a missing value (inferred dimension members), nobody's data.
PLACEHOLDERS = {"unknown", "(unknown)", "n/a", "none", "null"}
LAYERS = ("bronze", "silver", "gold")
EVERY_ASSET = [*ASSETS, *ANALYTICS_ASSETS, *ANALYTICS_CHECKS, *EXPORT_ASSETS, *REPORT_ASSETS]
#: The days the runs after the daily graph are scanned for, and what each run materialises.
FOLLOW_UP_DAYS = DAYS[-2:]
FOLLOW_UPS = {
    "analytics": AssetSelection.assets(*(k for a in ANALYTICS_ASSETS for k in a.keys)),
    "exports": AssetSelection.assets(EXPORTS_KEY),
    "report": AssetSelection.assets(REPORT_KEY),
    "audit": AssetSelection.assets(*AUDIT_KEYS),
}
#: The follow-ups that write files: their op, told to write under the test's folder.
FILE_WRITERS = {"exports": "gold__exports", "report": "gold__report"}


# -- what counts as PII, read from the schemas ---------------------------------------------


def column_classes() -> dict[str, dict[str, str | None]]:
    """``schema.table`` -> {column: PII class or None}, from the assets' column schemas."""
    classes = {}
    for assets_def in EVERY_ASSET:
        for spec in assets_def.specs:
            schema = spec.metadata.get("dagster/column_schema")
            if schema is not None and spec.key.path[0] in LAYERS:
                classes[".".join(spec.key.path)] = {
                    c.name: (c.tags or {}).get("pii") for c in schema.columns}
    return classes


def warehouse_pii(warehouse: Path) -> tuple[dict[str, set], dict[str, set]]:
    """Every PII value of the warehouse (lower case) and where it is, ``{value: {(column,
    PII class), ...}}``, and those an unclassified column also holds, ``{value: {column}}``
    (a column as ``schema.table.column``)."""
    classes = column_classes()
    pii: dict[str, set] = {}
    shared: dict[str, set] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "SELECT table_schema || '.' || table_name, column_name, data_type = 'VARCHAR' "
            "FROM information_schema.columns WHERE table_schema IN ('bronze', 'silver', "
            "'gold')").fetchall()
        for table, column, _ in columns:
            if pii_class := classes.get(table, {}).get(column):
                for value in _values(con, table, column):
                    pii.setdefault(value, set()).add((f"{table}.{column}", pii_class))
        for table, column, is_text in columns:
            if table in classes and is_text and not classes[table].get(column):
                for value in _values(con, table, column) & pii.keys():
                    shared.setdefault(value, set()).add(f"{table}.{column}")
    return pii, shared


def _values(con, table: str, column: str) -> set[str]:
    value = f'lower(trim(CAST("{column}" AS VARCHAR)))'
    rows = con.execute(f"SELECT DISTINCT {value} FROM {table} "
                       f"WHERE length({value}) >= {MIN_LENGTH}").fetchall()
    return {v for v, in rows} - PLACEHOLDERS


# -- what Dagster recorded, as text --------------------------------------------------------


def recorded_text(record) -> str:
    """Every string of a run, event or metadata value as Dagster stores it (serialised), keys
    included, one per line: log messages, error messages and stacks, Markdown, JSON and table
    metadata alike."""
    strings: list[str] = []

    def walk(node):
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                strings.append(key)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(serialize_value(record)))
    return "\n".join(strings)


def recorded_texts(instance) -> list[str]:
    """The text of every run of the instance and of every event of its event log."""
    texts = []
    for run in instance.get_runs():
        texts.append(recorded_text(run))
        texts.extend(recorded_text(entry) for entry in instance.all_logs(run.run_id))
    return texts


def find_pii(texts: list[str], values) -> dict[str, str]:
    """``{value: excerpt of a text it occurs in}`` for each value found (case ignored)."""
    patterns = sorted({v.lower()[:PATTERN_LENGTH] for v in values})
    lowered = pl.Series("text", texts, dtype=pl.String).str.to_lowercase()
    hits = lowered.filter(lowered.str.contains_any(patterns))
    found: dict[str, str] = {}
    for text, matched in zip(hits, hits.str.extract_many(patterns), strict=True):
        for value in matched:
            at = text.find(value)
            found.setdefault(value, text[max(at - 150, 0):at + len(value) + 50])
    return found


# -- the tests -----------------------------------------------------------------------------


def follow_up_runs(platform, root: Path) -> tuple[Path, list[str], dict[str, int]]:
    """Each follow-up run of ``FOLLOW_UP_DAYS`` on a copy of the warehouse: the copy, the text
    of every run and event, and how many runs of each kind succeeded."""
    warehouse = root / "warehouse.duckdb"
    shutil.copy(platform.root / "warehouse.duckdb", warehouse)
    resources = warehouse_resources(warehouse, platform.root / "landing")
    done = dict.fromkeys(FOLLOW_UPS, 0)
    with DagsterInstance.ephemeral() as instance:
        for day in FOLLOW_UP_DAYS:
            for kind, selection in FOLLOW_UPS.items():
                result = materialize(EVERY_ASSET, selection=selection, partition_key=day,
                                     resources=resources, instance=instance,
                                     run_config={"ops": {FILE_WRITERS[kind]: {"config": {
                                         "root": str(root / kind)}}}} if kind in FILE_WRITERS
                                     else None)
                done[kind] += result.success
        return warehouse, recorded_texts(instance), done


@pytest.fixture(scope="module")
def scan(platform_run, tmp_path_factory):
    platform, _ = platform_run
    warehouse, texts, done = follow_up_runs(platform, tmp_path_factory.mktemp("follow_up"))
    assert done == dict.fromkeys(FOLLOW_UPS, len(FOLLOW_UP_DAYS))
    pii, shared = warehouse_pii(warehouse)
    return platform, pii, shared, recorded_texts(platform.instance) + texts


def test_the_pii_values_cover_every_class_in_every_layer_and_only_names_are_shared(scan):
    _, pii, shared, _ = scan
    scanned = {(column.split(".")[0], cls) for value, places in pii.items()
               if value not in shared for column, cls in places}
    assert scanned == {(layer, cls) for layer in LAYERS
                       for cls in ("personal_identifier", "contact", "address")}
    assert any("@" in v for v in pii if v not in shared), "no email among the scanned values"
    assert len(pii) - len(shared) >= 1000, (len(pii), len(shared))
    # an email, phone number or address in an unclassified column is a classification gap
    assert {v: (sorted(pii[v]), sorted(columns)) for v, columns in shared.items()
            if {cls for _, cls in pii[v]} != {"personal_identifier"}} == {}


def test_no_pii_value_is_in_the_logs_events_or_metadata_of_any_run(scan):
    platform, pii, shared, texts = scan
    # the scan sees what it must: every run, the steps' own log lines, the metadata
    assert len(platform.instance.get_runs()) >= len(DAYS)
    assert any(f"stg_crm_customers {DAYS[0]}: {{'silver_rows': " in t for t in texts)
    assert any(f"| {MASK} |" in t and "| email |" in t for t in texts)  # a masked preview
    assert sum("ASSET_CHECK_EVALUATION" in t for t in texts) > 1000
    for follow_up in ("customer_360", "gold__exports", "gold__report", "process_audit_log"):
        assert any(follow_up in t for t in texts), follow_up  # their runs are in the scan
    found = find_pii(texts, [v for v in pii if v not in shared])
    assert {v: (sorted(pii.get(v, {("(first characters of a value)", "")})), excerpt)
            for v, excerpt in found.items()} == {}


def test_the_scan_finds_a_pii_value_wherever_dagster_could_record_it(scan, platform_run):
    """Not vacuous: a real PII value put in a log message or in Markdown, JSON, table or text
    metadata of a materialisation or a check evaluation is found, whatever its case."""
    platform, pii, shared, _ = scan
    _, results = platform_run
    unshared = sorted(v for v in pii if v not in shared)
    email = next(v for v in unshared if "@" in v)
    name = next(v for v in unshared if " " in v and any(
        column.endswith(".customer_name") for column, _ in pii[v]))
    run_id = results[DAYS[0]].run_id
    events = platform.instance.all_logs(run_id)
    log = next(e for e in events if e.user_message.startswith("stg_crm_customers "))
    materialised = next(e for e in events
                        if e.dagster_event_type == DagsterEventType.ASSET_MATERIALIZATION)
    checked = next(e for e in events
                   if e.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION)
    assert find_pii([recorded_text(e) for e in (log, materialised, checked)], [email, name]) \
        == {}

    def with_metadata(metadata):
        key = materialised.dagster_event.asset_key
        materialisation = materialised.dagster_event._replace(event_specific_data=(
            StepMaterializationData(AssetMaterialization(key, metadata=metadata))))
        evaluation = checked.dagster_event._replace(event_specific_data=AssetCheckEvaluation(
            asset_key=key, check_name="pandera_schema", passed=False, metadata=metadata))
        return [materialised._replace(dagster_event=materialisation),
                checked._replace(dagster_event=evaluation)]

    for value in (email, name):
        planted = [log._replace(user_message=f"loaded row of {value.upper()}")]
        planted += with_metadata({"sample": MetadataValue.md(f"| email |\n|---|\n| {value} |")})
        planted += with_metadata({"sample": MetadataValue.json({"rows": [{"v": value.title()}]})})
        planted += with_metadata({"sample": MetadataValue.table([TableRecord({"v": value})])})
        planted += with_metadata({"note": MetadataValue.text(f"see {value}!")})
        for entry in planted:
            assert set(find_pii([recorded_text(entry)], [email, name])) == {value}, entry


def markdown_column(text: str, column: str) -> set[str]:
    """The cells of ``column`` in every Markdown table of ``text``."""
    cells, at = set(), None
    for line in text.split("\n"):
        row = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if not line.startswith("|"):
            at = None
        elif column in row:
            at = row.index(column)
        elif at is not None and not line.startswith("|---"):
            cells.add(row[at])
    return cells


def test_bronze_previews_mask_columns_beyond_the_contract(scan):
    """A column the contract does not know is unclassified, so it may hold PII: bronze tags
    ``_extra_columns`` PII and the previews mask it (the generator adds such a column now and
    then)."""
    _, _, _, texts = scan
    extras = set().union(*(markdown_column(t, "_extra_columns") for t in texts))
    assert extras <= {"", MASK} and MASK in extras, extras


def test_a_failing_check_reports_rules_and_rows_but_no_pii(scan):
    """A failing check's metadata (counts per rule, a sample of the failures) names columns,
    rules and rows, not values: real rows of silver and of rejects, broken every way."""
    platform, _, _, _ = scan
    table = source_table("crm.customers")
    pii = list(table.pii_columns())
    with duckdb.connect(str(platform.root / "warehouse.duckdb"), read_only=True) as con:
        bronze = con.sql(f"SELECT * FROM bronze.{table.bronze_table} WHERE "
                         "_partition_date = ? ORDER BY _source_row LIMIT 30",
                         params=[DAYS[0]]).pl()
    at = pl.int_range(pl.len())
    bronze = bronze.with_columns(  # rows silver rejects, quoting the values it rejects
        pl.when(at < 3).then(pl.col("email").str.replace("@", " at ")).otherwise(pl.col("email"))
        .alias("email"),
        pl.when(at == 3).then(pl.lit("Titanium")).otherwise(pl.col("customer_tier"))
        .alias("customer_tier"))
    cleaned = clean(bronze, table)
    assert cleaned.rejects.height >= 4
    rows = cleaned.silver
    broken = rows.with_columns(  # two emails of the wrong format, a name missing
        pl.when(at.is_in([2, 3])).then(pl.col("email") + " (work)").otherwise(pl.col("email"))
        .alias("email"),
        pl.when(at == 4).then(None).otherwise(pl.col("customer_name")).alias("customer_name"))
    verdicts = [
        evaluate_schema(broken, silver_schema(table)),
        evaluate_schema(pl.concat([rows, rows.head(2)]), silver_schema(table)),  # repeated keys
        evaluate_schema(cleaned.rejects.with_columns(pl.lit("Lost").alias("status")),
                        REJECTS_SCHEMA),
    ]
    assert [v.passed for v in verdicts] == [False, False, False]
    by_rule = verdicts[0].metadata["failing_rows_by_rule"].value
    assert by_rule.pop("customer_name: not_nullable") == 1
    assert [(rule.split("(")[0], rows) for rule, rows in by_rule.items()] == [
        ("email: str_matches", 2)]
    assert verdicts[0].metadata["failure_sample"].value.count(f"| {MASK} |") == 3
    text = "\n".join(recorded_text(dict(v.metadata)) for v in verdicts)
    assert "multiple_fields_uniqueness" in text and "status: isin" in text
    values = {v for frame in (bronze, broken) for c in pii for v in frame[c].drop_nulls()}
    values |= {v for c in ("error_description", "record") for v in cleaned.rejects[c]}
    assert any("email=" in v for v in values)  # a description quoting a rejected email
    assert find_pii([text], {v for v in values if len(v) >= MIN_LENGTH}) == {}
