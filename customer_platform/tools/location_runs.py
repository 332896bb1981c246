"""The terminal's runs as runs of the code location's jobs.

``job.execute_in_process`` records a run with no code location: the Dagster UI lists it as
"Manually launched", outside its job's history and the Overview timeline. ``run_in_process``
runs the job the same way (in this process, the in-process executor) but creates the run as
the UI's launches do, with the job's origin in the code location ``workspace.yaml`` names, and
tags it as launched from the command line (``LAUNCHED_FROM_TAG``).
"""

from collections.abc import Collection, Mapping

from dagster import AssetKey, DagsterInstance, JobDefinition
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.execution.api import (
    ExecuteRunWithPlanIterable,
    create_execution_plan,
    job_execution_iterator,
)
from dagster._core.execution.context_creation_job import (
    PlanOrchestrationContextManager,
    orchestration_context_event_generator,
)
from dagster._core.execution.execute_in_process_result import ExecuteInProcessResult
from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.workspace.load import location_origin_from_module_name

#: The code location ``workspace.yaml`` declares (``dagster dev`` serves it): its name and module.
CODE_LOCATION = "customer_platform"
DEFINITIONS_MODULE = "customer_platform.definitions"
#: The run tag saying where a run was launched from; the UI shows it on the run.
LAUNCHED_FROM_TAG = "customer_platform/launched_from"
#: Dagster's name for the repository of a code location built from a ``Definitions`` object.
REPOSITORY = "__repository__"


def job_origin(job_name: str) -> RemoteJobOrigin:
    """The job ``job_name`` as the code location of ``workspace.yaml`` serves it."""
    location = location_origin_from_module_name(DEFINITIONS_MODULE, None, None, CODE_LOCATION)
    return RemoteRepositoryOrigin(location, REPOSITORY).get_job_origin(job_name)


def run_in_process(job: JobDefinition, instance: DagsterInstance, *, run_config: Mapping,
                   tags: Mapping[str, str], run_id: str | None = None,
                   asset_selection: Collection[AssetKey] | None = None
                   ) -> ExecuteInProcessResult:
    """``job.execute_in_process(run_config, instance, tags, run_id, raise_on_error=False,
    asset_selection)``, the run recorded as a run of the code location's job, launched from
    the command line. Unlike ``execute_in_process``, no step's output is kept in memory until
    the run ends (the result cannot give ``output_for_node``): a run holds one step's frames
    at a time, as a run launched from the UI does."""
    in_process = job.as_ephemeral_job(
        resource_defs={}, input_values={},
        asset_selection=list(asset_selection) if asset_selection is not None else None)
    wrapped = InMemoryJob(job_def=in_process)
    plan = create_execution_plan(wrapped, run_config=run_config,
                                 instance_ref=instance.get_ref() if instance.is_persistent
                                 else None)
    run = instance.create_run_for_job(
        job_def=in_process, run_config=run_config, execution_plan=plan, run_id=run_id,
        tags={**job.run_tags, **tags, LAUNCHED_FROM_TAG: "cli"},
        remote_job_origin=job_origin(job.name))
    events = list(ExecuteRunWithPlanIterable(
        execution_plan=plan, iterator=job_execution_iterator,
        execution_context_manager=PlanOrchestrationContextManager(
            context_event_generator=orchestration_context_event_generator, job=wrapped,
            execution_plan=plan, dagster_run=run, instance=instance, run_config=run_config,
            executor_defs=None, output_capture=None, raise_on_error=False)))
    return ExecuteInProcessResult(job_def=in_process, event_list=events,
                                  dagster_run=instance.get_run_by_id(run.run_id),
                                  output_capture={})
