"""The analytics layer's part of ``customer-platform bench``: its cost for one day, and the churn
model's held-out ROC AUC on the generator's latent churn.

Cost (each in its own child process, so the kernel's peak RSS is the layer's alone), on the
warehouse the whole-graph benchmark just loaded for ``BENCH_DAY``:

- **first day**: every analytics asset for the bench day, the warehouse's first partition
  (windows hold one day; no labels yet, so no model is trained);
- **steady state**: the same day after a year of history has been synthesised (not timed):
  the day's summary rows copied to each of the 364 days before it, its feature rows to the
  model's training days and labels for them (2% churners), with the partitions starting a
  year earlier - so customer_360 reads 365 days of summaries and the model trains on 13 days
  of features, the dearest day the layer has.

AUC: a generated company of a few thousand customers over ``AUC_DAYS`` days (the model's
split needs the horizon twice plus the training days), loaded through bronze, silver and the
gold inputs of the layer day by day, then the analytics the model of the last day needs (every
day's summaries and labels, the training days' features) and the last day's model: its
held-out ROC AUC, PR AUC and lift, straight from ``gold.churn_model``.
"""

import datetime as dt
import os
import time
from pathlib import Path

AUC_CUSTOMERS = 2_000
AUC_DAYS = 121
AUC_START = dt.date(2026, 1, 1)
YEAR = 365


def _environment(data_root: Path, landing: Path, start: dt.date) -> None:
    """Point the platform at the bench's warehouse (before anything reads the settings)."""
    os.environ["CUSTOMER_PLATFORM_DATA"] = str(data_root)
    os.environ["CUSTOMER_PLATFORM_LANDING_ROOT"] = str(landing)
    os.environ["CUSTOMER_PLATFORM_PARTITION_START"] = start.isoformat()


#: The benchmark runs log warnings and errors only (into the log file the bench names).
WARNINGS_LOGGED = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _run(job, day: dt.date, instance, keys=None):
    """``job`` (``keys`` of it) for ``day`` as the platform runs a day: no step's output is held
    until the run ends, so the peak RSS is what a scheduled run's."""
    from customer_platform.tools.backfill import partition_tags
    from customer_platform.tools.location_runs import run_in_process

    result = run_in_process(job, instance, run_config=WARNINGS_LOGGED, asset_selection=keys,
                            tags=partition_tags([day.isoformat()]))
    if not result.success:
        failure = next(e for e in result.all_events if e.is_step_failure)
        data = failure.step_failure_data
        details = data.user_failure_data.metadata if data.user_failure_data else {}
        raise RuntimeError(f"{day} {failure.step_key}: {data.error.message.strip()} "
                           f"{ {k: getattr(v, 'value', v) for k, v in details.items()} }")
    return result


def _definitions(extra_jobs=()):
    from dagster import Definitions

    from customer_platform.definitions import defs

    return Definitions.merge(defs, Definitions(jobs=list(extra_jobs)))


def analytics_day(data_root: Path, landing: Path, bench_day: str, steady: bool) -> dict:
    """Child: every analytics asset for the bench day; wall time and time per asset."""
    day = dt.date.fromisoformat(bench_day)
    _environment(data_root, landing, day - dt.timedelta(days=YEAR - 1) if steady else day)
    from dagster import DagsterInstance

    from customer_platform.orchestration.jobs import ANALYTICS_JOB

    job = _definitions().resolve_job_def(ANALYTICS_JOB)
    began = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        result = _run(job, day, instance)
    seconds = time.perf_counter() - began
    steps = {e.step_key.removeprefix("gold__"): e.event_specific_data.duration_ms / 1000
             for e in result.all_events if e.is_step_success}
    checks = result.get_asset_check_evaluations()
    return {"seconds": seconds, "steps": steps, "checks": len(checks),
            "checks_failed": [f"{c.asset_key.to_user_string()}:{c.check_name}"
                              for c in checks if not c.passed],
            "model": _model_row(day)}


