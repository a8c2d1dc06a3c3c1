"""CloudWatch alarms, their notifications and a dashboard, per environment.

Alarms are declared as data (:class:`AlarmSpec`): which metric or metric-math expression, how it is
judged, and what it means. One loop turns them into ``aws.cloudwatch.MetricAlarm`` resources, every
one sending alarm and OK notifications to the stack's encrypted SNS topic and linking to its runbook
section in ``docs/runbooks.md``. Dimensions come from the real resources' outputs: the load
balancer's and target group's ARN suffixes, the cluster's name, the Service's name.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .block_args import ArgsCheck
from .iam import AwsAccount, policy_document
from .labels import aws_tags
from .names import DASHBOARD_NAME, PLATFORM_NAME_LIMIT, component_name_problem, problem
from .outputs import OrOutput, entry_name_part
from .sections import AlarmSection, ScalingSection
from .settings import (
    AlarmSettings,
    AlarmThresholds,
    Problem,
    ScalingSettings,
    gateway_alarm_problems,
    https_name_part,
    name_slug,
)

ALB = "AWS/ApplicationELB"
CONTAINER_INSIGHTS = "ContainerInsights"
ACM = "AWS/CertificateManager"
MINUTE, DAY = 60, 86400
RESTART_WINDOW = 30 * MINUTE
"""Restarts are summed over this window. pod_number_of_container_restarts is the increase of the
pod's restart count since the agent's previous scrape (opentelemetry-collector-contrib
receiver/awscontainerinsightreceiver internal/stores/podstore.go: current minus previous count),
and kubelet restarts a crash-looping container after a back-off of 10 s doubling to 300 s
(Kubernetes docs, Pod lifecycle: container restarts). At that pace a pod restarts about 5 times in
30 minutes, and the first 4 restarts of a new crash loop come within about 3 minutes."""
REQUESTS_BEHIND_FACTOR = 1.5
"""Requests per target this many times scaling.requestsPerReplica: well above what the HPA aims at (it
acts beyond its 10 % tolerance), so a sustained excess is scaling not keeping up, not noise."""
RATE_EXPRESSION = "100 * FILL(errors, 0) / FILL(requests, 1)"
"""Gateway 5xx in percent of requests. 5xx counts are sparse (nothing is reported in a minute
without errors), so they are filled with 0; the filled denominator guards the division."""


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    stat: str
    """Sum, Average, Minimum, Maximum, SampleCount, or a percentile such as p95."""
    period: int = MINUTE


@dataclass(frozen=True)
class AlarmSpec:
    key: str
    """Short name: the alarm's logical name and its runbook section's anchor."""
    title: str
    meaning: str
    """What it means when it fires, in one sentence (the start of the alarm description)."""
    comparison: str
    threshold: float
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    metric: Metric | None = None
    expression: str | None = None
    """Metric math over ``inputs`` (by id); the one query that returns data."""
    inputs: Mapping[str, Metric] = field(default_factory=dict)

    @property
    def period(self) -> int:
        return self.metric.period if self.metric is not None else next(iter(self.inputs.values())).period


@dataclass(frozen=True)
class AlarmTargets:
    """The monitored resources, as their outputs name them."""

    load_balancer: pulumi.Input[str] | None
    """The ALB's ARN suffix (app/<name>/<id>), the LoadBalancer dimension."""
    target_group: pulumi.Input[str] | None
    """The target group's ARN suffix (targetgroup/<name>/<id>), the TargetGroup dimension."""
    certificate_arn: pulumi.Input[str] | None
    """An ACM certificate this stack made (its renewal is what can fail unseen)."""
    cluster_name: pulumi.Input[str] | None
    namespace: pulumi.Input[str]
    service: pulumi.Input[str]
    min_replicas: int
    max_replicas: int
    pod_has_memory_limit: bool
    requests_per_replica: int | None = None
    """scaling.requestsPerReplica: the gateway scales on requests per target (KEDA)."""
    requests_behind_seconds: int | None = None
    """How long request-driven scaling should take at worst (components/timeline.py,
    requests_behind_seconds): the requests-per-target alarm's window."""

    # The dimension sets CloudWatch publishes these metrics under, each defined once for the alarms
    # and the dashboard.
    @property
    def watches_load_balancer(self) -> bool:
        return self.load_balancer is not None and self.target_group is not None

    @property
    def load_balancer_dims(self) -> dict[str, pulumi.Input[str]]:
        assert self.load_balancer is not None
        return {"LoadBalancer": self.load_balancer}

    @property
    def target_group_dims(self) -> dict[str, pulumi.Input[str]]:
        assert self.target_group is not None
        return {"TargetGroup": self.target_group, **self.load_balancer_dims}

    @property
    def cluster_dims(self) -> dict[str, pulumi.Input[str]]:
        assert self.cluster_name is not None
        return {"ClusterName": self.cluster_name}

    @property
    def service_dims(self) -> dict[str, pulumi.Input[str]]:
        return {"Service": self.service, "Namespace": self.namespace, **self.cluster_dims}

    @property
    def workload_dims(self) -> dict[str, pulumi.Input[str]]:
        """PodName is the workload's name (Container Insights strips the ReplicaSet's hash): the
        Service and the Deployment share the gateway's name."""
        return {"PodName": self.service, "Namespace": self.namespace, **self.cluster_dims}


