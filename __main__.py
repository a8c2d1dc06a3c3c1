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
if platform.cluster_name is not None:
    pulumi.export("clusterName", platform.cluster_name)
if platform.load_balancer is not None:
    pulumi.export("url", platform.load_balancer.url)
    pulumi.export("albDnsName", platform.load_balancer.dns_name)
    pulumi.export("albArnSuffix", platform.load_balancer.arn_suffix)
    pulumi.export("targetGroupArnSuffix", platform.load_balancer.target_group_arn_suffix)
    pulumi.export("targetGroupArn", platform.load_balancer.target_group.arn)
if platform.alarms is not None:
    pulumi.export("alarmTopicArn", platform.alarms.topic.arn)
    pulumi.export("dashboardName", platform.alarms.dashboard.dashboard_name)
if platform.kubeconfig is not None:
    pulumi.export("kubeconfig", platform.kubeconfig)  # a secret: `pulumi stack output kubeconfig --show-secrets`