def synthesise_history(data_root: Path, landing: Path, bench_day: str) -> dict:
    """Child (not timed): a year of history for the steady-state day, copied from the day."""
    day = dt.date.fromisoformat(bench_day)
    _environment(data_root, landing, day)
    import duckdb

    from customer_platform import settings
    from customer_platform.gold.analytics._model import ChurnModelConfig, _label_days

    config = ChurnModelConfig()
    label_days = _label_days(day, config)
    feature_days = [d - dt.timedelta(days=config.horizon_days) for d in label_days]
    with duckdb.connect(str(settings.warehouse_path())) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("""
            INSERT INTO gold.customer_daily_summary BY NAME
            SELECT * EXCLUDE (k) REPLACE (activity_date - k AS activity_date,
                                          load_date - k AS load_date)
            FROM (SELECT s.*, CAST(shift.range AS INTEGER) AS k
                  FROM gold.customer_daily_summary s CROSS JOIN range(1, ?) AS shift
                  WHERE s.load_date = ?)""", [YEAR, day])
        con.execute("DELETE FROM gold.churn_features WHERE load_date <> ?", [day])
        con.execute("""
            INSERT INTO gold.churn_features BY NAME
            SELECT * EXCLUDE (f) REPLACE (f AS load_date, f AS feature_date)
            FROM (SELECT s.*, CAST(days.f AS DATE) AS f
                  FROM gold.churn_features s
                  CROSS JOIN (SELECT unnest(CAST(? AS DATE[])) AS f) AS days
                  WHERE s.load_date = ?)""", [feature_days, day])
        con.execute("DELETE FROM gold.churn_labels")
        con.execute("""
            INSERT INTO gold.churn_labels BY NAME
            SELECT customer_key, customer_id, feature_date, ? AS horizon_days,
                   'Active' AS status_on_feature_date, h < 0.02 AS churned,
                   CASE WHEN h < 0.02 THEN feature_date + 10 END AS churn_date,
                   feature_date + ? AS load_date, feature_date + ? AS update_date,
                   'bench' AS source_system
            FROM (SELECT customer_key, customer_id, feature_date,
                         CAST(('0x' || substr(md5(customer_key || CAST(feature_date AS VARCHAR)),
                                              1, 8)) AS BIGINT) / 4294967296.0 AS h
                  FROM gold.churn_features WHERE load_date <> ?)""",
                    [config.horizon_days] * 3 + [day])
        [(rows,)] = con.execute("SELECT count(*) FROM gold.customer_daily_summary").fetchall()
    return {"summary_rows": rows, "feature_days": len(feature_days)}


def _model_row(day: dt.date) -> dict:
    import duckdb

    from customer_platform import settings

    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        frame = con.sql("SELECT * EXCLUDE (load_date, update_date, source_system) "
                        "FROM gold.churn_model WHERE load_date = ?", params=[day]).pl()
    return {k: str(v) if isinstance(v, dt.date) else v
            for k, v in (frame.to_dicts()[0] if frame.height else {}).items()}


def held_out_auc(data_root: Path, customers: int, days: int, seed: int) -> dict:
    """Child: generate ``days`` days, load the layer's gold inputs, train the last day's model."""
    data_root = Path(data_root)
    landing = data_root / "landing"
    last = AUC_START + dt.timedelta(days=days - 1)
    _environment(data_root, landing, AUC_START)
    from dagster import AssetSelection, DagsterInstance, define_asset_job

    from customer_platform.generator import days_between, generate
    from customer_platform.gold.analytics._model import ChurnModelConfig, _label_days
    from customer_platform.gold.analytics.churn_features import CHURN_FEATURES
    from customer_platform.gold.analytics.customer_360 import CUSTOMER_360
    from customer_platform.orchestration.analytics_sensor import BASE_KEYS, INPUT_KEYS
    from customer_platform.orchestration.jobs import ANALYTICS_JOB

    began = time.perf_counter()
    stats = generate(landing, AUC_START, last, customers=customers, seed=seed)
    generated = time.perf_counter() - began
    inputs_job = define_asset_job("bench_analytics_inputs",
                                  selection=AssetSelection.assets(*INPUT_KEYS).upstream()
                                  .required_multi_asset_neighbors())
    definitions = _definitions([inputs_job])
    inputs, analytics = (definitions.resolve_job_def(name)
                         for name in ("bench_analytics_inputs", ANALYTICS_JOB))
    config = ChurnModelConfig()
    feature_days = [d - dt.timedelta(days=config.horizon_days) for d in _label_days(last, config)]
    with DagsterInstance.ephemeral() as instance:
        began = time.perf_counter()
        for day in days_between(AUC_START, last):
            _run(inputs, day, instance)
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        for day in days_between(AUC_START, last - dt.timedelta(days=1)):
            _run(analytics, day, instance, BASE_KEYS)
        for day in sorted(d for d in feature_days if d >= AUC_START):
            _run(analytics, day, instance, [CUSTOMER_360.key, CHURN_FEATURES.key])
        _run(analytics, last, instance)
        modelled = time.perf_counter() - began
    return {"customers": customers, "first_day": str(AUC_START), "last_day": str(last),
            "source_rows": stats.rows, "generate_s": generated, "load_s": loaded,
            "analytics_s": modelled, "model": _model_row(last)}
