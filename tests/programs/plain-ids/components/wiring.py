"""What this program hands the gateway: the network and certificate of its own config, plain."""

from typing import Any

import pulumi


def gateway_args(config: pulumi.Config) -> dict[str, Any]:
    network = config.require_object("network")
    return {
        "gateway": {
            "image": "hapimcp/hapi-cli:0.6.0",
            "secret_env": {"UPSTREAM_API_TOKEN": config.require("upstreamToken")},
        },
        "cluster": {
            "eks": {
                "network": {
                    "existing": {
                        "vpc_id": network["vpcId"],
                        "private_subnet_ids": network["privateSubnetIds"],
                        "public_subnet_ids": network["publicSubnetIds"],
                    }
                },
                "secrets_encryption": {"create_key": True},
                "endpoint": {"public_access_cidrs": ["198.51.100.0/24"]},
            }
        },
        "load_balancer": {"certificate_arn": config.require("certificateArn")},
        "alarms": {"emails": ["plain-oncall@example.com"]},
    }