AVAILABILITY_ALARMS = ("no-healthy-targets", "target-5xx-rate")
"""The alarms that say users are failed (no target to serve, or too many 5xx): they stop every drill
(components/drills.py) and judge zonal autoshift's practice runs (components/zonal_autoshift.py)."""


def alarm_specs(t: AlarmThresholds, targets: AlarmTargets) -> list[AlarmSpec]:
    """Every alarm one gateway gets, from its thresholds and the resources that exist (the nodes'
    alarms are the cluster's: :func:`node_alarm_specs`)."""
    specs: list[AlarmSpec] = []
    if targets.watches_load_balancer:
        specs += _load_balancer_alarms(t, targets)
    if targets.certificate_arn is not None:
        specs.append(
            AlarmSpec(
                "certificate-expiry",
                "Certificate about to expire",
                "The ACM certificate of the HTTPS listener has not renewed and expires soon.",
                "LessThanOrEqualToThreshold",
                t.certificate_days_to_expiry,
                1,
                1,
                "missing",
                metric=Metric(ACM, "DaysToExpiry", {"CertificateArn": targets.certificate_arn}, "Minimum", DAY),
            )
        )
    if targets.cluster_name is not None:
        specs += _workload_alarms(t, targets)
    return specs


def _load_balancer_alarms(t: AlarmThresholds, targets: AlarmTargets) -> list[AlarmSpec]:
    both, only_lb = targets.target_group_dims, targets.load_balancer_dims
    rate = f"IF(FILL(requests, 0) >= {t.min_requests_for_rate}, {RATE_EXPRESSION}, 0)"
    specs = [
        AlarmSpec(
            "no-healthy-targets",
            "No healthy gateway pod behind the load balancer",
            "The load balancer has no healthy target: every request fails with 503.",
            "LessThanThreshold",
            1,
            2,
            2,
            # No data means no healthy host is reported at all: as bad as zero.
            "breaching",
            metric=Metric(ALB, "HealthyHostCount", both, "Minimum"),
        ),
        AlarmSpec(
            "unhealthy-targets",
            "Gateway pods failing the load balancer's health check",
            "At least one registered gateway pod fails the target group's health check.",
            "GreaterThanThreshold",
            0,
            3,
            2,
            "notBreaching",
            metric=Metric(ALB, "UnHealthyHostCount", both, "Minimum"),
        ),
        AlarmSpec(
            "target-5xx-rate",
            "Gateway 5xx rate high",
            f"More than {t.server_error_percent:g} % of requests get a 5xx from the gateway pods.",
            "GreaterThanThreshold",
            t.server_error_percent,
            5,
            3,
            "notBreaching",
            expression=rate,
            inputs={
                "errors": Metric(ALB, "HTTPCode_Target_5XX_Count", both, "Sum"),
                "requests": Metric(ALB, "RequestCount", both, "Sum"),
            },
        ),
        AlarmSpec(
            "load-balancer-5xx",
            "Load balancer 5xx",
            "The load balancer itself answers 5xx: no target to route to, connection failures or timeouts.",
            "GreaterThanThreshold",
            t.load_balancer_errors_per_minute,
            5,
            3,
            "notBreaching",
            metric=Metric(ALB, "HTTPCode_ELB_5XX_Count", only_lb, "Sum"),
        ),
        AlarmSpec(
            "latency-p95",
            "Gateway latency high (p95)",
            f"The slowest 5 % of requests wait more than {t.latency_p95_seconds:g} s for the first byte "
            "(for streams: for the response headers, not the stream's length).",
            "GreaterThanThreshold",
            t.latency_p95_seconds,
            5,
            5,
            "notBreaching",
            metric=Metric(ALB, "TargetResponseTime", both, "p95"),
        ),
        AlarmSpec(
            "rejected-connections",
            "Load balancer rejecting connections",
            "The load balancer refused connections because it reached its connection limit.",
            "GreaterThanThreshold",
            0,
            3,
            3,
            "notBreaching",
            metric=Metric(ALB, "RejectedConnectionCount", only_lb, "Sum"),
        ),
        AlarmSpec(
            "target-connection-errors",
            "Load balancer cannot connect to gateway pods",
            "Connections from the load balancer to gateway pods fail (security groups, pods gone, port).",
            "GreaterThanThreshold",
            0,
            5,
            3,
            "notBreaching",
            metric=Metric(ALB, "TargetConnectionErrorCount", both, "Sum"),
        ),
    ]
    specs += _requests_behind_alarms(targets)
    if t.latency_p99_seconds is not None:
        specs.append(
            AlarmSpec(
                "latency-p99",
                "Gateway latency high (p99)",
                f"The slowest 1 % of requests wait more than {t.latency_p99_seconds:g} s for the first byte.",
                "GreaterThanThreshold",
                t.latency_p99_seconds,
                5,
                5,
                "notBreaching",
                metric=Metric(ALB, "TargetResponseTime", both, "p99"),
            )
        )
    return specs


