"""The cluster each stack makes: network, control plane, node groups, add-ons, node autoscaling."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from components.capacity import CLUSTER_AUTOSCALER_REQUESTS, INSTANCE_TYPES, allocatable
from components.cluster import IMDS_HOP_LIMIT, kubeconfig
from components.node_autoscaling import IMAGE_TAGS, WRITE_ACTIONS
from components.offline.aws_mocks import AwsRefusal
from components.offline.mocks import CloudMocks
from components.offline.runner import Plan, PlannedResource, RecordingMonitor, read_stack_file, run_plan, run_program
from components.settings import EKS_ADDONS, SettingsError, StackSettings
from components.settings.stack import _cross_field_problems
from tests.conftest import (
    IMAGE,
    PROJECT_DIR,
    WriteStack,
    assert_refused,
    cli,
    of_type,
    planned,
    single,
    stack_config,
    stack_path,
    without_drills,
)


def eks_config(stack: str) -> dict[str, Any]:
    return dict(stack_config(stack)["cluster"]["eks"])


# --- Network -----------------------------------------------------------------------------------


def test_subnets_one_public_and_one_private_per_zone(repo_stack: str) -> None:
    plan = planned(repo_stack)
    zones = eks_config(repo_stack)["network"]["availabilityZones"]
    vpc = ipaddress.ip_network(single(plan, "aws:ec2/vpc:Vpc").inputs["cidrBlock"])
    subnets = of_type(plan, "aws:ec2/subnet:Subnet")
    private = [s for s in subnets if "kubernetes.io/role/internal-elb" in s.inputs["tags"]]
    public = [s for s in subnets if "kubernetes.io/role/elb" in s.inputs["tags"]]
    assert len(private) == len(public) == zones
    for group in (private, public):
        assert len({s.inputs["availabilityZoneId"] for s in group}) == zones
    ranges = [ipaddress.ip_network(s.inputs["cidrBlock"]) for s in subnets]
    assert all(r.subnet_of(vpc) for r in ranges)
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :])
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in public)


def test_nat_layout_follows_the_stack_file(repo_stack: str) -> None:
    plan = planned(repo_stack)
    network = eks_config(repo_stack)["network"]
    nats = of_type(plan, "aws:ec2/natGateway:NatGateway")
    expected = network["availabilityZones"] if network["natGateways"] == "perZone" else 1
    assert len(nats) == expected
    subnet_zone = {s.resource_id: s.inputs["availabilityZoneId"] for s in of_type(plan, "aws:ec2/subnet:Subnet")}
    nat_zone = {n.resource_id: subnet_zone[n.inputs["subnetId"]] for n in nats}
    private_tables = {t.resource_id: t for t in of_type(plan, "aws:ec2/routeTable:RouteTable") if "private" in t.name}
    assert len(private_tables) == network["availabilityZones"]
    used = {t.inputs["routes"][0]["natGatewayId"] for t in private_tables.values()}
    assert used == set(nat_zone)
    associations = [
        a for a in of_type(plan, "aws:ec2/routeTableAssociation:RouteTableAssociation") if "private" in a.name
    ]
    assert len(associations) == network["availabilityZones"]
    for association in associations:
        table = private_tables[association.inputs["routeTableId"]]
        nat = table.inputs["routes"][0]["natGatewayId"]
        if network["natGateways"] == "perZone":
            # Each zone's private subnets leave through the NAT gateway in that same zone.
            assert nat_zone[nat] == subnet_zone[association.inputs["subnetId"]]


# --- Control plane -----------------------------------------------------------------------------


def test_cluster_authentication_endpoint_and_version(repo_stack: str) -> None:
    plan = planned(repo_stack)
    cluster = single(plan, "aws:eks/cluster:Cluster").inputs
    config = eks_config(repo_stack)
    assert cluster["version"] == stack_config(repo_stack)["cluster"]["kubernetesVersion"]
    assert cluster["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True}
    vpc = cluster["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is bool(config["endpoint"]["publicAccessCidrs"])
    assert vpc["publicAccessCidrs"] == config["endpoint"]["publicAccessCidrs"]
    private_ids = {
        s.resource_id for s in of_type(plan, "aws:ec2/subnet:Subnet") if "internal-elb" in json.dumps(s.inputs["tags"])
    }
    assert set(vpc["subnetIds"]) == private_ids


def test_control_plane_logging_from_the_stack_file(repo_stack: str) -> None:
    plan = planned(repo_stack)
    logging = eks_config(repo_stack)["logging"]
    cluster = single(plan, "aws:eks/cluster:Cluster")
    assert cluster.inputs["enabledClusterLogTypes"] == logging["types"]
    group = single(without_drills(plan), "aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == f"/aws/eks/{cluster.inputs['name']}/cluster"
    assert group.inputs["retentionInDays"] == logging["retentionDays"]
    assert group.urn in cluster.dependencies, "the log group must exist before the cluster writes to it"


def test_secrets_encryption_when_configured(repo_stack: str) -> None:
    plan = planned(repo_stack)
    cluster = single(plan, "aws:eks/cluster:Cluster")
    keys = [k for k in of_type(plan, "aws:kms/key:Key") if k.parent.endswith("::runmcp-cluster")]
    if eks_config(repo_stack).get("secretsEncryption", {}).get("createKey"):
        (key,) = keys
        assert key.inputs["enableKeyRotation"] is True
        assert cluster.inputs["encryptionConfig"]["resources"] == ["secrets"]
        assert key.urn in cluster.dependencies
    else:
        assert keys == []
        assert "encryptionConfig" not in cluster.inputs


def test_prod_protects_cluster_and_node_groups_dev_does_not(repo_stack: str) -> None:
    plan = planned(repo_stack)
    protect = eks_config(repo_stack)["protect"]
    for resource in [single(plan, "aws:eks/cluster:Cluster"), *of_type(plan, "aws:eks/nodeGroup:NodeGroup")]:
        assert resource.protect is protect, resource.name
    assert single(plan, "aws:eks/cluster:Cluster").inputs["deletionProtection"] is protect
    assert planned("prod").settings.cluster.eks.protect is True


def test_iam_roles_carry_only_the_policies_they_need(repo_stack: str) -> None:
    plan = planned(repo_stack)
    attached: dict[str, set[str]] = {}
    for a in of_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        attached.setdefault(a.parent.rsplit("::", 1)[-1], set()).add(a.inputs["policyArn"].rsplit("/", 1)[-1])
    assert attached["runmcp-cluster-control-plane"] == {"AmazonEKSClusterPolicy"}
    # The CNI's permissions go through Pod Identity, not the node role every pod could reach.
    assert attached["runmcp-cluster-node"] == {"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"}
    assert attached["runmcp-cluster-vpc-cni"] == {"AmazonEKS_CNI_Policy"}
    assert attached["runmcp-cluster-amazon-cloudwatch-observability"] == {"CloudWatchAgentServerPolicy"}


# --- Nodes -------------------------------------------------------------------------------------


def test_node_groups_span_every_zone_from_the_stack_file(repo_stack: str) -> None:
    plan = planned(repo_stack)
    config = eks_config(repo_stack)["nodeGroups"]
    private_ids = {s.resource_id for s in of_type(plan, "aws:ec2/subnet:Subnet") if "private" in s.name}
    groups = of_type(plan, "aws:eks/nodeGroup:NodeGroup")
    assert {g.name.removeprefix("runmcp-cluster-") for g in groups} == set(config)
    for group in groups:
        spec = config[group.name.removeprefix("runmcp-cluster-")]
        assert set(group.inputs["subnetIds"]) == private_ids
        assert group.inputs["instanceTypes"] == spec["instanceTypes"]
        assert group.inputs["capacityType"] == spec.get("capacityType", "ON_DEMAND")
        scaling = group.inputs["scalingConfig"]
        assert (scaling["minSize"], scaling["maxSize"]) == (spec["minSize"], spec["maxSize"])
        assert group.inputs["amiType"].startswith("AL2023_")
        assert group.inputs["nodeRepairConfig"] == {"enabled": True}


def test_nodes_require_imdsv2_and_encrypt_their_root_volume(repo_stack: str) -> None:
    plan = planned(repo_stack)
    templates = {t.resource_id: t for t in of_type(plan, "aws:ec2/launchTemplate:LaunchTemplate")}
    for group in of_type(plan, "aws:eks/nodeGroup:NodeGroup"):
        template = templates[group.inputs["launchTemplate"]["id"]].inputs
        assert template["metadataOptions"] == {
            "httpEndpoint": "enabled",
            "httpTokens": "required",
            "httpPutResponseHopLimit": IMDS_HOP_LIMIT,
        }
        (root,) = template["blockDeviceMappings"]
        assert root["deviceName"] == "/dev/xvda"
        assert root["ebs"]["encrypted"] == "true"
        assert root["ebs"]["volumeType"] == "gp3"
        assert "imageId" not in template, "EKS picks the AMI for the node group's Kubernetes version"
    # Pods reach AWS through Pod Identity; hop limit 1 keeps them off the node role.
    assert IMDS_HOP_LIMIT == 1


# --- Add-ons -----------------------------------------------------------------------------------


def test_every_addon_is_installed(repo_stack: str) -> None:
    plan = planned(repo_stack)
    addons = {a.inputs["addonName"]: a for a in of_type(plan, "aws:eks/addon:Addon")}
    assert set(addons) == set(EKS_ADDONS)
    assert {"vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "metrics-server"} <= set(addons)
    assert "amazon-cloudwatch-observability" in addons
    # NetworkPolicy objects do nothing unless the VPC CNI enforces them.
    assert json.loads(addons["vpc-cni"].inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    assert json.loads(addons["coredns"].inputs["configurationValues"])["autoScaling"]["enabled"] is True
    identities = {a: addons[a].inputs.get("podIdentityAssociations") for a in addons}
    assert identities["vpc-cni"][0]["serviceAccount"] == "aws-node"
    assert identities["amazon-cloudwatch-observability"][0]["serviceAccount"] == "cloudwatch-agent"
    assert all(a.inputs["addonVersion"].startswith("v") for a in addons.values())


def test_addons_come_in_the_order_nodes_need_them(repo_stack: str) -> None:
    plan = planned(repo_stack)
    addons = {a.inputs["addonName"]: a for a in of_type(plan, "aws:eks/addon:Addon")}
    for group in of_type(plan, "aws:eks/nodeGroup:NodeGroup"):
        for name in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent"):
            assert addons[name].urn in group.dependencies, f"nodes boot without {name}"
        for name in ("coredns", "metrics-server", "amazon-cloudwatch-observability"):
            assert group.urn in addons[name].dependencies, f"{name} has no node to run on"


def test_pinned_addon_version_wins(write_stack: WriteStack) -> None:
    path = write_stack(
        {"gateway": {"image": IMAGE}, "cluster": {"eks": {"addonVersions": {"vpc-cni": "v1.19.2-eksbuild.1"}}}}
    )
    plan = run_plan(PROJECT_DIR, "bad", path)
    addons = {a.inputs["addonName"]: a.inputs["addonVersion"] for a in of_type(plan, "aws:eks/addon:Addon")}
    assert addons["vpc-cni"] == "v1.19.2-eksbuild.1"


# --- Access and the Kubernetes provider --------------------------------------------------------


def test_admin_roles_get_access_entries(write_stack: WriteStack) -> None:
    roles = ["arn:aws:iam::123456789012:role/platform-admins", "arn:aws:iam::123456789012:role/ci/deployer"]
    plan = run_plan(
        PROJECT_DIR, "bad", write_stack({"gateway": {"image": IMAGE}, "cluster": {"eks": {"adminRoleArns": roles}}})
    )
    entries = of_type(plan, "aws:eks/accessEntry:AccessEntry")
    assert sorted(e.inputs["principalArn"] for e in entries) == sorted(roles)
    associations = of_type(plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert sorted(a.inputs["principalArn"] for a in associations) == sorted(roles)
    for association in associations:
        assert association.inputs["policyArn"].endswith(":cluster-access-policy/AmazonEKSClusterAdminPolicy")
        assert association.inputs["accessScope"] == {"type": "cluster"}


def test_every_resource_is_a_child_of_one_of_the_packages_components(repo_stack: str) -> None:
    """DESIGN: every component registers its children with parent=self, so `pulumi stack` shows each
    resource under the block that made it and a consumer's ResourceOptions (providers, protect)
    reach it. Only the providers the program makes hang from the stack."""
    plan = planned(repo_stack)
    by_urn = {r.urn: r for r in plan.resources}

    def owner(resource: PlannedResource) -> str:
        """The type of the first component above ``resource`` (a resource may hang from another,
        as a role's policy attachment does)."""
        above = by_urn.get(resource.parent)
        while above is not None and above.custom:
            above = by_urn.get(above.parent)
        return above.type if above is not None else resource.parent

    orphans = [
        f"{r.type} {r.name} under {owner(r)}"
        for r in plan.resources
        if r.custom and not r.type.startswith("pulumi:providers:") and not owner(r).startswith("runmcp:index:")
    ]
    assert len(plan.custom_resources()) > 50
    assert orphans == []


def test_every_kubernetes_resource_uses_the_provider_built_from_the_cluster(repo_stack: str) -> None:
    plan = planned(repo_stack)
    (provider,) = [r for r in plan.resources if r.type == "pulumi:providers:kubernetes"]
    in_cluster = [r for r in plan.custom_resources("kubernetes:")]
    assert len(in_cluster) >= 10
    for resource in in_cluster:
        assert resource.provider == provider.urn, f"{resource.name} uses {resource.provider or 'the default provider'}"
    assert provider.inputs["kubeconfig"] == "[secret]"
    # Objects are applied only once nodes and add-ons exist to run them.
    for group in of_type(plan, "aws:eks/nodeGroup:NodeGroup"):
        assert group.urn in provider.dependencies
    assert plan.outputs["kubeconfig"] == "[secret]"
    assert plan.outputs["clusterName"] == single(plan, "aws:eks/cluster:Cluster").inputs["name"]


def test_kubeconfig_authenticates_with_short_lived_tokens() -> None:
    config = json.loads(kubeconfig("runmcp-prod", "https://example.eks.amazonaws.com", "Q0E=", "eu-west-1"))
    (user,) = config["users"]
    assert user["user"]["exec"]["command"] == "aws"
    assert user["user"]["exec"]["args"] == [
        "eks",
        "get-token",
        "--cluster-name",
        "runmcp-prod",
        "--region",
        "eu-west-1",
    ]
    assert "token" not in user["user"]
    assert config["clusters"][0]["cluster"]["server"] == "https://example.eks.amazonaws.com"


# --- Node autoscaling --------------------------------------------------------------------------


def test_cluster_autoscaler_matches_the_cluster_and_may_scale_only_its_node_groups(repo_stack: str) -> None:
    plan = planned(repo_stack)
    (release,) = [
        r.inputs for r in of_type(plan, "kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "cluster-autoscaler"
    ]
    version = stack_config(repo_stack)["cluster"]["kubernetesVersion"]
    assert release["chart"] == "cluster-autoscaler"
    assert release["version"] == planned(repo_stack).settings.cluster.eks.cluster_autoscaler.chart_version
    assert release["values"]["image"]["tag"].startswith(f"v{version}.")
    assert release["values"]["autoDiscovery"]["clusterName"] == single(plan, "aws:eks/cluster:Cluster").inputs["name"]
    assert release["values"]["awsRegion"] == "us-east-1"

    (identity,) = [
        r.inputs
        for r in of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if r.name.startswith("runmcp-cluster-autoscaler")
    ]
    assert (identity["namespace"], identity["serviceAccount"]) == (
        release["namespace"],
        release["values"]["rbac"]["serviceAccount"]["name"],
    )
    (policy,) = [
        json.loads(r.inputs["policy"])
        for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy")
        if r.name.startswith("runmcp-cluster-autoscaler")
    ]
    (write,) = [s for s in policy["Statement"] if set(s["Action"]) == set(WRITE_ACTIONS)]
    groups = of_type(plan, "aws:eks/nodeGroup:NodeGroup")
    assert len(write["Resource"]) == len(groups)
    for arn in write["Resource"]:
        assert arn.startswith("arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/eks-")
    assert all(
        a.startswith(("autoscaling:Describe", "ec2:Describe", "ec2:Get", "eks:Describe"))
        for s in policy["Statement"]
        if s is not write
        for a in s["Action"]
    )


def test_cluster_autoscaler_balances_zones_and_requests_what_the_capacity_check_counts(repo_stack: str) -> None:
    """The chart's values that decide how nodes follow the pods (cluster autoscaler FAQ: similar node
    groups balanced across zones, the least-waste expander, and the unneeded time from the stack),
    from the chart's own repository (its README: helm repo add autoscaler
    https://kubernetes.github.io/autoscaler), a ServiceAccount of the name the Pod Identity
    association names, and the requests the capacity check counts for it."""
    plan = planned(repo_stack)
    (release,) = [
        r.inputs for r in of_type(plan, "kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "cluster-autoscaler"
    ]
    settings = plan.settings.cluster.eks.cluster_autoscaler
    values = release["values"]
    assert release["repositoryOpts"] == {"repo": "https://kubernetes.github.io/autoscaler"}
    # One release of a fixed name per cluster (`helm -n runmcp-system status cluster-autoscaler`); a
    # second would collide instead of running two autoscalers over the same node groups.
    assert release["name"] == "cluster-autoscaler"
    assert values["cloudProvider"] == "aws"
    assert values["extraArgs"] == {
        "balance-similar-node-groups": "true",
        "expander": "least-waste",
        "scale-down-unneeded-time": settings.scale_down_unneeded_time,
    }
    assert values["rbac"]["serviceAccount"]["create"] is True
    assert values["resources"] == {"requests": CLUSTER_AUTOSCALER_REQUESTS.as_kubernetes()}


def test_autoscaler_images_cover_every_supported_version() -> None:
    from components.settings import SUPPORTED_KUBERNETES_VERSIONS

    assert set(IMAGE_TAGS) == set(SUPPORTED_KUBERNETES_VERSIONS)
    assert all(tag.startswith(f"v{minor}.") for minor, tag in IMAGE_TAGS.items())


# --- Existing cluster --------------------------------------------------------------------------


def test_existing_cluster_mode_creates_no_aws_resources() -> None:
    plan = planned("existing")
    assert plan.custom_resources("aws:") == []
    assert [r for r in plan.resources if r.type.startswith("runmcp:index:EksCluster")] == []
    (provider,) = [r for r in plan.resources if r.type == "pulumi:providers:kubernetes"]
    assert provider.inputs["context"] == "test-context"
    assert all(r.provider == provider.urn for r in plan.custom_resources("kubernetes:"))
    assert "clusterName" not in plan.outputs


# --- Settings ----------------------------------------------------------------------------------

BAD_CLUSTER = {
    "both modes": ({"eks": {}, "existing": {}}, "cluster", "not both"),
    "unknown instance type": (
        {"eks": {"nodeGroups": {"general": {"instanceTypes": ["m9z.huge"]}}}},
        "cluster.eks.nodeGroups.general.instanceTypes.0",
        "capacity table",
    ),
    "mixed architectures": (
        {"eks": {"nodeGroups": {"general": {"instanceTypes": ["m6i.large", "m7g.large"]}}}},
        "cluster.eks.nodeGroups.general.instanceTypes",
        "mixes x86_64 and arm64",
    ),
    "node group min above max": (
        {"eks": {"nodeGroups": {"general": {"minSize": 5, "maxSize": 4}}}},
        "cluster.eks.nodeGroups.general.minSize",
        "greater than maxSize",
    ),
    "existing vpc with a cidr": (
        {
            "eks": {
                "network": {
                    "cidr": "10.1.0.0/16",
                    "existing": {"vpcId": "vpc-0abc12345", "privateSubnetIds": ["subnet-0aa11111", "subnet-0bb22222"]},
                }
            }
        },
        "cluster.eks.network.cidr",
        "has no effect with network.existing",
    ),
    "two keys": (
        {"eks": {"secretsEncryption": {"createKey": True, "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/abc"}}},
        "cluster.eks.secretsEncryption",
        "not both",
    ),
    "vpc too small": ({"eks": {"network": {"cidr": "10.0.0.0/24"}}}, "cluster.eks.network.cidr", "/16 to /20"),
    "bad admin arn": ({"eks": {"adminRoleArns": ["admin"]}}, "cluster.eks.adminRoleArns.0", "not an IAM role ARN"),
    "log type typo": ({"eks": {"logging": {"types": ["audits"]}}}, "cluster.eks.logging.types.0", "audit"),
}


@pytest.mark.parametrize("case", BAD_CLUSTER, ids=list(BAD_CLUSTER))
def test_bad_cluster_settings_name_file_and_key(case: str, write_stack: WriteStack) -> None:
    cluster, key, fragment = BAD_CLUSTER[case]
    assert_refused(write_stack({"gateway": {"image": IMAGE}, "cluster": cluster}), key, fragment)


def test_an_eks_stack_needs_a_region(write_stack: WriteStack) -> None:
    with pytest.raises(SettingsError) as caught:
        run_plan(PROJECT_DIR, "bad", write_stack({"gateway": {"image": IMAGE}}, region=None))
    assert caught.value.lines() == [
        "Pulumi.bad.yaml: aws:region: is required to make an EKS cluster: pulumi config set aws:region <region>"
    ]


def test_more_zones_than_the_region_has_is_a_clear_error(write_stack: WriteStack) -> None:
    import pulumi

    path = write_stack(
        {"gateway": {"image": IMAGE}, "cluster": {"eks": {"network": {"availabilityZones": 4}}}}, region="eu-west-1"
    )
    with pytest.raises(pulumi.RunError, match="availabilityZones is 4, but the region has 3 usable zones"):
        run_plan(PROJECT_DIR, "bad", path)
    result = cli("plan", "bad", "--stack-file", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "runmcp-gateway:cluster.eks.network.availabilityZones is 4" in result.stderr


def _zone_ids(plan: Plan) -> set[str]:
    return {s.inputs["availabilityZoneId"] for s in of_type(plan, "aws:ec2/subnet:Subnet")}


def test_zones_are_chosen_by_id_and_skip_those_eks_refuses(write_stack: WriteStack) -> None:
    # The mock account maps us-east-1a..f to use1-az4, az3, az1, az6, az2, az5 (names differ per
    # account). use1-az3 offers t3.large here, so only the EKS rule keeps it out: EKS refuses cluster
    # subnets in use1-az3 (EKS user guide, subnet requirements).
    path = write_stack(
        {
            "gateway": {"image": IMAGE},
            "cluster": {
                "eks": {"network": {"availabilityZones": 3}, "nodeGroups": {"g": {"instanceTypes": ["t3.large"]}}}
            },
        }
    )
    plan = run_plan(PROJECT_DIR, "bad", path)
    assert _zone_ids(plan) == {"use1-az4", "use1-az1", "use1-az6"}
    # The Name tag carries this account's name of the zone.
    named = {
        (s.inputs["availabilityZoneId"], s.inputs["tags"]["Name"][-10:]) for s in of_type(plan, "aws:ec2/subnet:Subnet")
    }
    assert named == {("use1-az4", "us-east-1a"), ("use1-az1", "us-east-1c"), ("use1-az6", "us-east-1d")}
    assert "use1-az3" not in _zone_ids(planned("prod"))


def test_five_of_six_us_east_1_zones_are_usable(write_stack: WriteStack) -> None:
    import pulumi

    path = write_stack(
        {
            "gateway": {"image": IMAGE},
            "cluster": {
                "eks": {"network": {"availabilityZones": 6}, "nodeGroups": {"g": {"instanceTypes": ["t3.large"]}}}
            },
        }
    )
    with pytest.raises(pulumi.RunError) as caught:
        run_plan(PROJECT_DIR, "bad", path)
    assert "the region has 5 usable zones" in str(caught.value)
    assert "us-east-1b (use1-az3): EKS does not support it" in str(caught.value)


def test_zones_must_offer_every_node_instance_type(write_stack: WriteStack) -> None:
    import pulumi

    # In the mock account usw2-az4 lacks the 7th-generation Graviton types, as a newer zone can
    # (EC2 DescribeInstanceTypeOfferings, location type availability-zone-id).
    config = {
        "gateway": {"image": IMAGE},
        "cluster": {
            "eks": {
                "network": {"availabilityZones": 4},
                "nodeGroups": {"a": {"instanceTypes": ["m6g.large"]}, "b": {"instanceTypes": ["m7g.large"]}},
            }
        },
    }
    with pytest.raises(pulumi.RunError) as caught:
        run_plan(PROJECT_DIR, "bad", write_stack(config, region="us-west-2"))
    assert "the region has 3 usable zones" in str(caught.value)
    assert "(usw2-az4): does not offer m7g.large" in str(caught.value)
    config["cluster"]["eks"]["network"]["availabilityZones"] = 3  # type: ignore[index]
    plan = run_plan(PROJECT_DIR, "bad", write_stack(config, region="us-west-2"))
    assert _zone_ids(plan) == {"usw2-az1", "usw2-az2", "usw2-az3"}


def test_usable_zones_keep_name_order_and_say_why_others_are_passed_over() -> None:
    from components.network import usable_zones

    usable, skipped = usable_zones(
        ["us-east-1d", "us-east-1b", "us-east-1c", "us-east-1a"],
        ["use1-az2", "use1-az3", "use1-az1", "use1-az4"],
        {"use1-az4": {"m6i.large"}, "use1-az3": {"m6i.large"}, "use1-az1": set(), "use1-az2": {"m6i.large"}},
        ["m6i.large"],
    )
    assert [z.name for z in usable] == ["us-east-1a", "us-east-1d"]
    assert skipped == [
        "us-east-1b (use1-az3): EKS does not support it",
        "us-east-1c (use1-az1): does not offer m6i.large",
    ]


def test_the_mock_cloud_refuses_a_cluster_in_a_zone_eks_does_not_support(
    write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    import components.network
    from components.offline.aws_mocks import AwsRefusal

    # Without the program's rule, the plan must fail as EKS would: the mock cloud knows the zone.
    monkeypatch.setattr(components.network, "UNSUPPORTED_EKS_ZONE_IDS", frozenset())
    path = write_stack(
        {
            "gateway": {"image": IMAGE},
            "cluster": {
                "eks": {"network": {"availabilityZones": 3}, "nodeGroups": {"g": {"instanceTypes": ["t3.large"]}}}
            },
        }
    )
    with pytest.raises(AwsRefusal, match="UnsupportedAvailabilityZoneException: subnets in use1-az3"):
        run_plan(PROJECT_DIR, "bad", path)


# --- Capacity ----------------------------------------------------------------------------------


def _capacity(settings: StackSettings) -> str | None:
    problems = [p for p in _cross_field_problems(settings) if p.key == "scaling.maxReplicas"]
    return problems[0].message if problems else None


def test_both_stacks_fit_their_node_groups(repo_stack: str) -> None:
    assert _capacity(planned(repo_stack).settings) is None


def test_capacity_check_fails_one_replica_past_the_limit() -> None:
    """Find the largest maxReplicas the prod node groups hold: it passes, one more fails."""
    prod = planned("prod").settings
    fits = 1
    while (
        _capacity(prod.model_copy(update={"scaling": prod.scaling.model_copy(update={"max_replicas": fits + 1})}))
        is None
    ):
        fits += 1
        assert fits < 1000
    group = prod.cluster.eks.node_groups["general"]
    free = allocatable(INSTANCE_TYPES[group.instance_types[0]])
    # Roughly the node groups' CPU over the pod's request: the arithmetic is not off by orders.
    assert fits <= group.max_size * free.cpu_m / 500 < fits * 1.5
    message = _capacity(prod.model_copy(update={"scaling": prod.scaling.model_copy(update={"max_replicas": fits + 1})}))
    assert message is not None
    assert "short by" in message
    assert "cluster.eks.nodeGroups.general.maxSize to 10" in message


def test_undersized_node_groups_fail_the_plan_with_what_to_change(write_stack: WriteStack) -> None:
    path = write_stack(
        {
            "gateway": {
                "image": IMAGE,
                "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
            },
            "scaling": {"minReplicas": 2, "maxReplicas": 20},
            "cluster": {"eks": {"nodeGroups": {"web": {"instanceTypes": ["m6i.large"], "minSize": 2, "maxSize": 4}}}},
        }
    )
    with pytest.raises(SettingsError) as caught:
        run_plan(PROJECT_DIR, "bad", path)
    (line,) = caught.value.lines()
    assert line.startswith("Pulumi.bad.yaml: runmcp-gateway:scaling.maxReplicas: 20 gateway pods need 20000m CPU")
    assert "(web: 4 x m6i.large)" in line
    assert "short by" in line
    assert "CPU" in line
    assert "Raise cluster.eks.nodeGroups.web.maxSize to" in line
    assert "lower scaling.maxReplicas" in line


def test_a_pod_larger_than_any_node_is_refused(write_stack: WriteStack) -> None:
    path = write_stack({"gateway": {"image": IMAGE, "resources": {"requests": {"cpu": "4"}, "limits": {}}}})
    with pytest.raises(SettingsError, match=r"one gateway pod .* fits on no node"):
        run_plan(PROJECT_DIR, "bad", path)


def test_tainted_node_groups_do_not_count(write_stack: WriteStack) -> None:
    taint = [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]
    path = write_stack({"gateway": {"image": IMAGE}, "cluster": {"eks": {"nodeGroups": {"batch": {"taints": taint}}}}})
    with pytest.raises(SettingsError, match="no node can run the gateway"):
        run_plan(PROJECT_DIR, "bad", path)


def test_allocatable_follows_the_eks_ami_reservations() -> None:
    m6i_large = allocatable(INSTANCE_TYPES["m6i.large"])
    assert m6i_large.cpu_m == 2000 - 60 - 10
    assert m6i_large.pods == 29
    assert m6i_large.memory_mib == pytest.approx(8192 * 0.95 - (255 + 11 * 29) - 100)
    assert allocatable(INSTANCE_TYPES["m6i.2xlarge"]).cpu_m == 8000 - 60 - 10 - 10 - 10


def test_existing_vpc_is_used_as_given(write_stack: WriteStack) -> None:
    private = ["subnet-0aa1111111111111a", "subnet-0bb2222222222222b", "subnet-0cc3333333333333c"]
    public = ["subnet-0dd4444444444444d", "subnet-0ee5555555555555e"]
    existing = {"vpcId": "vpc-0123456789abcdef0", "privateSubnetIds": private, "publicSubnetIds": public}
    plan = run_plan(
        PROJECT_DIR,
        "bad",
        write_stack({"gateway": {"image": IMAGE}, "cluster": {"eks": {"network": {"existing": existing}}}}),
    )
    assert plan.custom_resources("aws:ec2/vpc:") == []
    assert plan.custom_resources("aws:ec2/subnet:") == []
    assert plan.custom_resources("aws:ec2/natGateway:") == []
    assert single(plan, "aws:eks/cluster:Cluster").inputs["vpcConfig"]["subnetIds"] == private
    for group in of_type(plan, "aws:eks/nodeGroup:NodeGroup"):
        assert group.inputs["subnetIds"] == private
    assert single(plan, "aws:lb/loadBalancer:LoadBalancer").inputs["subnets"] == public


def test_nothing_in_the_private_subnets_starts_before_their_way_out(repo_stack: str) -> None:
    """Nodes, the control plane and the provider wait for NAT and the private routes (and, on
    destroy, go before them): nodes must reach ECR, EKS and STS to join and to run add-ons."""
    plan = planned(repo_stack)
    nats = {r.urn for r in of_type(plan, "aws:ec2/natGateway:NatGateway")}
    routes = {
        r.urn for r in of_type(plan, "aws:ec2/routeTableAssociation:RouteTableAssociation") if "private" in r.name
    }
    assert nats
    assert routes
    for resource in [single(plan, "aws:eks/cluster:Cluster"), *of_type(plan, "aws:eks/nodeGroup:NodeGroup")]:
        assert nats | routes <= set(resource.dependencies), resource.name


# --- Destroy, then up again ----------------------------------------------------------------------


def _imports_in_account_with(log_groups: set[str], stack: str = "prod") -> list[tuple[str, str, str]]:
    """(type, name, import ID) of every resource the program adopts, in an account that already
    holds ``log_groups``."""
    mocks = CloudMocks(region="us-east-1")
    assert mocks.aws is not None
    mocks.aws.log_groups |= log_groups
    monitor, _ = run_program(PROJECT_DIR, stack, read_stack_file(stack_path(stack)), monitor=RecordingMonitor(mocks))
    return [(r.type, r.name, r.import_id) for r in monitor.recorded if r.import_id]


def test_up_after_destroy_adopts_the_log_group_eks_made_again() -> None:
    """EKS writes to /aws/eks/<cluster>/cluster while it deletes the cluster and makes the group
    again; a plain create would then fail with ResourceAlreadyExistsException. The group is adopted."""
    group = "/aws/eks/runmcp-prod/cluster"
    imports = _imports_in_account_with({group})
    assert imports == [("aws:cloudwatch/logGroup:LogGroup", "runmcp-cluster-control-plane", group)]


def test_a_fresh_account_creates_the_log_group_and_a_stray_one_would_be_refused() -> None:
    assert _imports_in_account_with(set()) == []
    # The mock cloud refuses a create over an existing group, as CloudWatch Logs does: without the
    # adoption, the rebuild would fail.
    from components.offline.aws_mocks import AwsAnswers

    answers = AwsAnswers("us-east-1")
    answers.log_groups.add("/aws/eks/x/cluster")
    with pytest.raises(AwsRefusal, match="ResourceAlreadyExistsException"):
        answers._refuse("cloudwatch/logGroup:LogGroup", "g", {"name": "/aws/eks/x/cluster"})


def test_tagged_aws_resources_say_which_project_and_stack_own_them(repo_stack: str) -> None:
    """Physical names are generated, so the tags (platform.aws_tags) are how a person or a cost
    report finds what owns a resource: project, stack and managed-by on everything tagged, the
    cluster's roles among them."""
    plan = planned(repo_stack)
    tagged = {r.name: r.inputs["tags"] for r in plan.resources if r.type.startswith("aws:") and r.inputs.get("tags")}
    assert {"runmcp-cluster-eks", "runmcp-cluster-control-plane", "runmcp-cluster-node"} <= set(tagged)
    # Every IAM role, the add-ons' and the controllers' Pod Identity roles included.
    roles = {r.name for r in of_type(plan, "aws:iam/role:Role")}
    assert roles <= set(tagged), roles - set(tagged)
    owner = {"project": "runmcp-gateway", "stack": repo_stack, "managed-by": "pulumi"}
    assert {name: {k: tags.get(k) for k in owner} for name, tags in tagged.items()} == dict.fromkeys(tagged, owner)


def test_node_counts_and_helm_releases_survive_a_later_up(repo_stack: str) -> None:
    """The cluster autoscaler sets the node groups' desired size: a later `pulumi up` must leave it
    (the Terraform AWS provider's aws_eks_node_group docs: ignore_changes on desired_size), or it
    would reset the nodes to the stack's initial count. A Helm release is replaced by deleting it
    first: a new one would find the old one's cluster-scoped objects, which Helm refuses to adopt."""
    plan = planned(repo_stack)
    groups = of_type(plan, "aws:eks/nodeGroup:NodeGroup")
    assert groups
    assert all(g.ignore_changes == ("scalingConfig.desiredSize",) for g in groups)
    releases = of_type(plan, "kubernetes:helm.sh/v3:Release")
    assert {r.inputs["chart"] for r in releases} >= {"cluster-autoscaler"}
    assert all(r.delete_before_replace for r in releases)


def test_the_cluster_autoscaler_starts_after_its_pod_identity(repo_stack: str) -> None:
    """EKS Pod Identity gives credentials to pods created after the association exists (its agent
    is told at pod admission): an autoscaler started before it has no AWS credentials until restarted."""
    plan = planned(repo_stack)
    (release,) = [
        r for r in of_type(plan, "kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "cluster-autoscaler"
    ]
    (association,) = [
        r
        for r in of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if r.inputs["serviceAccount"] == release.inputs["values"]["rbac"]["serviceAccount"]["name"]
    ]
    assert association.urn in release.dependencies
