"""Facts the cloud decides, pinned against what the program plans.

Each test states a fact about AWS, EKS or Kubernetes and where it is published, and compares the
planned resources with a literal written from that source (not with the constant the program uses),
so a wrong fact in the program fails here rather than at `pulumi up` or, worse, silently afterwards.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest
import yaml

from components.capacity import ENI_MAX_PODS, INSTANCE_TYPES
from components.cluster import kubeconfig
from components.offline.runner import Plan, PlannedResource, run_plan
from tests.conftest import IMAGE, PROJECT_DIR, REPO_STACKS, objects, of_type, planned, single, without_drills

# --- Instance types -------------------------------------------------------------------------------
#
# vCPUs and memory: "Amazon EC2 instance type specifications", general purpose
# (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html), compute optimized (.../co.html) and
# memory optimized (.../mo.html). Network interfaces and IPv4 addresses per interface: "Maximum IP
# addresses per network interface" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AvailableIpPerENI.html,
# now the "Network specifications" tables of the same instance type pages). Graviton (the `g`
# families) is arm64. Written here by hand, independently of components/capacity.py.
#
# type: (vCPUs, memory GiB, architecture, network interfaces, IPv4 addresses per interface)
EC2: dict[str, tuple[int, int, str, int, int]] = {
    "t3.medium": (2, 4, "x86_64", 3, 6),
    "t3.large": (2, 8, "x86_64", 3, 12),
    "t3.xlarge": (4, 16, "x86_64", 4, 15),
    "t3a.medium": (2, 4, "x86_64", 3, 6),
    "t3a.large": (2, 8, "x86_64", 3, 12),
    "t4g.medium": (2, 4, "arm64", 3, 6),
    "t4g.large": (2, 8, "arm64", 3, 12),
    "m5.large": (2, 8, "x86_64", 3, 10),
    "m5.xlarge": (4, 16, "x86_64", 4, 15),
    "m5.2xlarge": (8, 32, "x86_64", 4, 15),
    "m6i.large": (2, 8, "x86_64", 3, 10),
    "m6i.xlarge": (4, 16, "x86_64", 4, 15),
    "m6i.2xlarge": (8, 32, "x86_64", 4, 15),
    "m6a.large": (2, 8, "x86_64", 3, 10),
    "m6a.xlarge": (4, 16, "x86_64", 4, 15),
    "m6a.2xlarge": (8, 32, "x86_64", 4, 15),
    "m7i.large": (2, 8, "x86_64", 3, 10),
    "m7i.xlarge": (4, 16, "x86_64", 4, 15),
    "m7i.2xlarge": (8, 32, "x86_64", 4, 15),
    "m7a.large": (2, 8, "x86_64", 3, 10),
    "m7a.xlarge": (4, 16, "x86_64", 4, 15),
    "m7a.2xlarge": (8, 32, "x86_64", 4, 15),
    "m6g.large": (2, 8, "arm64", 3, 10),
    "m6g.xlarge": (4, 16, "arm64", 4, 15),
    "m6g.2xlarge": (8, 32, "arm64", 4, 15),
    "m7g.large": (2, 8, "arm64", 3, 10),
    "m7g.xlarge": (4, 16, "arm64", 4, 15),
    "m7g.2xlarge": (8, 32, "arm64", 4, 15),
    "c6i.large": (2, 4, "x86_64", 3, 10),
    "c6i.xlarge": (4, 8, "x86_64", 4, 15),
    "c6i.2xlarge": (8, 16, "x86_64", 4, 15),
    "c7i.large": (2, 4, "x86_64", 3, 10),
    "c7i.xlarge": (4, 8, "x86_64", 4, 15),
    "c7i.2xlarge": (8, 16, "x86_64", 4, 15),
    "c6g.large": (2, 4, "arm64", 3, 10),
    "c6g.xlarge": (4, 8, "arm64", 4, 15),
    "c6g.2xlarge": (8, 16, "arm64", 4, 15),
    "c7g.large": (2, 4, "arm64", 3, 10),
    "c7g.xlarge": (4, 8, "arm64", 4, 15),
    "c7g.2xlarge": (8, 16, "arm64", 4, 15),
    "r6i.large": (2, 16, "x86_64", 3, 10),
    "r6i.xlarge": (4, 32, "x86_64", 4, 15),
    "r6i.2xlarge": (8, 64, "x86_64", 4, 15),
    "r7i.large": (2, 16, "x86_64", 3, 10),
    "r7i.xlarge": (4, 32, "x86_64", 4, 15),
    "r7i.2xlarge": (8, 64, "x86_64", 4, 15),
    "r6g.large": (2, 16, "arm64", 3, 10),
    "r6g.xlarge": (4, 32, "arm64", 4, 15),
    "r6g.2xlarge": (8, 64, "arm64", 4, 15),
    "r7g.large": (2, 16, "arm64", 3, 10),
    "r7g.xlarge": (4, 32, "arm64", 4, 15),
    "r7g.2xlarge": (8, 64, "arm64", 4, 15),
}


def test_the_capacity_table_knows_exactly_the_documented_types() -> None:
    assert set(INSTANCE_TYPES) == set(EC2)
    assert set(ENI_MAX_PODS) == set(EC2), "the max-pods data holds only the types the capacity table has"


@pytest.mark.parametrize("instance_type", sorted(EC2))
def test_vcpus_memory_and_architecture_per_instance_type(instance_type: str) -> None:
    vcpus, gib, architecture, _, _ = EC2[instance_type]
    known = INSTANCE_TYPES[instance_type]
    assert (known.vcpus, known.memory_mib, known.architecture) == (vcpus, gib * 1024, architecture)


@pytest.mark.parametrize("instance_type", sorted(EC2))
def test_max_pods_agrees_with_the_ec2_network_limits(instance_type: str) -> None:
    """Two published sources must agree: the EKS AMI's eni-max-pods figure (components/capacity.py
    names the file and commit) and the VPC CNI's formula over EC2's per-type network limits,
    ENIs x (IPv4 addresses per ENI - 1) + 2 (the primary address of each ENI is the node's, and
    host-network pods such as aws-node and kube-proxy take no address: the + 2). The capacity check
    uses the published figure."""
    _, _, _, enis, addresses = EC2[instance_type]
    assert ENI_MAX_PODS[instance_type] == enis * (addresses - 1) + 2
    assert INSTANCE_TYPES[instance_type].max_pods == ENI_MAX_PODS[instance_type]


# --- AMI types, taints, kubeconfig ----------------------------------------------------------------

# EKS API reference, Nodegroup.amiType / CreateNodegroup amiType
# (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html#AmazonEKS-CreateNodegroup-request-amiType):
# AL2023_x86_64_STANDARD and AL2023_ARM_64_STANDARD are the Amazon Linux 2023 AMIs per architecture.
AMI_TYPE_BY_ARCHITECTURE = {"x86_64": "AL2023_x86_64_STANDARD", "arm64": "AL2023_ARM_64_STANDARD"}
# EKS API reference, Taint.effect (https://docs.aws.amazon.com/eks/latest/APIReference/API_Taint.html):
# NO_SCHEDULE | NO_EXECUTE | PREFER_NO_SCHEDULE, the Kubernetes NoSchedule, NoExecute, PreferNoSchedule.
EKS_TAINT_EFFECT = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}
TAINTS = [
    {"key": "dedicated", "value": "batch", "effect": "NoSchedule"},
    {"key": "spot", "effect": "NoExecute"},
    {"key": "arm", "value": "true", "effect": "PreferNoSchedule"},
]


@pytest.fixture(scope="module")
def mixed_nodes(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    """An x86 node group, and a tainted Graviton one."""
    config = {
        "runmcp-gateway:gateway": {"image": IMAGE},
        "runmcp-gateway:cluster": {
            "eks": {
                "nodeGroups": {
                    "general": {"instanceTypes": ["m6i.large"]},
                    "graviton": {"instanceTypes": ["m7g.large", "c7g.xlarge"], "taints": TAINTS},
                }
            }
        },
        "aws:region": "us-east-1",
    }
    path = tmp_path_factory.mktemp("mixed") / "Pulumi.mixed.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return run_plan(PROJECT_DIR, "mixed", path)


def node_group(plan: Plan, name: str) -> dict[str, Any]:
    (group,) = [g for g in of_type(plan, "aws:eks/nodeGroup:NodeGroup") if g.name.endswith(f"-{name}")]
    return group.inputs


def test_ami_type_per_architecture(mixed_nodes: Plan) -> None:
    assert node_group(mixed_nodes, "general")["amiType"] == AMI_TYPE_BY_ARCHITECTURE["x86_64"]
    assert node_group(mixed_nodes, "graviton")["amiType"] == AMI_TYPE_BY_ARCHITECTURE["arm64"]
    for stack in REPO_STACKS:
        for group in of_type(planned(stack), "aws:eks/nodeGroup:NodeGroup"):
            architecture = {EC2[t][2] for t in group.inputs["instanceTypes"]}
            assert len(architecture) == 1
            assert group.inputs["amiType"] == AMI_TYPE_BY_ARCHITECTURE[architecture.pop()]


def test_taint_effects_use_the_eks_api_names(mixed_nodes: Plan) -> None:
    taints = node_group(mixed_nodes, "graviton")["taints"]
    assert [(t["key"], t.get("value"), t["effect"]) for t in taints] == [
        (t["key"], t.get("value"), EKS_TAINT_EFFECT[t["effect"]]) for t in TAINTS
    ]
    assert "taints" not in node_group(mixed_nodes, "general") or node_group(mixed_nodes, "general")["taints"] == []


def test_the_literals_agree_with_the_aws_api_models() -> None:
    """Where botocore is installed, its copies of the EKS and CloudWatch API models (the AMITypes,
    TaintEffect and ComparisonOperator enums) are a third source for the literals in this module."""
    session = pytest.importorskip("botocore.session").get_session()
    eks = session.get_service_model("eks")
    assert set(AMI_TYPE_BY_ARCHITECTURE.values()) <= set(eks.shape_for("AMITypes").enum)
    assert set(EKS_TAINT_EFFECT.values()) == set(eks.shape_for("TaintEffect").enum)
    cloudwatch = session.get_service_model("cloudwatch")
    assert set(cloudwatch.shape_for("ComparisonOperator").enum) >= COMPARISON_OPERATORS


def test_kubeconfig_names_agree_and_use_the_exec_api_kubectl_reads() -> None:
    """A kubeconfig's current-context must name a context whose cluster and user exist (kubectl
    refuses it otherwise), and `aws eks get-token` prints an ExecCredential of
    client.authentication.k8s.io/v1beta1, which the exec plugin's apiVersion must name (Kubernetes,
    "client-go credential plugins": https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins;
    AWS CLI `aws eks get-token`: https://docs.aws.amazon.com/cli/latest/reference/eks/get-token.html)."""
    name = single(planned("prod"), "aws:eks/cluster:Cluster").inputs["name"]
    config = json.loads(kubeconfig(name, "https://example.eks.amazonaws.com", "Q0E=", "us-east-1"))
    assert (config["apiVersion"], config["kind"]) == ("v1", "Config")
    (context,) = config["contexts"]
    assert config["current-context"] == context["name"] == name
    assert context["context"]["cluster"] in [c["name"] for c in config["clusters"]]
    assert context["context"]["user"] in [u["name"] for u in config["users"]]
    (user,) = config["users"]
    assert user["user"]["exec"]["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert user["user"]["exec"]["args"][:4] == ["eks", "get-token", "--cluster-name", name]


# --- IAM -----------------------------------------------------------------------------------------

POD_IDENTITY_TRUST = {"Service": "pods.eks.amazonaws.com", "Action": {"sts:AssumeRole", "sts:TagSession"}}
"""EKS Pod Identity assumes the role and tags the session with the pod's attributes: the trust policy
needs both actions (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html)."""
# role (its name without the stack prefix) -> trusted service and actions, and the AWS managed policies.
ROLES: dict[str, tuple[dict[str, Any], set[str]]] = {
    # Amazon EKS cluster IAM role (https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html):
    # trusted by eks.amazonaws.com, with AmazonEKSClusterPolicy.
    "cluster-control-plane": (
        {"Service": "eks.amazonaws.com", "Action": {"sts:AssumeRole"}},
        {"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"},
    ),
    # Amazon EKS node IAM role (https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html):
    # trusted by ec2.amazonaws.com, with AmazonEKSWorkerNodePolicy and AmazonEC2ContainerRegistryPullOnly;
    # AmazonEKS_CNI_Policy goes to the VPC CNI's own role instead when it uses Pod Identity.
    "cluster-node": (
        {"Service": "ec2.amazonaws.com", "Action": {"sts:AssumeRole"}},
        {
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
        },
    ),
    # The VPC CNI add-on's role (https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html):
    # AmazonEKS_CNI_Policy (IPv4 clusters).
    "cluster-vpc-cni": (POD_IDENTITY_TRUST, {"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"}),
    # The CloudWatch Observability add-on's role
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/install-CloudWatch-Observability-EKS-addon.html):
    # CloudWatchAgentServerPolicy.
    "cluster-amazon-cloudwatch-observability": (
        POD_IDENTITY_TRUST,
        {"arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"},
    ),
    "load-balancer-controller-role": (POD_IDENTITY_TRUST, set()),
    "cluster-autoscaler-role": (POD_IDENTITY_TRUST, set()),
    # KEDA's operator (prod and staging scale on requests): reads CloudWatch through Pod Identity.
    "keda-role": (POD_IDENTITY_TRUST, set()),
}
# Add-on -> the service account its Pod Identity association names (EKS add-on docs above:
# aws-node for vpc-cni, cloudwatch-agent for amazon-cloudwatch-observability).
ADDON_SERVICE_ACCOUNTS = {"vpc-cni": "aws-node", "amazon-cloudwatch-observability": "cloudwatch-agent"}