def requests_behind_minutes(seconds: int) -> int:
    """The alarm's window: the whole minutes that hold the longest request-driven scale-out, plus the
    minute it takes to show in the metric."""
    return -(-seconds // MINUTE) + 1


def _requests_behind_alarms(targets: AlarmTargets) -> list[AlarmSpec]:
    """Requests per target well above requestsPerReplica for longer than scaling should take: KEDA
    is failing (CloudWatch unreadable, operator down) or maxReplicas is reached. Stacks without
    request scaling get none (capacity-exhausted covers their ceiling)."""
    if targets.requests_per_replica is None or targets.requests_behind_seconds is None:
        return []
    minutes = requests_behind_minutes(targets.requests_behind_seconds)
    threshold = REQUESTS_BEHIND_FACTOR * targets.requests_per_replica
    return [
        AlarmSpec(
            "requests-per-target-high",
            "Gateway scaling not keeping up with requests",
            f"Each gateway pod has served more than {threshold:g} requests a minute ({REQUESTS_BEHIND_FACTOR:g} x "
            f"requestsPerReplica) for {minutes} minutes, longer than scaling out should take: KEDA is failing "
            "or maxReplicas is reached.",
            "GreaterThanThreshold",
            threshold,
            minutes,
            minutes,
            # No requests: nothing to keep up with.
            "notBreaching",
            metric=Metric(
                ALB, "RequestCountPerTarget", {"TargetGroup": targets.target_group_dims["TargetGroup"]}, "Sum"
            ),
        )
    ]


def node_alarm_specs(t: AlarmThresholds, cluster_name: pulumi.Input[str]) -> list[AlarmSpec]:
    """The alarms on the cluster's nodes: one set per cluster, however many gateways it runs."""
    cluster: dict[str, pulumi.Input[str]] = {"ClusterName": cluster_name}

    def node(key: str, what: str, metric: str, threshold: int) -> AlarmSpec:
        return AlarmSpec(
            f"node-{key}",
            f"Node {what} high",
            f"The busiest node uses more than {threshold} % of its {what}.",
            "GreaterThanThreshold",
            threshold,
            5,
            5,
            "notBreaching",
            metric=Metric(CONTAINER_INSIGHTS, metric, cluster, "Maximum"),
        )

    return [
        node("cpu", "CPU", "node_cpu_utilization", t.node_cpu_percent),
        node("memory", "memory", "node_memory_utilization", t.node_memory_percent),
        node("filesystem", "filesystem", "node_filesystem_utilization", t.node_filesystem_percent),
        AlarmSpec(
            "failed-nodes",
            "Nodes failing",
            "At least one node reports a failing condition (memory, disk or PID pressure, not ready).",
            "GreaterThanThreshold",
            0,
            2,
            2,
            "notBreaching",
            metric=Metric(CONTAINER_INSIGHTS, "cluster_failed_node_count", cluster, "Maximum", 300),
        ),
    ]


def _workload_alarms(t: AlarmThresholds, targets: AlarmTargets) -> list[AlarmSpec]:
    service, pods = targets.service_dims, targets.workload_dims
    sustained = t.capacity_exhausted_minutes // 5
    specs = [
        AlarmSpec(
            "container-restarts",
            "Gateway containers restarting",
            f"A gateway pod's containers restarted more than {t.container_restarts} times in "
            f"{RESTART_WINDOW // MINUTE} minutes (crash loop or OOM kill).",
            "GreaterThanThreshold",
            t.container_restarts,
            1,
            1,
            "notBreaching",
            # The agent publishes the restarts since its previous scrape (a delta per ~60 s), not a
            # running total, so restarts are summed over a window: a crash loop backs off to one
            # restart every 300 s, and the window must hold more than the threshold of those.
            metric=Metric(CONTAINER_INSIGHTS, "pod_number_of_container_restarts", pods, "Sum", RESTART_WINDOW),
        ),
        AlarmSpec(
            "pods-below-minimum",
            "Fewer gateway pods running than minReplicas",
            f"Fewer than {targets.min_replicas} gateway pods are running: capacity and redundancy are below plan.",
            "LessThanThreshold",
            targets.min_replicas,
            3,
            3,
            # No report at all means no pod runs.
            "breaching",
            metric=Metric(CONTAINER_INSIGHTS, "service_number_of_running_pods", service, "Minimum"),
        ),
        AlarmSpec(
            "capacity-exhausted",
            "Gateway at maxReplicas",
            f"{targets.max_replicas} gateway pods (maxReplicas) have run for {t.capacity_exhausted_minutes} "
            "minutes: the HPA can add no more, and users are about to feel it.",
            "GreaterThanOrEqualToThreshold",
            targets.max_replicas,
            sustained,
            sustained,
            "notBreaching",
            metric=Metric(CONTAINER_INSIGHTS, "service_number_of_running_pods", service, "Minimum", 300),
        ),
    ]
    if targets.pod_has_memory_limit:
        specs.append(
            AlarmSpec(
                "pod-memory-near-limit",
                "Gateway pod memory near its limit",
                f"A gateway pod uses more than {t.pod_memory_over_limit_percent} % of its memory limit; "
                "at 100 % it is OOM-killed.",
                "GreaterThanThreshold",
                t.pod_memory_over_limit_percent,
                5,
                5,
                "notBreaching",
                metric=Metric(CONTAINER_INSIGHTS, "pod_memory_utilization_over_pod_limit", service, "Maximum"),
            )
        )
    return specs


def _actions(
    first: pulumi.Input[Sequence[pulumi.Input[str]]], existing: OrOutput[Sequence[OrOutput[str]]]
) -> pulumi.Input[Sequence[pulumi.Input[str]]]:
    """Where every alarm and OK notification goes: ``first`` (the cluster's topic), then the existing
    topics (given one by one, or either as one Output of a list)."""
    if isinstance(first, Sequence) and not isinstance(existing, pulumi.Output):
        return [*first, *existing]
    return pulumi.Output.all(pulumi.Output.from_input(first), pulumi.Output.from_input(existing)).apply(
        lambda both: [*both[0], *both[1]]
    )


def runbook_link(base: str, key: str) -> str:
    return f"{base}#{key}"


def description(spec: AlarmSpec, runbook_url: str) -> str:
    return f"{spec.meaning} Runbook: {runbook_link(runbook_url, spec.key)}"


def _metric_args(metric: Metric) -> aws.cloudwatch.MetricAlarmMetricQueryMetricArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
        namespace=metric.namespace,
        metric_name=metric.name,
        dimensions=dict(metric.dimensions),
        period=metric.period,
        stat=metric.stat,
    )


