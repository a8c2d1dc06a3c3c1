"""CloudWatch alarms, notifications and the dashboard.

The catalogue below lists, for each metric the alarms may use, the statistics CloudWatch publishes
for it and the dimension sets it is published under. It is written from AWS's documentation
(Application Load Balancer CloudWatch metrics; Container Insights EKS metrics; ACM metrics),
independently of components/alarms.py, so an alarm on a metric, statistic or dimension set that
does not exist fails here rather than sitting in INSUFFICIENT_DATA forever.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from components.alarms import AlarmSpec, AlarmTargets, alarm_specs
from components.kube import SYSTEM_NAMESPACE
from components.offline.runner import Plan, PlannedResource, run_plan
from components.settings import AlarmThresholds
from tests.conftest import IMAGE, PROJECT_DIR, WriteStack, of_type, planned, stack_config

PERCENTILE = re.compile(r"p\d{1,2}(\.\d{1,2})?")
LB, TG, AZ = "LoadBalancer", "TargetGroup", "AvailabilityZone"
ALB_REQUEST_DIMS = [{LB}, {TG, LB}, {AZ, LB}, {AZ, TG, LB}]
POD_DIMS = [
    {"PodName", "Namespace", "ClusterName"},
    {"Namespace", "ClusterName"},
    {"Service", "Namespace", "ClusterName"},
    {"ClusterName"},
]
NODE_DIMS = [{"ClusterName"}, {"NodeName", "ClusterName", "InstanceId"}]
GAUGE = {"Average", "Minimum", "Maximum"}
CATALOGUE: dict[tuple[str, str], tuple[set[str], list[set[str]]]] = {
    ("AWS/ApplicationELB", "HealthyHostCount"): (GAUGE, [{TG, LB}, {AZ, TG, LB}]),
    ("AWS/ApplicationELB", "UnHealthyHostCount"): (GAUGE, [{TG, LB}, {AZ, TG, LB}]),
    ("AWS/ApplicationELB", "RequestCount"): ({"Sum"}, ALB_REQUEST_DIMS),
    # Already an average per target; Sum is its only valid statistic (ALB user guide).
    ("AWS/ApplicationELB", "RequestCountPerTarget"): ({"Sum"}, [{TG}, {TG, LB}]),
    ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"): ({"Sum"}, ALB_REQUEST_DIMS),
    ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"): ({"Sum"}, [{LB}, {AZ, LB}]),
    ("AWS/ApplicationELB", "TargetResponseTime"): ({"Average", "percentile"}, ALB_REQUEST_DIMS),
    ("AWS/ApplicationELB", "RejectedConnectionCount"): ({"Sum"}, [{LB}, {AZ, LB}]),
    ("AWS/ApplicationELB", "TargetConnectionErrorCount"): ({"Sum"}, ALB_REQUEST_DIMS),
    ("AWS/CertificateManager", "DaysToExpiry"): (GAUGE, [{"CertificateArn"}]),
    ("ContainerInsights", "node_cpu_utilization"): (GAUGE, NODE_DIMS),
    ("ContainerInsights", "node_memory_utilization"): (GAUGE, NODE_DIMS),
    ("ContainerInsights", "node_filesystem_utilization"): (GAUGE, NODE_DIMS),
    ("ContainerInsights", "cluster_failed_node_count"): (GAUGE, [{"ClusterName"}]),
    # Restarts since the agent's previous scrape, a count per interval: only a Sum means anything.
    ("ContainerInsights", "pod_number_of_container_restarts"): ({"Sum"}, [{"PodName", "Namespace", "ClusterName"}]),
    ("ContainerInsights", "service_number_of_running_pods"): (
        GAUGE,
        [{"Service", "Namespace", "ClusterName"}, {"ClusterName"}],
    ),
    ("ContainerInsights", "pod_memory_utilization_over_pod_limit"): (GAUGE, POD_DIMS),
    ("ContainerInsights", "pod_cpu_utilization"): (GAUGE, POD_DIMS),
    ("ContainerInsights", "pod_memory_utilization"): (GAUGE, POD_DIMS),
}
TOP_LEVEL_METRIC_FIELDS = {"metricName", "namespace", "statistic", "extendedStatistic", "period", "dimensions", "unit"}


def alarms(plan: Plan) -> dict[str, PlannedResource]:
    return {
        r.name.removeprefix("runmcp-alarms-"): r
        for r in plan.resources
        if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"
    }


def metrics_of(alarm: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str]]]:
    """(namespace, metric, statistic, dimensions) of every metric an alarm reads."""
    if "metricQueries" in alarm:
        return [
            (q["metric"]["namespace"], q["metric"]["metricName"], q["metric"]["stat"], q["metric"]["dimensions"])
            for q in alarm["metricQueries"]
            if "metric" in q
        ]
    stat = alarm.get("statistic") or alarm["extendedStatistic"]
    return [(alarm["namespace"], alarm["metricName"], stat, alarm["dimensions"])]


def test_every_alarm_reads_a_metric_cloudwatch_publishes(repo_stack: str) -> None:
    found = alarms(planned(repo_stack))
    assert len(found) >= 15
    for key, alarm in found.items():
        for namespace, metric, stat, dimensions in metrics_of(alarm.inputs):
            assert (namespace, metric) in CATALOGUE, f"{key}: {namespace} {metric} is not a published metric"
            stats, dimension_sets = CATALOGUE[(namespace, metric)]
            kind = "percentile" if PERCENTILE.fullmatch(stat) else stat
            assert kind in stats, f"{key}: {metric} has no {stat} statistic worth alarming on"
            assert set(dimensions) in dimension_sets, f"{key}: {metric} is not published for {sorted(dimensions)}"


def test_metric_math_alarms_return_one_series_and_nothing_beside(repo_stack: str) -> None:
    math = [a for a in alarms(planned(repo_stack)).values() if "metricQueries" in a.inputs]
    assert math, "the 5xx rate is a metric-math alarm"
    for alarm in math:
        returned = [q for q in alarm.inputs["metricQueries"] if q.get("returnData")]
        assert len(returned) == 1
        assert "expression" in returned[0]
        assert not TOP_LEVEL_METRIC_FIELDS & set(alarm.inputs), alarm.name
        ids = {q["id"] for q in alarm.inputs["metricQueries"] if "metric" in q}
        assert set(re.findall(r"[a-z]\w*(?=\s*[,)])", returned[0]["expression"])) <= ids | {"0"}
        periods = {q["metric"]["period"] for q in alarm.inputs["metricQueries"] if "metric" in q}
        assert len(periods) == 1, "metric math needs one period"


def test_dimensions_are_wired_to_the_real_resources(repo_stack: str) -> None:
    plan = planned(repo_stack)
    outputs = plan.outputs
    expected = {
        "LoadBalancer": outputs["albArnSuffix"],
        "TargetGroup": outputs["targetGroupArnSuffix"],
        "ClusterName": outputs["clusterName"],
        "Service": outputs["serviceName"],
        "PodName": outputs["deploymentName"],
        "Namespace": outputs["namespace"],
    }
    certificates = of_type(plan, "aws:acm/certificate:Certificate")
    if certificates:
        expected["CertificateArn"] = certificates[0].resource_id
    lb = next(r for r in plan.resources if r.type == "aws:lb/loadBalancer:LoadBalancer")
    tg = next(r for r in plan.resources if r.type == "aws:lb/targetGroup:TargetGroup")
    cluster = next(r for r in plan.resources if r.type == "aws:eks/cluster:Cluster")
    for key, alarm in alarms(plan).items():
        for _, _, _, dimensions in metrics_of(alarm.inputs):
            for name, value in dimensions.items():
                assert value == expected[name], f"{key}: {name}"
        names = {n for m in metrics_of(alarm.inputs) for n in m[3]}
        # Taken from the resources' outputs, so the alarm depends on them (a literal would not).
        if "LoadBalancer" in names:
            assert lb.urn in alarm.dependencies, key
        if "TargetGroup" in names:
            assert tg.urn in alarm.dependencies, key
        if "ClusterName" in names:
            assert cluster.urn in alarm.dependencies, key


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(repo_stack: str) -> None:
    plan = planned(repo_stack)
    (topic,) = of_type(plan, "aws:sns/topic:Topic")
    for key, alarm in alarms(plan).items():
        assert alarm.inputs["alarmActions"] == [topic.resource_id], key
        assert alarm.inputs["okActions"] == [topic.resource_id], key
    assert plan.outputs["alarmTopicArn"] == topic.resource_id


def test_topic_is_encrypted_with_a_key_cloudwatch_may_use(repo_stack: str) -> None:
    plan = planned(repo_stack)
    (topic,) = of_type(plan, "aws:sns/topic:Topic")
    key = next(r for r in of_type(plan, "aws:kms/key:Key") if r.name == "runmcp-alarms-topic")
    assert topic.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:")
    assert key.urn in topic.dependencies
    assert key.inputs["enableKeyRotation"] is True
    statements = json.loads(key.inputs["policy"])["Statement"]
    cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch
    assert set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_subscriptions_come_from_the_stack_file(repo_stack: str) -> None:
    plan = planned(repo_stack)
    emails = stack_config(repo_stack)["alarms"]["emails"]
    subscriptions = [r.inputs for r in of_type(plan, "aws:sns/topicSubscription:TopicSubscription")]
    assert sorted(s["endpoint"] for s in subscriptions if s["protocol"] == "email") == sorted(emails)


def test_thresholds_come_from_the_stack_file_and_the_scaling_settings(repo_stack: str) -> None:
    plan = planned(repo_stack)
    found = alarms(plan)
    thresholds = stack_config(repo_stack)["alarms"]["thresholds"]
    scaling = stack_config(repo_stack)["scaling"]
    assert found["target-5xx-rate"].inputs["threshold"] == thresholds["serverErrorPercent"]
    assert found["latency-p95"].inputs["threshold"] == thresholds["latencyP95Seconds"]
    assert ("latency-p99" in found) is ("latencyP99Seconds" in thresholds)
    assert found["pods-below-minimum"].inputs["threshold"] == scaling["minReplicas"]
    assert found["pods-below-minimum"].inputs["comparisonOperator"] == "LessThanThreshold"
    assert found["capacity-exhausted"].inputs["threshold"] == scaling["maxReplicas"]
    assert found["capacity-exhausted"].inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    sustained = found["capacity-exhausted"].inputs
    assert sustained["evaluationPeriods"] * sustained["period"] == 15 * 60


def test_missing_data_is_judged_by_what_it_means(repo_stack: str) -> None:
    found = alarms(planned(repo_stack))
    assert found["no-healthy-targets"].inputs["treatMissingData"] == "breaching"
    assert found["no-healthy-targets"].inputs["statistic"] == "Minimum"
    assert found["pods-below-minimum"].inputs["treatMissingData"] == "breaching"
    for sparse in ("target-5xx-rate", "load-balancer-5xx", "rejected-connections", "target-connection-errors"):
        assert found[sparse].inputs["treatMissingData"] == "notBreaching", sparse
    unhealthy = found["unhealthy-targets"].inputs
    assert unhealthy["statistic"] == "Minimum"
    assert unhealthy["datapointsToAlarm"] > 1, "AWS: alarm on non-zero for more than one data point"
    assert found["latency-p95"].inputs["extendedStatistic"] == "p95"


def test_every_alarm_links_to_its_runbook_section(repo_stack: str) -> None:
    runbook = (PROJECT_DIR / "docs" / "runbooks.md").read_text()
    sections = set(re.findall(r"^## ([a-z0-9-]+)$", runbook, flags=re.MULTILINE))
    for key, alarm in alarms(planned(repo_stack)).items():
        description = alarm.inputs["alarmDescription"]
        assert description.endswith(f"Runbook: docs/runbooks.md#{key}"), key
        assert key in sections, f"docs/runbooks.md has no section for {key}"
        assert len(description) <= 1024


def test_dashboard_shows_the_same_resources_as_the_alarms(repo_stack: str) -> None:
    plan = planned(repo_stack)
    (dashboard,) = of_type(plan, "aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(dashboard.inputs["dashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    for wanted in (
        "Requests per minute",
        "5xx rate (%)",
        "Latency to first byte (s)",
        "Targets",
        "Running gateway pods",
        "Gateway pod CPU and memory (% of node)",
        "Node utilisation (%, busiest node)",
        "Alarms",
    ):
        assert wanted in titles
    text = json.dumps(body)
    for output in ("albArnSuffix", "targetGroupArnSuffix", "clusterName", "serviceName"):
        assert plan.outputs[output] in text
    latency = next(w for w in body["widgets"] if w["properties"]["title"].startswith("Latency"))
    assert [line[-1]["stat"] for line in latency["properties"]["metrics"]] == ["p50", "p95", "p99"]
    pods = next(w for w in body["widgets"] if w["properties"]["title"] == "Running gateway pods")
    lines = {a["label"]: a["value"] for a in pods["properties"]["annotations"]["horizontal"]}
    assert lines == {
        "minReplicas": stack_config(repo_stack)["scaling"]["minReplicas"],
        "maxReplicas": stack_config(repo_stack)["scaling"]["maxReplicas"],
    }
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(_arn(a) for a in alarms(plan).values())
    assert all(w["x"] >= 0 and w["x"] + w["width"] <= 24 for w in body["widgets"])


def _arn(alarm: PlannedResource) -> str:
    return f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{alarm.resource_id}"


def test_existing_topics_receive_every_notification(write_stack: WriteStack) -> None:
    extra = "arn:aws:sns:us-east-1:123456789012:platform-pager"
    plan = run_plan(
        PROJECT_DIR, "bad", write_stack({"gateway": {"image": IMAGE}, "alarms": {"existingTopicArns": [extra]}})
    )
    for alarm in alarms(plan).values():
        assert extra in alarm.inputs["alarmActions"]
        assert extra in alarm.inputs["okActions"]


def test_cluster_alarms_on_an_existing_cluster_use_the_named_cluster(write_stack: WriteStack) -> None:
    config = {
        "gateway": {"image": IMAGE},
        "cluster": {"existing": {"name": "platform"}},
        "loadBalancer": {"kind": "none"},
        "alarms": {"emails": ["ops@example.com"]},
    }
    found = alarms(run_plan(PROJECT_DIR, "bad", write_stack(config)))
    assert "pods-below-minimum" in found
    assert "no-healthy-targets" not in found
    assert found["node-cpu"].inputs["dimensions"] == {"ClusterName": "platform"}


def test_no_alarms_when_disabled() -> None:
    plan = planned("existing")
    assert alarms(plan) == {}
    assert of_type(plan, "aws:sns/topic:Topic") == []


def test_runbook_commands_name_the_controllers_as_deployed() -> None:
    """The runbooks tell operators `kubectl logs deploy/<name>`: the names must be the real ones."""
    runbook = (PROJECT_DIR / "docs" / "runbooks.md").read_text()
    releases = {r.inputs["chart"]: r.inputs for r in of_type(planned("prod"), "kubernetes:helm.sh/v3:Release")}
    autoscaler = releases["cluster-autoscaler"]["values"]["fullnameOverride"]
    controller = releases["aws-load-balancer-controller"]["name"]  # the chart names its Deployment after the release
    for release in releases.values():
        assert release["namespace"] == SYSTEM_NAMESPACE
    for name in (autoscaler, controller):
        assert f"-n {SYSTEM_NAMESPACE} logs deploy/{name}`" in runbook


# --- The restart alarm against what the agent really publishes --------------------------------

SCRAPE = 60
"""The CloudWatch agent's Container Insights collection interval (metrics_collection_interval, 60 s)."""