KEDA_STACKS = {"prod", "staging"}
"""The stack files that set scaling.requestsPerReplica: KEDA and its operator's role are theirs only."""


def expected_roles(stack: str) -> dict[str, tuple[dict[str, Any], set[str]]]:
    return {k: v for k, v in ROLES.items() if k != "keda-role" or stack in KEDA_STACKS}


def roles(plan: Plan) -> dict[str, PlannedResource]:
    """The stack's roles but the drills' FIS role (tests/test_drills.py checks its trust)."""
    return {r.name.removeprefix("runmcp-"): r for r in of_type(without_drills(plan), "aws:iam/role:Role")}


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_every_role_trusts_the_right_service_with_the_right_actions(stack: str) -> None:
    found = roles(planned(stack))
    assert set(found) == set(expected_roles(stack))
    for name, (trust, _) in expected_roles(stack).items():
        (statement,) = json.loads(found[name].inputs["assumeRolePolicy"])["Statement"]
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] == {"Service": trust["Service"]}, name
        assert set(statement["Action"]) == trust["Action"], name


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_managed_policies_per_role(stack: str) -> None:
    plan = planned(stack)
    attached: dict[str, set[str]] = {name: set() for name in ROLES}
    for attachment in of_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        attached[attachment.parent.rsplit("::", 1)[-1].removeprefix("runmcp-")].add(attachment.inputs["policyArn"])
    assert attached == {name: policies for name, (_, policies) in ROLES.items()}


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_addon_roles_go_to_the_service_accounts_the_addons_run_as(stack: str) -> None:
    plan = planned(stack)
    role_arns = {r.name.removeprefix("runmcp-"): r.resource_id for r in of_type(plan, "aws:iam/role:Role")}
    for addon in of_type(plan, "aws:eks/addon:Addon"):
        name = addon.inputs["addonName"]
        associations = addon.inputs.get("podIdentityAssociations") or []
        if name not in ADDON_SERVICE_ACCOUNTS:
            assert associations == [], name
            continue
        (association,) = associations
        assert association["serviceAccount"] == ADDON_SERVICE_ACCOUNTS[name]
        assert association["roleArn"].rsplit("/", 1)[-1] == role_arns[f"cluster-{name}"].rsplit("/", 1)[-1]