class ClusterAlarms(pulumi.ComponentResource):
    """What a cluster's alarms share: the encrypted SNS topic every alarm of the cluster and of its
    gateways notifies, its subscribers, and the alarms on the nodes (one set per cluster)."""

    topic: aws.sns.Topic
    actions: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Where every alarm of this cluster, and of each gateway on it, sends alarm and OK notifications."""
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self,
        name: str,
        settings: AlarmSettings | Mapping[str, Any],
        *,
        cluster_name: pulumi.Input[str] | None,
        tags: Mapping[str, str],
        account: AwsAccount,
        moved_from: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check = ArgsCheck("runmcp:index:ClusterAlarms", name)
        settings = check.settings(AlarmSettings, settings)
        if not settings.enabled:
            check.switched_off("enabled", "is false: there are no alarms to make")
        check.done()
        super().__init__("runmcp:index:ClusterAlarms", name, None, opts)
        tags = dict(tags)
        # Made under GatewayAlarms before the cluster and its gateways were apart: the same
        # resources, moved (pulumi/pulumi: an alias with the old parent's URN).
        aliases = [pulumi.Alias(parent=moved_from)] if moved_from is not None else None
        child = pulumi.ResourceOptions(parent=self, aliases=aliases)
        key = aws.kms.Key(
            f"{name}-topic",
            description="Encrypts the RunMCP gateway's alarm notifications",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=_topic_key_policy(account.partition, account.account_id),
            tags=tags,
            opts=child,
        )
        self.topic = aws.sns.Topic(f"{name}-topic", kms_master_key_id=key.arn, tags=tags, opts=child)
        subscriptions = [
            ("email", address, entry_name_part(address, index, name_slug))
            for index, address in enumerate(settings.emails)
        ]
        subscriptions += [
            ("https", url, entry_name_part(url, index, https_name_part))
            for index, url in enumerate(settings.https_endpoints)
        ]
        for protocol, endpoint, label in subscriptions:
            aws.sns.TopicSubscription(
                f"{name}-{protocol}-{label}",
                topic=self.topic.arn,
                protocol=protocol,
                endpoint=endpoint,
                opts=pulumi.ResourceOptions(parent=self.topic),
            )
        self.actions = _actions([self.topic.arn], settings.existing_topic_arns)
        specs = node_alarm_specs(settings.thresholds, cluster_name) if cluster_name is not None else []
        self.alarms = {
            spec.key: metric_alarm(name, spec, settings.runbook_url, self.actions, tags, child) for spec in specs
        }
        self.register_outputs({"topicArn": self.topic.arn})


GATEWAY_ALARMS = "runmcp:index:GatewayAlarms"


class GatewayAlarmsArgs(TypedDict, total=False):
    """One gateway's alarms: their settings, and the resources they watch as those resources'
    outputs name them. Alarms are made for what is given: the load balancer's (both ARN suffixes),
    the certificate's (its ARN), the pods' (the cluster's name, with Container Insights on)."""

    alarms: AlarmSection
    """enabled (false is refused: leave the component out), thresholds, runbookUrl and
    existingTopicArns; emails and httpsEndpoints are the cluster's (GatewayCluster's alarms)."""
    scaling: ScalingSection
    """The gateway's minReplicas and maxReplicas, as its autoscaler has them: the pods-below-minimum
    and capacity-exhausted alarms and the dashboard's lines compare against them."""
    alarm_actions: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Where every alarm and OK notification goes, before alarms.existingTopicArns: a
    GatewayCluster handle's alarmActions (its topic)."""
    cluster_alarm_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Alarms shown beside this gateway's on its dashboard: a handle's nodeAlarmArns."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """The ALB's ARN suffix (GatewayLoadBalancer's arnSuffix): the load balancer's alarms."""
    target_group_arn_suffix: pulumi.Input[str]
    """The target group's ARN suffix (GatewayLoadBalancer's targetGroupArnSuffix), with loadBalancerArnSuffix."""
    certificate_arn: pulumi.Input[str]
    """An ACM certificate this stack made (GatewayLoadBalancer's certificateArn with
    loadBalancer.domain): an alarm before it expires. Leave it out when there is none."""
    cluster_name: pulumi.Input[str]
    """The EKS cluster's name (a handle's clusterName): the pods' alarms (Container Insights)."""
    namespace: Required[pulumi.Input[str]]
    """The gateway's namespace (ScaledGatewayWorkload's namespace)."""
    service_name: Required[pulumi.Input[str]]
    """The gateway's Service, which shares its name with the Deployment (ScaledGatewayWorkload's serviceName)."""
    requests_behind_seconds: int
    """With scaling.requestsPerReplica: how long request-driven scaling may take at worst (the plan's
    timeline; Gateway gives it), the requests-per-target-high alarm's window. Required then."""
    dashboard_name: str
    """The CloudWatch dashboard's name; default: <component name>-<instance>."""
    instance: str
    """Names this installation (tags, the default dashboard name); default: the stack name."""


