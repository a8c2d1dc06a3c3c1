"""runmcp-gateway components: the RunMCP gateway on AWS (EKS, ALB, CloudWatch), per environment.

The public component::

    from runmcp_gateway import GatewayPlatform
    GatewayPlatform("mcp", {"gateway": {"image": "hapimcp/hapi-cli:0.6.0"}})

is one GatewayCluster (the cluster and what its gateways share) and one Gateway on its ``handle``;
use those two directly for several gateways on one cluster (examples/two-gateways), or compose a
gateway of its blocks on the handle: ScaledGatewayWorkload, GatewayLoadBalancer, GatewayAlarms.

Its args are the keys of a stack file's runmcp-gateway namespace (see the README's settings
reference), validated by components.settings before any resource is registered. The building blocks
(GatewayWorkload, EksCluster, GatewayLoadBalancer, GatewayAlarms, ...) live in their modules.
Nothing here creates resources at import time, and the heavy SDKs load only when used.
"""

from importlib import metadata
from typing import TYPE_CHECKING, Any

PACKAGE_NAME = "runmcp"
"""The Pulumi package name: type tokens are runmcp:index:<Component>."""

try:
    __version__ = metadata.version("runmcp-gateway")
except metadata.PackageNotFoundError:  # pragma: no cover - a checkout that was never installed
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from .alarms import GatewayAlarms, GatewayAlarmsArgs
    from .gateway_cluster import ClusterHandle, ClusterHandleArgs, GatewayCluster, GatewayClusterArgs
    from .gateway_service import Gateway, GatewayArgs
    from .load_balancer import GatewayLoadBalancer, GatewayLoadBalancerArgs
    from .platform import GatewayPlatform, GatewayPlatformArgs
    from .scaled_workload import ScaledGatewayWorkload, ScaledGatewayWorkloadArgs

__all__ = [
    "PACKAGE_NAME",
    "ClusterHandle",
    "ClusterHandleArgs",
    "Gateway",
    "GatewayAlarms",
    "GatewayAlarmsArgs",
    "GatewayArgs",
    "GatewayCluster",
    "GatewayClusterArgs",
    "GatewayLoadBalancer",
    "GatewayLoadBalancerArgs",
    "GatewayPlatform",
    "GatewayPlatformArgs",
    "ScaledGatewayWorkload",
    "ScaledGatewayWorkloadArgs",
    "__version__",
]
_MODULES = {
    "GatewayPlatform": "platform",
    "GatewayPlatformArgs": "platform",
    "GatewayCluster": "gateway_cluster",
    "GatewayClusterArgs": "gateway_cluster",
    "ClusterHandle": "gateway_cluster",
    "ClusterHandleArgs": "gateway_cluster",
    "Gateway": "gateway_service",
    "GatewayArgs": "gateway_service",
    "ScaledGatewayWorkload": "scaled_workload",
    "ScaledGatewayWorkloadArgs": "scaled_workload",
    "GatewayLoadBalancer": "load_balancer",
    "GatewayLoadBalancerArgs": "load_balancer",
    "GatewayAlarms": "alarms",
    "GatewayAlarmsArgs": "alarms",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        from importlib import import_module

        return getattr(import_module(f".{_MODULES[name]}", __name__), name)
    raise AttributeError(f"module 'components' has no attribute {name!r}")