def restart_times(first_crash: int, run_seconds: int, crashes: int, horizon: int) -> list[int]:
    """When kubelet restarts a container that crashes ``run_seconds`` after each start: after a
    back-off of 10 s, doubled each time up to 300 s (Kubernetes docs, Pod lifecycle, "Container
    restarts"); ``crashes`` bounds how many times it crashes before it stays up."""
    times, now, backoff = [], first_crash, 10
    while len(times) < crashes and now + backoff <= horizon:
        now += backoff
        times.append(now)
        now += run_seconds
        backoff = min(backoff * 2, 300)
    return times


def published(restarts: list[int], horizon: int) -> list[tuple[int, int]]:
    """What the agent publishes each scrape: the restarts since its previous scrape (a delta; the
    first scrape of a pod has no previous count and publishes nothing: awscontainerinsightreceiver
    podstore.go)."""
    return [(t, sum(1 for r in restarts if t - SCRAPE < r <= t)) for t in range(2 * SCRAPE, horizon + 1, SCRAPE)]


def in_alarm(spec: AlarmSpec, series: list[tuple[int, int]], at: int) -> bool:
    """The alarm's state at ``at``: the statistic over the last period (CloudWatch evaluates every
    minute over the most recent period), compared with the threshold; no data is not breaching."""
    assert spec.metric is not None
    window = [v for t, v in series if at - spec.metric.period < t <= at]
    if not window:
        return False
    value = {"Sum": sum, "Maximum": max}[spec.metric.stat](window)
    compare = {
        "GreaterThanThreshold": value > spec.threshold,
        "GreaterThanOrEqualToThreshold": value >= spec.threshold,
    }
    return compare[spec.comparison]