class GatewayAlarms(pulumi.ComponentResource):
    """One RunMCP gateway's CloudWatch alarms and dashboard: the load balancer's (healthy targets,
    5xx rate, latency, rejected connections), the certificate's expiry, and the pods' (restarts,
    fewer than minReplicas, at maxReplicas, memory near the limit), each linked to its runbook
    section and notifying alarmActions and alarms.existingTopicArns when it fires and clears."""

    dashboard_name: pulumi.Output[str]
    """The dashboard's name."""
    alarm_arns: pulumi.Output[dict[str, str]]
    """Each alarm's ARN by its key (no-healthy-targets, target-5xx-rate, latency-p95, ...)."""
    if TYPE_CHECKING:  # Python only (the analyzer reads the class's annotations as outputs)
        alarms: dict[str, aws.cloudwatch.MetricAlarm]
        dashboard: aws.cloudwatch.Dashboard

    def __init__(
        self,
        name: str,
        args: GatewayAlarmsArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        account: AwsAccount | None = None,
    ) -> None:
        """``account``: the AWS account a caller asked already (Python only; default: asked here)."""
        check = ArgsCheck(GATEWAY_ALARMS, name)
        instance = args.get("instance") or pulumi.get_stack()
        instance_problem = component_name_problem(instance, PLATFORM_NAME_LIMIT)
        check.add([Problem("instance", instance_problem)] if instance_problem is not None else [])
        dashboard_name = args.get("dashboard_name") or f"{name}-{instance}"
        dashboard = problem(DASHBOARD_NAME, dashboard_name)
        check.add([Problem("dashboardName", dashboard)] if dashboard is not None else [])
        check.add([Problem(key, "is required") for key in ("namespace", "service_name") if args.get(key) is None])
        lb, group = args.get("load_balancer_arn_suffix"), args.get("target_group_arn_suffix")
        if (lb is None) != (group is None):
            check.add(
                [Problem("targetGroupArnSuffix", "and loadBalancerArnSuffix go together (the load balancer's alarms)")]
            )
        if lb is None and args.get("certificate_arn") is None and args.get("cluster_name") is None:
            check.add(
                [
                    Problem(
                        "clusterName",
                        "nothing to watch: give clusterName (the pods), or loadBalancerArnSuffix and "
                        "targetGroupArnSuffix (the load balancer)",
                    )
                ]
            )
        scaling = check.settings(ScalingSettings, args.get("scaling", {}), "scaling")
        behind = args.get("requests_behind_seconds")
        if scaling.requests_per_replica is not None and behind is None:
            check.add(
                [
                    Problem(
                        "requestsBehindSeconds",
                        "is required with scaling.requestsPerReplica: the requests-per-target-high alarm's "
                        "window (the plan's timeline gives how long request-driven scaling takes)",
                    )
                ]
            )
        if scaling.requests_per_replica is not None and lb is None:
            check.add(
                [Problem("targetGroupArnSuffix", "is required with scaling.requestsPerReplica (requests per target)")]
            )
        settings = check.settings(AlarmSettings, args.get("alarms", {}), "alarms")
        check.add(gateway_alarm_problems(settings), "alarms")
        if not settings.enabled:
            check.switched_off("alarms.enabled", "is false: there are no alarms to make")
        check.done()
        super().__init__(GATEWAY_ALARMS, name, None, opts)
        account = account if account is not None else AwsAccount(parent=self)
        targets = AlarmTargets(
            load_balancer=lb,
            target_group=group,
            certificate_arn=args.get("certificate_arn"),
            cluster_name=args.get("cluster_name"),
            namespace=args["namespace"],
            service=args["service_name"],
            min_replicas=scaling.min_replicas,
            max_replicas=scaling.max_replicas,
            # The workload always sets a memory limit (gateway.resources.limits.memory).
            pod_has_memory_limit=True,
            requests_per_replica=scaling.requests_per_replica,
            requests_behind_seconds=behind,
        )
        tags = aws_tags(instance)
        child = pulumi.ResourceOptions(parent=self)
        actions = _actions(args.get("alarm_actions", []), settings.existing_topic_arns)
        self.alarms = {
            spec.key: metric_alarm(name, spec, settings.runbook_url, actions, tags, child)
            for spec in alarm_specs(settings.thresholds, targets)
        }
        own = [a.arn for a in self.alarms.values()]
        cluster_alarm_arns = args.get("cluster_alarm_arns", [])
        arns: pulumi.Input[Sequence[pulumi.Input[str]]] = (
            [*own, *cluster_alarm_arns]
            if isinstance(cluster_alarm_arns, Sequence)
            else pulumi.Output.all(pulumi.Output.all(*own), cluster_alarm_arns).apply(lambda both: [*both[0], *both[1]])
        )
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=dashboard_name,
            dashboard_body=pulumi.Output.from_input(dashboard_body(targets, account.region, arns)).apply(
                lambda body: json.dumps(body)
            ),
            opts=child,
        )
        self.dashboard_name = self.dashboard.dashboard_name
        arn_of = {key: a.arn for key, a in self.alarms.items()}
        self.alarm_arns = pulumi.Output.all(**arn_of) if arn_of else pulumi.Output.from_input({})
        self.register_outputs({"dashboardName": self.dashboard_name, "alarmArns": self.alarm_arns})


