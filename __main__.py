"""The runmcp-gateway Pulumi program: this stack's settings -> GatewayPlatform -> outputs."""

import pulumi
from runmcp_gateway.config import settings_from_pulumi
from runmcp_gateway.platform import GatewayPlatform

# Parsed once, here, so errors name the stack file; the platform takes the parsed settings as they
# are (and warns about legal but risky choices).
settings = settings_from_pulumi()

platform = GatewayPlatform.from_settings("runmcp", settings, instance=pulumi.get_stack())

pulumi.export("namespace", platform.namespace)
pulumi.export("serviceName", platform.service_name)
pulumi.export("deploymentName", platform.deployment_name)
pulumi.export("hpaName", platform.hpa_name)
pulumi.export("inClusterUrl", platform.in_cluster_url)
pulumi.export("kubernetesVersion", settings.cluster.kubernetes_version)
if settings.cluster.provisioned is not None:
    pulumi.export("clusterName", platform.cluster_name)
    pulumi.export("kubeconfig", platform.kubeconfig)  # a secret: `pulumi stack output kubeconfig --show-secrets`
if platform.load_balancer is not None:
    pulumi.export("url", platform.url)
    pulumi.export("albDnsName", platform.alb_dns_name)
    pulumi.export("albArnSuffix", platform.alb_arn_suffix)
    pulumi.export("targetGroupArnSuffix", platform.target_group_arn_suffix)
    pulumi.export("targetGroupArn", platform.load_balancer.target_group.arn)
if platform.alarms is not None:
    pulumi.export("alarmTopicArn", platform.alarm_topic_arn)
    pulumi.export("dashboardName", platform.alarms.dashboard.dashboard_name)
if platform.drills is not None:
    # What `runmcp-infra drill STACK` reads (components/drill/contract.py): templates, load, objectives.
    pulumi.export("drills", platform.drills.outputs)
