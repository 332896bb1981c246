"""The history bench does not depend on the wall clock: its runs see daily partitions that end
with the history's last day, a day long past or a day still to come."""

import datetime as dt

import pytest

from customer_platform.partitions import daily_partitions
from customer_platform.tools.bench import as_of_the_day_after


@pytest.mark.parametrize("last", [dt.date(2026, 3, 1), dt.date(2099, 12, 31)])
def test_the_history_runs_as_of_the_day_after_its_last_day(last):
    with as_of_the_day_after(last):
        assert daily_partitions.get_last_partition_key() == last.isoformat()
        assert daily_partitions.has_partition_key(last.isoformat())
        assert not daily_partitions.has_partition_key((last + dt.timedelta(1)).isoformat())