def inline_policy(plan: Plan, role_prefix: str) -> list[dict[str, Any]]:
    """Every statement of the inline policies on one role (the load balancer controller's role has
    its own, and one per gateway that lets it bind that gateway's target groups)."""
    policies = [r for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if r.name.startswith(role_prefix)]
    assert len({r.inputs["role"] for r in policies}) == 1
    return [s for r in policies for s in json.loads(r.inputs["policy"])["Statement"]]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# kubernetes/autoscaler, cluster-autoscaler/cloudprovider/aws/README.md, "Full Cluster Autoscaler
# Features Policy (Recommended)", at commit 55c37cd5eb550756c5ccc5a89e9068d77797e575: what auto-discovery
# and the dynamic instance list need, the read actions on "*" and the two write actions on the groups.
AUTOSCALER_READ = {
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
    "eks:DescribeNodegroup",
}
AUTOSCALER_WRITE = {"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_cluster_autoscaler_has_the_actions_its_readme_lists(stack: str) -> None:
    """The same README's minimal policy names a group as
    arn:aws:autoscaling:REGION:ACCOUNT:autoScalingGroup:*:autoScalingGroupName/NAME."""
    plan = planned(stack)
    statements = inline_policy(plan, "runmcp-cluster-autoscaler")
    granted = {a for s in statements for a in as_list(s["Action"])}
    assert granted == AUTOSCALER_READ | AUTOSCALER_WRITE
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = set(as_list(statement["Action"]))
        if actions & AUTOSCALER_WRITE:
            assert actions == AUTOSCALER_WRITE
            resources = as_list(statement["Resource"])
            assert resources
            assert "*" not in resources
            for arn in resources:
                prefix = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/"
                assert arn.startswith(prefix), arn
                assert "/" not in arn.removeprefix(prefix), arn
        else:
            # The README's read statement: "Resource": ["*"] (Describe calls take no resource ARN).
            assert as_list(statement["Resource"]) == ["*"]


# kubernetes-sigs/aws-load-balancer-controller, docs/install/iam_policy.json at commit
# 225f44568848eb25f13e304a5f1cc68c0cd9415d: the actions the controller's recommended policy grants,
# of which the program grants a subset (it only binds targets). A misspelt or invented action fails here.
CONTROLLER_UPSTREAM_ACTIONS = {
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeTags",
    "ec2:GetCoipPoolUsage",
    "ec2:DescribeCoipPools",
    "ec2:GetSecurityGroupsForVpc",
    "ec2:DescribeIpamPools",
    "ec2:DescribeRouteTables",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTrustStores",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeCapacityReservation",
    "elasticloadbalancing:RegisterTargets",
    "elasticloadbalancing:DeregisterTargets",
}
# What a TargetGroupBinding's reconciliation calls: the target group and its health, the pods' ENIs
# and instances (ip targets), and the two writes.
CONTROLLER_BINDS = {
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
}
CONTROLLER_WRITE = {"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"}


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_load_balancer_controller_actions_exist_and_writes_are_scoped(stack: str) -> None:
    statements = inline_policy(planned(stack), "runmcp-load-balancer-controller")
    granted = {a for s in statements for a in as_list(s["Action"])}
    assert granted <= CONTROLLER_UPSTREAM_ACTIONS, granted - CONTROLLER_UPSTREAM_ACTIONS
    assert granted >= CONTROLLER_BINDS | CONTROLLER_WRITE
    for statement in statements:
        actions = set(as_list(statement["Action"]))
        if actions & CONTROLLER_WRITE:
            # The resource's exact form (this stack's target group ARN, or a name-prefix pattern) may
            # change; it must never be every target group of the account.
            assert actions == CONTROLLER_WRITE
            assert "*" not in as_list(statement["Resource"])
        else:
            assert all(a.split(":", 1)[1].startswith(("Describe", "Get")) for a in actions), actions


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_pod_identity_goes_to_the_service_accounts_the_charts_create(stack: str) -> None:
    plan = planned(stack)
    found = {
        (r.inputs["namespace"], r.inputs["serviceAccount"])
        for r in of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
    }
    # Both controllers run in the project's own namespace, where Pod Security restricted is enforced.
    assert found == {
        ("runmcp-system", "cluster-autoscaler"),
        ("runmcp-system", "aws-load-balancer-controller"),
        # The keda chart's operator service account (kedacore/charts keda/values.yaml serviceAccount.operator.name).
        *([("runmcp-system", "keda-operator")] if stack in KEDA_STACKS else []),
    }


# --- NetworkPolicy ---------------------------------------------------------------------------------

IMDS = ipaddress.ip_address("169.254.169.254")
"""The EC2 instance metadata service (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html),
on port 80."""
POD_IDENTITY_AGENT = ipaddress.ip_address("169.254.170.23")
"""The EKS Pod Identity agent's link-local address, port 80
(https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html); the gateway has no Pod
Identity association, so nothing there is its business."""


def gateway_policy(plan: Plan) -> dict[str, Any]:
    (policy,) = [
        p
        for p in objects(plan, "NetworkPolicy")
        if p["spec"]["podSelector"] != {} and p["metadata"]["namespace"] != "runmcp-system"
    ]
    return policy


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_dns_egress_reaches_coredns_in_kube_system(stack: str) -> None:
    """Kubernetes labels every namespace kubernetes.io/metadata.name=<name> (since 1.22:
    https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-metadata-name), and
    the EKS coredns add-on's pods carry k8s-app=kube-dns (https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html:
    `kubectl get pods -n kube-system -l k8s-app=kube-dns`). Both selectors must sit in one peer: in
    two peers they would be ORed, admitting every pod of kube-system or any pod so labelled. DNS
    is port 53 over UDP and TCP (TCP for large answers, RFC 7766)."""
    egress = gateway_policy(planned(stack))["spec"]["egress"]
    dns = [rule for rule in egress if any(p.get("port") == 53 for p in rule.get("ports", []))]
    assert len(dns) == 1
    (peer,) = dns[0]["to"]
    assert peer == {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
    }
    assert sorted((p["port"], p["protocol"]) for p in dns[0]["ports"]) == [(53, "TCP"), (53, "UDP")]


def reachable(rule: dict[str, Any], address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int) -> bool:
    """Whether an egress rule admits ``address:port`` (TCP)."""
    ports = rule.get("ports")
    if ports and not any(p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in ports):
        return False
    for peer in rule.get("to", []):
        block = peer.get("ipBlock")
        if block is None:
            continue
        if address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except", [])
        ):
            return True
    return False


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_egress_never_reaches_instance_metadata_or_the_pod_identity_agent(stack: str) -> None:
    egress = gateway_policy(planned(stack))["spec"]["egress"]
    assert egress, "egress is limited (an empty list would deny all, a missing one allow all)"
    for rule in egress:
        assert not reachable(rule, IMDS, 80), rule
        assert not reachable(rule, POD_IDENTITY_AGENT, 80), rule
        # Where a rule covers the metadata address at all, it names it in `except`.
        for peer in rule.get("to", []):
            block = peer.get("ipBlock")
            if block and IMDS in ipaddress.ip_network(block["cidr"]):
                assert "169.254.169.254/32" in block.get("except", []), block


