"""A component given its own AWS provider asks the cloud through it: every lookup (region, partition,
account, zones, instance-type offerings, add-on versions, log groups) is made as the component's
child, so with the provider from ``opts.providers``, not the stack's default one (pulumi-eks and
awsx do likewise: ``{ parent: this }`` on their invokes)."""

from __future__ import annotations

from pathlib import Path

from components.offline.runner import read_stack_file, run_program
from tests.conftest import IMAGE

PROGRAM = """
import pulumi
import pulumi_aws as aws
from components import GatewayPlatform

ireland = aws.Provider("ireland", region="eu-west-1")
GatewayPlatform("mcp", {{"gateway": {{"image": {image!r}}}, "cluster": {{"eks": {{"protect": False}}}}}},
    opts=pulumi.ResourceOptions(providers={{"aws": ireland}}))
"""


def test_every_lookup_goes_through_the_provider_the_caller_gave(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(PROGRAM.format(image=IMAGE))
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    monitor, _ = run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"))
    (provider,) = [r for r in monitor.recorded if r.type == "pulumi:providers:aws"]
    aws_invokes = [i for i in monitor.invokes if i.token.startswith("aws:")]
    assert {i.token.rsplit(":", 1)[1] for i in aws_invokes} >= {
        "getPartition",
        "getRegion",
        "getCallerIdentity",
        "getAvailabilityZones",
        "getInstanceTypeOfferings",
        "getAddonVersion",
        "getLogGroups",
    }
    assert {i.provider for i in aws_invokes} == {provider.urn}
    # And every AWS resource is made with it too.
    assert {r.provider for r in monitor.recorded if r.custom and r.type.startswith("aws:")} == {provider.urn}


EXISTING = """
import pulumi
import pulumi_kubernetes as k8s
from components import GatewayPlatform

mine = k8s.Provider("mine", kubeconfig="{{}}", enable_server_side_apply=True)
GatewayPlatform("mcp", {{"gateway": {{"image": {image!r}}}, "cluster": {{"existing": {{}}}},
    "loadBalancer": {{"kind": "none"}}, "alarms": {{"enabled": False}}}},
    opts=pulumi.ResourceOptions(providers={{"kubernetes": mine}}))
"""


def test_an_existing_cluster_uses_the_kubernetes_provider_the_caller_gave(tmp_path: Path) -> None:
    """Without it, the component built its own provider from the ambient kubeconfig: whatever cluster
    that points at."""
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(EXISTING.format(image=IMAGE))
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    monitor, _ = run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"))
    (provider,) = [r for r in monitor.recorded if r.type == "pulumi:providers:kubernetes"]
    assert provider.name == "mine"
    objects = [r for r in monitor.recorded if r.custom and r.type.startswith("kubernetes:")]
    assert objects
    assert {r.provider for r in objects} == {provider.urn}


def test_a_platform_given_a_provider_of_another_region_builds_for_that_region(tmp_path: Path) -> None:
    """The mock cloud answers each lookup for the region of the provider it was made with, as AWS
    does: the subnets land in eu-west-1's zones, the controller is told eu-west-1, and no input of any
    resource names the stack's own region (us-east-1)."""
    import json

    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(PROGRAM.format(image=IMAGE))
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    monitor, _ = run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"))
    subnets = [r for r in monitor.recorded if r.type == "aws:ec2/subnet:Subnet"]
    assert subnets
    assert {r.inputs["availabilityZoneId"].split("-")[0] for r in subnets} == {"euw1"}
    (controller,) = [
        r
        for r in monitor.recorded
        if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "aws-load-balancer-controller"
    ]
    assert controller.inputs["values"]["region"] == "eu-west-1"
    everything = json.dumps([r.inputs for r in monitor.recorded if r.type != "pulumi:providers:aws"])
    assert "us-east-1" not in everything
    assert "eu-west-1" in everything
