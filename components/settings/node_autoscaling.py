"""runmcp-gateway:cluster.eks.clusterAutoscaler: nodes that follow the HPA (components/node_autoscaling.py)."""

from __future__ import annotations

from typing import Annotated

from .base import _Model
from .fields import _matches

CLUSTER_AUTOSCALER_CHART_VERSION = "9.46.6"
"""The cluster-autoscaler Helm chart (kubernetes.github.io/autoscaler) installed by default."""


class ClusterAutoscalerSettings(_Model):
    """Adds nodes when pods the HPA created cannot be scheduled, and removes idle ones."""

    SWITCH = "enabled"
    enabled: bool = True
    chart_version: Annotated[str, _matches(r"\d+\.\d+\.\d+", "is not a chart version such as '9.46.6'")] = (
        CLUSTER_AUTOSCALER_CHART_VERSION
    )
    scale_down_unneeded_time: Annotated[str, _matches(r"\d+[smh]", "is not a duration such as '10m'")] = "10m"
    """How long a node must be unneeded before it is removed."""
