"""runmcp-gateway components: the RunMCP gateway on AWS (EKS, ALB, CloudWatch), per environment.

The public component::

    from components import GatewayPlatform
    GatewayPlatform("mcp", {"gateway": {"image": "hapimcp/hapi-cli:0.6.0"}})

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
    from .platform import GatewayPlatform, GatewayPlatformArgs

__all__ = ["PACKAGE_NAME", "GatewayPlatform", "GatewayPlatformArgs", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("GatewayPlatform", "GatewayPlatformArgs"):
        from . import platform

        return getattr(platform, name)
    raise AttributeError(f"module 'components' has no attribute {name!r}")
