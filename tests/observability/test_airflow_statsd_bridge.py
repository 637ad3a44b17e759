"""The StatsD → Prometheus bridge's parser and registry (``alumusic.airflow_metrics``), in process:
exact values after known lines, names and labels Prometheus accepts, bad lines counted, the caps."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, generate_latest

from alumusic.airflow_metrics import (
    MAX_NAMES,
    MalformedLine,
    StatsdBridge,
    label_name,
    parse_line,
    prometheus_name,
)
from tests.support.observability import samples, value


def scrape(bridge: StatsdBridge) -> dict:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(bridge)
    return samples(generate_latest(registry).decode())


def lines(bridge: StatsdBridge, resultado: str) -> float:
    return value(scrape(bridge), "alumusic_statsd_bridge_lines_total", resultado=resultado)


def test_counters_add_up_exactly_with_sample_rates():
    b = StatsdBridge()
    b.ingest(b"airflow.scheduler_heartbeat:1|c\nairflow.scheduler_heartbeat:1|c")
    b.ingest(b"airflow.scheduler_heartbeat:3|c|@0.5")  # 3 sent for every 2: counts 6
    b.ingest(b"airflow.ti_successes:1|c|@0.1\nairflow.ti_successes:2|c|@0.25")  # 10 + 8
    found = scrape(b)
    assert value(found, "airflow_scheduler_heartbeat_total") == 8
    assert value(found, "airflow_ti_successes_total") == 18
    assert value(found, "alumusic_statsd_bridge_datagrams_total") == 3
    assert value(found, "alumusic_statsd_bridge_lines_total", resultado="aceita") == 5


def test_gauges_set_and_move_by_deltas():
    b = StatsdBridge()
    b.ingest(b"airflow.pool.open_slots:4|g")
    b.ingest(b"airflow.pool.open_slots:+3|g\nairflow.pool.open_slots:-2.5|g")
    assert value(scrape(b), "airflow_pool_open_slots") == 4.5
    b.ingest(b"airflow.pool.open_slots:1|g")  # no sign: a new value, not a delta
    assert value(scrape(b), "airflow_pool_open_slots") == 1
    # Airflow's statsd client sends a negative value as 0 then the delta (one datagram, two lines).
    b.ingest(b"airflow.dag_processing.import_errors:0|g\nairflow.dag_processing.import_errors:-2|g")
    assert value(scrape(b), "airflow_dag_processing_import_errors") == -2
    b.ingest(b"airflow.pool.open_slots:7|g|@0.5")  # a rate does not scale a gauge
    assert value(scrape(b), "airflow_pool_open_slots") == 7


def test_timers_become_histograms_in_seconds():
    b = StatsdBridge(buckets=(0.1, 1.0, 10.0))
    b.ingest(b"airflow.task.duration:50|ms\nairflow.task.duration:500|ms\nairflow.task.duration:5000|ms")
    b.ingest(b"airflow.task.duration:20000|ms|@0.5")  # one seen for two sent
    found = scrape(b)
    name = "airflow_task_duration_seconds"
    assert value(found, f"{name}_count") == 5
    assert value(found, f"{name}_sum") == pytest.approx(0.05 + 0.5 + 5 + 2 * 20)
    assert [value(found, f"{name}_bucket", le=le) for le in ("0.1", "1.0", "10.0", "+Inf")] == [1, 2, 3, 5]


@pytest.mark.parametrize(("statsd", "prom"), [
    ("airflow.dag_processing.total_parse_time", "airflow_dag_processing_total_parse_time"),
    ("airflow.dagrun.dependency-check", "airflow_dagrun_dependency_check"),
    ("airflow.SchedulerJob_start", "airflow_SchedulerJob_start"),
    ("airflow.dag/file.py", "airflow_dag_file_py"),
])
def test_names_become_prometheus_names(statsd, prom):
    assert prometheus_name(statsd) == prom


def test_kinds_get_their_prometheus_suffixes_and_tags_become_labels():
    b = StatsdBridge()
    b.ingest(b"airflow.ti.finish,dag_id=classify_comments,task_id=classify_batch,state=success:1|c\n"
             b"airflow.task.duration,dag_id=classify_comments,task_id=classify_batch:1500|ms\n"
             b"airflow.pool.open_slots|invalid\n"
             b"airflow.pool.open_slots:3|g|#pool_name:llm\n"
             b"airflow.counted_total:2|c")
    found = scrape(b)
    assert value(found, "airflow_ti_finish_total", dag_id="classify_comments", task_id="classify_batch",
                 state="success") == 1
    assert value(found, "airflow_task_duration_seconds_sum", dag_id="classify_comments",
                 task_id="classify_batch") == 1.5
    assert value(found, "airflow_pool_open_slots", pool_name="llm") == 3
    assert value(found, "airflow_counted_total") == 2  # already _total: not doubled


def test_series_of_one_name_may_carry_different_tags():
    b = StatsdBridge()
    b.ingest(b"airflow.triggers.succeeded:1|c\nairflow.triggers.succeeded,team_name=a:2|c")
    found = scrape(b)
    # The missing label is written empty: to Prometheus, the same as absent.
    assert value(found, "airflow_triggers_succeeded_total", team_name="") == 1
    assert value(found, "airflow_triggers_succeeded_total", team_name="a") == 2


def test_label_names_prometheus_reserves_are_renamed():
    assert label_name("dag_id") == "dag_id"
    assert label_name("__name__") == "tag_name__"
    assert label_name("le") == "tag_le"
    assert label_name("1x") == "tag_1x"
    assert label_name("a.b-c") == "a_b_c"


@pytest.mark.parametrize("line", [
    "no_colon", "airflow.x:1", "airflow.x:1|q", "airflow.x:abc|c", "airflow.x:nan|g", "airflow.x:inf|c",
    "airflow.x:1e999|c", "airflow.x:1_000|c", "airflow.x: 1|c", "airflow.x:1|c|@0", "airflow.x:1|c|@1.5",
    "airflow.x:1|c|@-1", "airflow.x:1|c|junk", "airflow.x:-5|ms", "airflow.x:+5|ms", ":1|c", "9lives:1|c",
    "_x:1|c", "air flow:1|c", "airflow.ç:1|c", "airflow.x,tag:1|c", "airflow.x,k=v,k=w:1|c",
    "airflow.x,a.b=1,a_b=2:1|c", "airflow.x:1|c|#", "airflow.x,k=a\x01b:1|c", "a" * 251 + ":1|c",
    "airflow.x,k=" + "v" * 251 + ":1|c", "airflow.x:1|s", "airflow.x:1|h",
    "airflow.x" + "".join(f",k{i}=v" for i in range(17)) + ":1|c",
])
def test_malformed_lines_raise(line):
    with pytest.raises(MalformedLine):
        parse_line(line)


def test_malformed_lines_are_counted_and_the_rest_of_the_datagram_kept():
    b = StatsdBridge()
    b.ingest(b"airflow.ok:1|c\n\xff\xfe\x00binary\nairflow.x:abc|c\n\n  \nairflow.ok:1|c\r\n")
    found = scrape(b)
    assert value(found, "airflow_ok_total") == 2
    assert value(found, "alumusic_statsd_bridge_lines_total", resultado="malformada") == 2
    assert value(found, "alumusic_statsd_bridge_lines_total", resultado="aceita") == 2


def test_a_name_keeps_its_first_type_and_the_bridge_its_own_names():
    b = StatsdBridge()
    b.ingest(b"airflow.x:1|c\nairflow.x:5|g\nairflow.x_total:2|g\nairflow.y:10|ms\nairflow.y_seconds_count:1|g")
    b.ingest(b"alumusic.statsd_bridge.lines:1|c\nprocess.resident_memory_bytes:1|g")
    found = scrape(b)
    assert value(found, "airflow_x_total") == 1
    assert value(found, "airflow_y_seconds_count") == 1  # the histogram's, not the gauge
    assert value(found, "alumusic_statsd_bridge_lines_total", resultado="conflito") == 5
    assert value(found, "alumusic_statsd_bridge_lines_total", resultado="aceita") == 2


def test_counter_decrements_are_dropped_not_applied():
    b = StatsdBridge()
    b.ingest(b"airflow.dag_processing.processes:1|c\nairflow.dag_processing.processes:-1|c")
    assert value(scrape(b), "airflow_dag_processing_processes_total") == 1
    assert lines(b, "negativo") == 1


def test_the_name_cap_keeps_memory_bounded():
    b = StatsdBridge(max_names=50, max_series=1000)
    for i in range(0, 200, 20):
        b.ingest("\n".join(f"airflow.garbage_{j}:1|c" for j in range(i, i + 20)).encode())
    b.ingest(b"airflow.garbage_0:1|c")  # a kept name still counts
    found = scrape(b)
    assert value(found, "alumusic_statsd_bridge_metric_names") == 50
    assert sum(1 for (name, _) in found if name.startswith("airflow_garbage_")) == 50
    assert value(found, "airflow_garbage_0_total") == 2
    assert value(found, "alumusic_statsd_bridge_lines_total", resultado="limite") == 150


def test_the_series_cap_bounds_labels_too():
    b = StatsdBridge(max_names=100, max_series=30)
    b.ingest("\n".join(f"airflow.ti.finish,dag_id=d{i}:1|c" for i in range(100)).encode())
    b.ingest(b"airflow.other:1|g")  # a new name needs a series too
    found = scrape(b)
    assert value(found, "alumusic_statsd_bridge_series") == 30
    assert value(found, "alumusic_statsd_bridge_lines_total", resultado="limite") == 71
    assert value(found, "airflow_ti_finish_total", dag_id="d0") == 1


def test_the_default_cap():
    b = StatsdBridge()
    for i in range(0, 2 * MAX_NAMES, 500):
        b.ingest("\n".join(f"airflow.n{j}:1|g" for j in range(i, i + 500)).encode())
    found = scrape(b)
    assert value(found, "alumusic_statsd_bridge_metric_names") == MAX_NAMES
    assert value(found, "alumusic_statsd_bridge_lines_total", resultado="limite") == MAX_NAMES


def test_label_values_of_any_text_stay_a_valid_exposition():
    b = StatsdBridge()
    b.ingest('airflow.x,k=a"b\\c\u00e7\u65e5:1|c\nairflow.y:1|g|#k:v:w'.encode())
    found = scrape(b)
    assert value(found, "airflow_x_total", k='a"b\\c\u00e7\u65e5') == 1
    assert value(found, "airflow_y", k="v:w") == 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.binary(max_size=200),
    st.builds(lambda n, v, t, r, tags: f"{n}{tags}:{v}|{t}{r}".encode(),
              st.from_regex(r"[a-z][a-z0-9_.\-/]{0,20}", fullmatch=True),
              st.one_of(st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=True).map(repr),
                        st.sampled_from(["+1", "-1", ".5", "1e3", "x"])),
              st.sampled_from(["c", "g", "ms", "s", ""]),
              st.sampled_from(["", "|@0.5", "|@1", "|@0", "|#a:b"]),
              st.sampled_from(["", ",dag_id=d", ",le=1", ",__name__=x", ",k=", ",a=1,a=2"]))),
    max_size=30))
def test_any_datagram_leaves_a_scrape_prometheus_can_parse(datagrams):
    b = StatsdBridge(max_names=20, max_series=40)
    for d in datagrams:
        b.ingest(d)
    found = scrape(b)  # parses with prometheus_client's own parser
    counted = sum(value(found, "alumusic_statsd_bridge_lines_total", resultado=r) or 0
                  for r in ("aceita", "malformada", "limite", "conflito", "negativo"))
    assert counted == sum(1 for d in datagrams for line in d.split(b"\n") if line.strip())
    assert value(found, "alumusic_statsd_bridge_series") <= 40
    assert all(math.isfinite(v) or name.endswith("_bucket") for (name, _), v in found.items())