def metric_alarm(
    name: str,
    spec: AlarmSpec,
    runbook_url: str,
    actions: pulumi.Input[Sequence[pulumi.Input[str]]],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    """One alarm from its spec, notifying ``actions`` when it fires and when it clears."""
    common: dict[str, Any] = {
        "alarm_description": description(spec, runbook_url),
        "comparison_operator": spec.comparison,
        "threshold": spec.threshold,
        "evaluation_periods": spec.evaluation_periods,
        "datapoints_to_alarm": spec.datapoints_to_alarm,
        "treat_missing_data": spec.treat_missing_data,
        "alarm_actions": actions,
        "ok_actions": actions,
        "tags": tags,
        "opts": opts,
    }
    if spec.metric is not None:
        metric = spec.metric
        percentile = metric.stat.startswith("p")
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.key}",
            namespace=metric.namespace,
            metric_name=metric.name,
            dimensions=dict(metric.dimensions),
            period=metric.period,
            statistic=None if percentile else metric.stat,
            extended_statistic=metric.stat if percentile else None,
            **common,
        )
    assert spec.expression is not None
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(id=query_id, metric=_metric_args(metric), return_data=False)
        for query_id, metric in spec.inputs.items()
    ]
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="result", expression=spec.expression, label=spec.title, return_data=True
        )
    )
    return aws.cloudwatch.MetricAlarm(f"{name}-{spec.key}", metric_queries=queries, **common)


