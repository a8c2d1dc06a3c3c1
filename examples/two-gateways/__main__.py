"""Two RunMCP gateways on one cluster: GatewayCluster once, Gateway twice.

The cluster part makes what the gateways share (the EKS cluster, the load balancer controller, the
node autoscaler, the alarm topic and the nodes' alarms) and hands its ``handle`` to each gateway.
Each gateway needs a name and a ``gateway.namespace`` of its own on the cluster; a second gateway
that would take another's is refused before anything is registered.
"""

import pulumi
from runmcp_gateway import Gateway, GatewayCluster

cluster = GatewayCluster(
    "shared",
    {
        "cluster": {
            "kubernetesVersion": "1.34",
            "eks": {
                "network": {"cidr": "10.40.0.0/16", "availabilityZones": 3, "natGateways": "single"},
                "endpoint": {"publicAccessCidrs": ["198.51.100.0/24"]},
                "nodeGroups": {"general": {"instanceTypes": ["m6i.large"], "minSize": 3, "maxSize": 9}},
                "protect": False,
            },
        },
        "alarms": {"emails": ["platform-oncall@example.com"]},
    },
)

EGRESS = {"egress": [{"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"], "ports": [443]}]}
NO_DELETION_PROTECTION = {"deletionProtection": False, "accessLogs": {"enabled": False}}

payments = Gateway(
    "payments",
    {
        "cluster": cluster.handle,
        "gateway": {
            "image": "hapimcp/hapi-cli:0.6.0",
            "namespace": "mcp-payments",
            "args": ["serve", "payments", "--headless", "--url", "https://api.example.com/payments"],
            "networkPolicy": EGRESS,
        },
        "scaling": {"minReplicas": 2, "maxReplicas": 6},
        "load_balancer": {"scheme": "internal", **NO_DELETION_PROTECTION},
    },
)

catalog = Gateway(
    "catalog",
    {
        "cluster": cluster.handle,
        "gateway": {
            "image": "hapimcp/hapi-cli:0.6.0",
            "namespace": "mcp-catalog",
            "args": ["serve", "catalog", "--headless", "--url", "https://api.example.com/catalog"],
            "networkPolicy": EGRESS,
        },
        "scaling": {"minReplicas": 2, "maxReplicas": 4},
        "load_balancer": NO_DELETION_PROTECTION,
        "alarms": {"thresholds": {"latencyP95Seconds": 3}},
    },
)

pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("alarmTopicArn", cluster.alarm_topic_arn)
pulumi.export("paymentsUrl", payments.url)
pulumi.export("catalogUrl", catalog.url)
