import pulumi
from components.wiring import gateway_args
from runmcp_gateway import GatewayPlatform

platform = GatewayPlatform("plain", gateway_args(pulumi.Config()))
pulumi.export("url", platform.url)
