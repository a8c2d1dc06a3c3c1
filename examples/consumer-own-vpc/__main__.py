"""Your own program: your network, certificate and secret, handed to the RunMCP gateway as Outputs.

`components` here is this project's own package; the gateway's is `runmcp_gateway`.
"""

import pulumi
from runmcp_gateway import GatewayPlatform

from components.network import Network

config = pulumi.Config()
domain = config.require("domain")
network = Network("edge", cidr=config.require("vpcCidr"), domain=domain, hosted_zone_id=config.require("hostedZoneId"))

platform = GatewayPlatform(
    "edge-mcp",
    {
        "gateway": {
            "image": "hapimcp/hapi-cli:0.6.0",
            "args": ["serve", "payments", "--headless", "--url", "https://api.example.com/payments"],
            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
            # A secret Output: it stays a secret in the Kubernetes Secret, the state and the plan.
            "secret_env": {"UPSTREAM_API_TOKEN": config.require_secret("upstreamToken")},
            "network_policy": {"egress": [{"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"], "ports": [443]}]},
        },
        "scaling": {"min_replicas": 2, "max_replicas": 6},
        "cluster": {
            "kubernetes_version": "1.34",
            "eks": {
                "network": {
                    "existing": {
                        "vpc_id": network.vpc.id,
                        "private_subnet_ids": [subnet.id for subnet in network.private_subnets],
                        "public_subnet_ids": [subnet.id for subnet in network.public_subnets],
                    }
                },
                "endpoint": {"public_access_cidrs": ["198.51.100.0/24"]},
                "secrets_encryption": {"create_key": True},
                "node_groups": {"web": {"instance_types": ["m7g.large"], "min_size": 2, "max_size": 6}},
            },
        },
        "load_balancer": {"certificate_arn": network.certificate_arn},
        "alarms": {"emails": ["edge-oncall@example.com"]},
        "instance": f"edge-{pulumi.get_stack()}",
    },
)

pulumi.export("url", platform.url)
pulumi.export("vpcId", network.vpc.id)
pulumi.export("alarmTopicArn", platform.alarm_topic_arn)