def _restart_alarm() -> AlarmSpec:
    targets = AlarmTargets(None, None, None, "c", "ns", "gw", 2, 10, True)
    (spec,) = [a for a in alarm_specs(AlarmThresholds(), targets) if a.key == "container-restarts"]
    return spec


@pytest.mark.parametrize("run_seconds", [5, 60], ids=["crashes-at-start", "killed-by-liveness-probe"])
def test_restart_alarm_fires_within_minutes_of_a_crash_loop_and_stays_in_alarm(run_seconds: int) -> None:
    horizon = 3 * 3600
    series = published(restart_times(600, run_seconds, 10_000, horizon), horizon)
    spec = _restart_alarm()
    fired = [t for t, _ in series if in_alarm(spec, series, t)]
    assert fired, "a crash-looping pod never set the alarm off"
    assert fired[0] - 600 <= 6 * 60, f"first alarm {fired[0] - 600} s after the loop began"
    # Once the back-off has reached 300 s, every evaluation still sees the loop.
    assert all(in_alarm(spec, series, t) for t, _ in series if t >= fired[0])


def test_restart_alarm_ignores_a_single_oom_kill_and_rare_restarts() -> None:
    horizon = 4 * 3600
    spec = _restart_alarm()
    once = published([1800], horizon)
    assert not any(in_alarm(spec, once, t) for t, _ in once)
    every_quarter_hour = published(list(range(900, horizon, 900)), horizon)
    assert not any(in_alarm(spec, every_quarter_hour, t) for t, _ in every_quarter_hour)


def test_the_former_restart_alarm_would_have_missed_the_crash_loop() -> None:
    """Maximum over 5 minutes of a per-scrape delta stays at 0 or 1: the old alarm never fired."""
    horizon = 3 * 3600
    series = published(restart_times(600, 5, 10_000, horizon), horizon)
    former = dataclasses.replace(
        _restart_alarm(),
        comparison="GreaterThanThreshold",
        metric=dataclasses.replace(_restart_alarm().metric, stat="Maximum", period=300),  # type: ignore[arg-type]
    )
    assert not any(in_alarm(former, series, t) for t, _ in series)
