"""A step's days with the next day's inputs read while this day's work runs
(``partitions.each_day_read_ahead``): the same days, in order, with what each day read, one day
read ahead at most, and a failing day named as ``each_day`` names it."""

import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from dagster import Failure

from customer_platform.partitions import FAILED_DAY, each_day, each_day_read_ahead

DAYS = [dt.date(2026, 3, 1) + dt.timedelta(days=n) for n in range(5)]
STEP = SimpleNamespace(partition_keys=[day.isoformat() for day in DAYS])  # a ranged step's


def test_each_day_gets_its_own_read_in_order_with_the_next_day_read_meanwhile():
    read_started = {day: threading.Event() for day in DAYS}
    log = []

    def read(day):
        read_started[day].set()
        log.append(("read", day, threading.current_thread().name))
        return day.day * 10

    def work(day, inputs):
        following = day + dt.timedelta(days=1)
        if following in read_started:  # the next day is read while this one works
            assert read_started[following].wait(timeout=10)
        assert not any(entry[1] > following for entry in log)  # and no day beyond it
        log.append(("work", day, threading.current_thread().name))
        return inputs + 1

    done = each_day_read_ahead(STEP, read, work)
    assert done == [(day, day.day * 10 + 1) for day in DAYS]
    assert [day for kind, day, _ in log if kind == "work"] == DAYS
    assert {thread for kind, _, thread in log if kind == "work"} == {
        threading.main_thread().name}
    assert all(thread.startswith("read_ahead") for kind, _, thread in log if kind == "read")
    assert done == each_day(STEP, lambda day: read(day) + 1)


@pytest.mark.parametrize("failing", ["read", "work"])
def test_a_day_whose_read_or_work_fails_stops_the_step_there_named(failing):
    worked = []

    def read(day):
        if failing == "read" and day == DAYS[2]:
            raise ValueError("the table is gone")
        return day

    def work(day, inputs):
        if failing == "work" and day == DAYS[2]:
            raise ValueError("the table is gone")
        worked.append(inputs)

    with pytest.raises(Failure) as raised:
        each_day_read_ahead(STEP, read, work)
    assert raised.value.description == f"{DAYS[2]}: the table is gone"
    assert raised.value.metadata[FAILED_DAY].value == DAYS[2].isoformat()
    assert worked == DAYS[:2]
