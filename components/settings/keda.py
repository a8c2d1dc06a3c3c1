"""runmcp-gateway:scaling.keda: KEDA, which scales a gateway on its load balancer's requests per
target (components/keda.py installs it once per cluster; components/autoscaling.py makes the
ScaledObject)."""

from __future__ import annotations

from typing import Annotated

from .base import _Model
from .fields import _matches

KEDA_CHART_VERSION = "2.20.2"
"""The keda Helm chart (kedacore.github.io/charts), KEDA v2.20.2 (kedacore/charts keda/Chart.yaml)."""


REQUESTS_END_OFFSET_SECONDS = 60
"""KEDA's window ends this long before now (metricEndTimeOffset): the newest minute it reads closed at
least a minute ago, so the load balancer's data for it has arrived. With no offset the newest minute
is one that closed 0-30 s before the poll, still partly published, and its Sum reads low at every
poll (kedacore/keda pkg/scalers/aws_cloudwatch_scaler.go computeQueryWindow takes Values[0], the
newest; KEDA's CloudWatch scaler docs show metricEndTimeOffset: "60")."""


class KedaSettings(_Model):
    """KEDA (keda.sh), installed by the cluster part in the controllers' namespace when a gateway sets
    scaling.requestsPerReplica."""

    SWITCH = "install"
    install: bool = True
    """False when the cluster runs KEDA already (its operator then needs cloudwatch:GetMetricData
    through its own Pod Identity or IRSA role). An existing cluster (cluster.existing) is assumed to
    run it: set false there."""
    chart_version: Annotated[str, _matches(r"\d+\.\d+\.\d+", "is not a chart version such as '2.20.2'")] = (
        KEDA_CHART_VERSION
    )
