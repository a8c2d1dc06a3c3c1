"""What a drill measures: one CloudWatch GetMetricData call for the drill's window.

Metric names and dimensions:
- ALB (namespace AWS/ApplicationELB): RequestCount and HTTPCode_ELB_5XX_Count per LoadBalancer
  (every request the ALB took, also those it answered itself, e.g. its own 5xx);
  HTTPCode_Target_5XX_Count, TargetResponseTime and HealthyHostCount per TargetGroup and
  LoadBalancer, HealthyHostCount also per AvailabilityZone. The ALB reports every 60 s and only
  while requests flow, hence the load generator.
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
- Container Insights (namespace ContainerInsights): replicas_ready per ClusterName, Namespace and
  PodName (the workload's name).
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-EKS.html ;
  aws/amazon-cloudwatch-agent translator/translate/otel/exporter/awsemf/kubernetes.go
- GetMetricData: up to 500 queries per call, results paged with NextToken.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..alarms import ALB, CONTAINER_INSIGHTS
from .contract import StackOutputs

PERIOD_SECONDS = 60
"""Standard ALB and Container Insights metrics have 60-second resolution."""

Series = list[tuple[datetime, float]]

REQUESTS, ELB_5XX, TARGET_5XX, P99, HEALTHY, READY = "requests", "elb5xx", "target5xx", "p99", "healthy", "ready"
ZONE_PREFIX = "healthy "
"""The series of one zone's healthy targets is "healthy <zone>"."""


@dataclass(frozen=True)
class Query:
    id: str
    label: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    stat: str
    key: str = ""
    """The series' name in the result, if not its id (ids allow no hyphen, zone names have them)."""

    def as_api(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Label": self.label,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions.items()],
                },
                "Period": PERIOD_SECONDS,
                "Stat": self.stat,
            },
            "ReturnData": True,
        }


def queries(outputs: StackOutputs) -> list[Query]:
    alb = {"LoadBalancer": outputs.load_balancer}
    tg = {"TargetGroup": outputs.target_group, "LoadBalancer": outputs.load_balancer}
    elb = ALB
    found = [
        Query(REQUESTS, "requests", elb, "RequestCount", alb, "Sum"),
        Query(ELB_5XX, "load balancer 5xx", elb, "HTTPCode_ELB_5XX_Count", alb, "Sum"),
        Query(TARGET_5XX, "target 5xx", elb, "HTTPCode_Target_5XX_Count", tg, "Sum"),
        Query(P99, "p99 latency (s)", elb, "TargetResponseTime", tg, "p99"),
        Query(HEALTHY, "healthy targets", elb, "HealthyHostCount", tg, "Minimum"),
        Query(
            READY,
            "ready replicas",
            CONTAINER_INSIGHTS,
            "replicas_ready",
            {"ClusterName": outputs.cluster_name, "Namespace": outputs.namespace, "PodName": outputs.deployment_name},
            "Minimum",
        ),
    ]
    for n, zone in enumerate(outputs.zones):
        found.append(
            Query(
                f"{HEALTHY}_{n}",
                f"healthy targets {zone}",
                elb,
                "HealthyHostCount",
                {**tg, "AvailabilityZone": zone},
                "Minimum",
                key=f"{ZONE_PREFIX}{zone}",
            )
        )
    return found


def get_metric_data(cloudwatch: Any, outputs: StackOutputs, start: datetime, end: datetime) -> dict[str, Series]:
    """Every series of the window by name, oldest first; a series with no data is empty."""
    request: dict[str, Any] = {
        "MetricDataQueries": [q.as_api() for q in queries(outputs)],
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }
    names = {q.id: q.key or q.id for q in queries(outputs)}
    series: dict[str, Series] = {name: [] for name in names.values()}
    while True:
        response = cloudwatch.get_metric_data(**request)
        for result in response["MetricDataResults"]:
            points = zip(result["Timestamps"], result["Values"], strict=True)
            series[names[result["Id"]]].extend(points)
        token = response.get("NextToken")
        if not token:
            break
        request["NextToken"] = token
    return {key: sorted(points) for key, points in series.items()}
