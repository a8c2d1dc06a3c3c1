"""Your own program: the RunMCP gateway platform with settings of your own, next to your resources.

The args are the keys of a runmcp-gateway stack file (README, settings reference); bad values stop
the program before any resource is registered, with the key that is wrong.
"""

import pulumi
from runmcp_gateway import GatewayPlatform

team = pulumi.Config().require("team")

platform = GatewayPlatform(
    f"{team}-mcp",
    {
        "gateway": {
            "image": "hapimcp/hapi-cli:0.6.0",
            "args": ["serve", "payments", "--headless", "--url", "https://api.example.com/payments"],
            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
            "networkPolicy": {"egress": [{"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"], "ports": [443]}]},
        },
        "scaling": {"minReplicas": 2, "maxReplicas": 6},
        "cluster": {
            "kubernetesVersion": "1.34",
            "eks": {
                "network": {"cidr": "10.30.0.0/16", "availabilityZones": 3, "natGateways": "single"},
                "endpoint": {"publicAccessCidrs": ["198.51.100.0/24"]},
                "nodeGroups": {"web": {"instanceTypes": ["m7g.large"], "minSize": 3, "maxSize": 6}},
                "protect": False,
            },
        },
        "load_balancer": {"scheme": "internal", "deletionProtection": False, "accessLogs": {"enabled": False}},
        "alarms": {"emails": [f"{team}-oncall@example.com"]},
        "instance": f"{team}-{pulumi.get_stack()}",
    },
)

pulumi.export("url", platform.url)
pulumi.export("alarmTopicArn", platform.alarm_topic_arn)
