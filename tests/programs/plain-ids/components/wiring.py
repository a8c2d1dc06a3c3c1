"""What this program hands the gateway: the network and certificate of its own config, plain."""

from typing import Any

import pulumi


def gateway_args(config: pulumi.Config) -> dict[str, Any]:
    network = config.require_object("network")
    return {
        "gateway": {
            "image": "hapimcp/hapi-cli:0.6.0",
            "secretEnv": {"UPSTREAM_API_TOKEN": config.require("upstreamToken")},
        },
        "cluster": {
            "eks": {
                "network": {"existing": network},
                "secretsEncryption": {"createKey": True},
                "endpoint": {"publicAccessCidrs": ["198.51.100.0/24"]},
            }
        },
        "load_balancer": {"certificateArn": config.require("certificateArn")},
        "alarms": {"emails": ["plain-oncall@example.com"]},
    }
