"""A run of the terminal (``run_in_process``) holds one step's output at a time, as a run the
UI launches does; ``execute_in_process`` keeps every output until the run ends, which made
the bench's peak RSS of a 500,000-customer day every frame of the day at once."""

import gc
import weakref

from dagster import (
    AssetKey,
    DagsterInstance,
    Definitions,
    IOManager,
    asset,
    define_asset_job,
    io_manager,
)

from customer_platform.tools.location_runs import run_in_process


class Frame:
    """Stands for a step's frame: something a weak reference can watch being freed."""


def _watched_job(made: list):
    class Discarding(IOManager):
        """Stores nothing, as the warehouse's I/O manager keeps no frame in memory."""

        def handle_output(self, context, obj):
            pass

        def load_input(self, context):
            return Frame()

    @asset
    def upstream() -> Frame:
        frame = Frame()
        made.append(weakref.ref(frame))
        return frame

    @asset
    def downstream(upstream: Frame) -> Frame:
        frame = Frame()
        made.append(weakref.ref(frame))
        return frame

    defs = Definitions(assets=[upstream, downstream], jobs=[define_asset_job("watched")],
                       resources={"io_manager": io_manager(lambda _: Discarding())})
    return defs.resolve_job_def("watched")


def test_a_terminal_run_keeps_no_steps_output_once_it_is_stored():
    made: list = []
    with DagsterInstance.ephemeral() as instance:
        result = run_in_process(_watched_job(made), instance, run_config={}, tags={})
        assert result.success
        gc.collect()
        assert len(made) == 2 and all(ref() is None for ref in made)

        kept: list = []
        captured = _watched_job(kept).execute_in_process(instance=instance)
        gc.collect()
        # the path the bench used: both outputs alive while the result is
        assert captured.success and all(ref() is not None for ref in kept)


def test_a_terminal_run_materialises_the_selected_assets_only():
    made: list = []
    with DagsterInstance.ephemeral() as instance:
        result = run_in_process(_watched_job(made), instance, run_config={}, tags={},
                                asset_selection=[AssetKey("downstream")])
    assert result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [
        AssetKey("downstream")]
