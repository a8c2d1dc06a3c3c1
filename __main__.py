"""The runmcp-gateway Pulumi program: this stack's settings -> GatewayPlatform -> outputs."""

import pulumi

from components.config import settings_from_pulumi
from components.platform import GatewayPlatform

settings = settings_from_pulumi()
for advisory in settings.advisories():
    pulumi.log.warn(advisory)

platform = GatewayPlatform("runmcp", settings, instance=pulumi.get_stack())

pulumi.export("namespace", platform.namespace)
pulumi.export("serviceName", platform.service_name)
pulumi.export("deploymentName", platform.deployment_name)
pulumi.export("hpaName", platform.hpa_name)
pulumi.export("inClusterUrl", platform.in_cluster_url)
pulumi.export("kubernetesVersion", settings.cluster.kubernetes_version)