# --- Alarms --------------------------------------------------------------------------------------
#
# CloudWatch PutMetricAlarm (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html):
# ComparisonOperator is one of GreaterThanOrEqualToThreshold | GreaterThanThreshold | LessThanThreshold |
# LessThanOrEqualToThreshold (| the anomaly-band forms); TreatMissingData one of breaching |
# notBreaching | ignore | missing ("Configuring how CloudWatch alarms treat missing data",
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data).
# Per alarm: the direction that means trouble, what silence means, and the statistic that sees it.
ALARMS: dict[str, tuple[str, str, str | None]] = {
    # ACM publishes DaysToExpiry once a day; fewer days left is the trouble.
    "certificate-expiry": ("LessThanOrEqualToThreshold", "missing", "Minimum"),
    # Utilisation above the threshold; no data means no nodes reporting, which failed-nodes and the
    # pod alarms catch.
    "node-cpu": ("GreaterThanThreshold", "notBreaching", "Maximum"),
    "node-memory": ("GreaterThanThreshold", "notBreaching", "Maximum"),
    "node-filesystem": ("GreaterThanThreshold", "notBreaching", "Maximum"),
    "failed-nodes": ("GreaterThanThreshold", "notBreaching", "Maximum"),
    # Too few healthy targets; silence from the target group is itself the failure.
    "no-healthy-targets": ("LessThanThreshold", "breaching", "Minimum"),
    # Any unhealthy target for the whole period (Minimum above 0).
    "unhealthy-targets": ("GreaterThanThreshold", "notBreaching", "Minimum"),
    # Error counts are not published while there are none: missing is good news.
    "target-5xx-rate": ("GreaterThanThreshold", "notBreaching", None),
    "load-balancer-5xx": ("GreaterThanThreshold", "notBreaching", "Sum"),
    "rejected-connections": ("GreaterThanThreshold", "notBreaching", "Sum"),
    "target-connection-errors": ("GreaterThanThreshold", "notBreaching", "Sum"),
    # Slow above the threshold; no requests, no latency.
    "latency-p95": ("GreaterThanThreshold", "notBreaching", "p95"),
    "latency-p99": ("GreaterThanThreshold", "notBreaching", "p99"),
    # A per-scrape delta of restarts: summed over a window (awscontainerinsightreceiver podstore.go).
    "container-restarts": ("GreaterThanThreshold", "notBreaching", "Sum"),
    # Fewer running pods than minReplicas; no pods reporting at all is the worst case.
    "pods-below-minimum": ("LessThanThreshold", "breaching", "Minimum"),
    # Pinned at maxReplicas for the whole window (Minimum reaching it).
    "capacity-exhausted": ("GreaterThanOrEqualToThreshold", "notBreaching", "Minimum"),
    "pod-memory-near-limit": ("GreaterThanThreshold", "notBreaching", "Maximum"),
    # Requests per target above the target for the whole window; no requests, nothing to keep up with.
    # RequestCountPerTarget's only valid statistic is Sum (ALB user guide).
    "requests-per-target-high": ("GreaterThanThreshold", "notBreaching", "Sum"),
}
COMPARISON_OPERATORS = {
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
}
MISSING_DATA = {"breaching", "notBreaching", "ignore", "missing"}


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_alarm_direction_missing_data_and_statistic(stack: str) -> None:
    found = {
        r.name.removeprefix("runmcp-alarms-"): r.inputs
        for r in of_type(planned(stack), "aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert set(found) <= set(ALARMS), f"alarms without a stated direction: {set(found) - set(ALARMS)}"
    for name, alarm in found.items():
        operator, missing, statistic = ALARMS[name]
        assert alarm["comparisonOperator"] in COMPARISON_OPERATORS
        assert alarm["treatMissingData"] in MISSING_DATA
        assert (alarm["comparisonOperator"], alarm["treatMissingData"]) == (operator, missing), name
        assert (alarm.get("statistic") or alarm.get("extendedStatistic")) == statistic, name


def test_prod_has_every_alarm() -> None:
    found = {
        r.name.removeprefix("runmcp-alarms-")
        for r in of_type(planned("prod"), "aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert found == set(ALARMS)


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_every_policy_document_is_in_the_current_policy_language(stack: str) -> None:
    """Trust, inline, key and bucket policies: Version 2012-10-17. Without it IAM reads a policy as
    2008-10-17, where policy variables are literal text, and any other value is refused as
    MalformedPolicyDocument (IAM JSON policy elements reference: Version)."""
    documents = {
        (r.name, key): json.loads(value)
        for r in without_drills(planned(stack)).resources
        for key, value in r.inputs.items()
        if key in ("assumeRolePolicy", "policy") and isinstance(value, str)
    }
    assert {name for name, key in documents if key == "assumeRolePolicy"} == {
        f"runmcp-{role}" for role in expected_roles(stack)
    }
    assert any(key == "policy" for _, key in documents)
    assert {(name, key): d.get("Version") for (name, key), d in documents.items()} == dict.fromkeys(
        documents, "2012-10-17"
    )


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_a_pod_identity_waits_for_its_roles_inline_policy(stack: str) -> None:
    """EKS hands the role to new pods as soon as the association exists: made before the role's
    inline policy, the controller's first calls would be denied."""
    plan = without_drills(planned(stack))
    inline: dict[str, set[str]] = {}
    for policy in of_type(plan, "aws:iam/rolePolicy:RolePolicy"):
        inline.setdefault(policy.inputs["role"], set()).add(policy.urn)
    associations = of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
    # The load balancer controller's, the cluster autoscaler's and KEDA's operator's.
    assert len(associations) == len(inline) == (3 if stack in KEDA_STACKS else 2)
    for association in associations:
        role = association.inputs["roleArn"].rsplit("/", 1)[-1]
        assert inline[role] & set(association.dependencies), association.name