def _topic_key_policy(partition: str, account_id: str) -> str:
    # CloudWatch must be able to use the key to publish to the encrypted topic; the AWS-managed SNS
    # key does not allow it.
    return policy_document(
        [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchPublishes",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ]
    )


# --- Dashboard -----------------------------------------------------------------------------------


def _line(metric: Metric, **options: Any) -> list[Any]:
    dims: list[Any] = []
    for key, value in metric.dimensions.items():
        dims += [key, value]
    return [metric.namespace, metric.name, *dims, {"stat": metric.stat, "period": metric.period, **options}]


def _widget(title: str, metrics: list[Any], region: str, **properties: Any) -> dict[str, Any]:
    return {
        "type": "metric",
        "width": 12,
        "height": 6,
        "properties": {"title": title, "region": region, "view": "timeSeries", "metrics": metrics, **properties},
    }


def dashboard_body(
    targets: AlarmTargets, region: str, alarm_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
) -> pulumi.Output[Any]:
    """The dashboard: traffic, errors, latency, targets, pods against min and max, pod and node use,
    and the alarms' state. Resolved once every referenced output is known."""
    widgets: list[Any] = []
    if targets.watches_load_balancer:
        both = targets.target_group_dims
        requests = Metric(ALB, "RequestCount", both, "Sum")
        widgets += [
            _widget("Requests per minute", [_line(requests)], region),
            _widget(
                "5xx rate (%)",
                [
                    [{"expression": RATE_EXPRESSION, "label": "target 5xx %", "id": "rate"}],
                    _line(Metric(ALB, "HTTPCode_Target_5XX_Count", both, "Sum"), id="errors", visible=False),
                    _line(requests, id="requests", visible=False),
                ],
                region,
            ),
            _widget(
                "Latency to first byte (s)",
                [_line(Metric(ALB, "TargetResponseTime", both, p), label=p) for p in ("p50", "p95", "p99")],
                region,
            ),
            _widget(
                "Targets",
                [
                    _line(Metric(ALB, "HealthyHostCount", both, "Minimum"), label="healthy"),
                    _line(Metric(ALB, "UnHealthyHostCount", both, "Maximum"), label="unhealthy"),
                ],
                region,
            ),
        ]
    if targets.cluster_name is not None:
        cluster, service = targets.cluster_dims, targets.service_dims
        widgets += [
            _widget(
                "Running gateway pods",
                [_line(Metric(CONTAINER_INSIGHTS, "service_number_of_running_pods", service, "Minimum"))],
                region,
                annotations={
                    "horizontal": [
                        {"label": "minReplicas", "value": targets.min_replicas},
                        {"label": "maxReplicas", "value": targets.max_replicas},
                    ]
                },
            ),
            _widget(
                "Gateway pod CPU and memory (% of node)",
                [
                    _line(Metric(CONTAINER_INSIGHTS, "pod_cpu_utilization", service, "Average"), label="CPU"),
                    _line(Metric(CONTAINER_INSIGHTS, "pod_memory_utilization", service, "Average"), label="memory"),
                ],
                region,
            ),
            _widget(
                "Node utilisation (%, busiest node)",
                [
                    _line(Metric(CONTAINER_INSIGHTS, f"node_{what}_utilization", cluster, "Maximum"), label=what)
                    for what in ("cpu", "memory", "filesystem")
                ],
                region,
            ),
        ]
    # Two graphs a row, under the alarms' state across the top.
    top = 0
    # A list known to be empty gets no alarm widget; a list from another resource is not empty (the
    # gateway has alarms of its own beside it).
    if not isinstance(alarm_arns, Sequence) or alarm_arns:
        widgets.insert(
            0,
            {
                "type": "alarm",
                "x": 0,
                "y": 0,
                "width": 24,
                "height": 4,
                "properties": {"title": "Alarms", "alarms": alarm_arns},
            },
        )
        top = 4
    graphs = [w for w in widgets if w["type"] == "metric"]
    for i, widget in enumerate(graphs):
        widget["x"], widget["y"] = (i % 2) * 12, top + (i // 2) * 6
    return pulumi.Output.from_input({"widgets": widgets})
