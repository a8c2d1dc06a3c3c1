"""The cluster the gateway runs on, and the Kubernetes provider every in-cluster resource uses.

Either an EKS cluster made for the stack (network, control plane, managed node groups, add-ons,
access entries) or an existing cluster reached through a kubeconfig. Both yield the same thing:
an explicit provider, so no in-cluster resource ever falls back to the ambient default provider.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .block_args import ArgsCheck
from .capacity import INSTANCE_TYPES
from .iam import POD_IDENTITY_PRINCIPAL, AwsAccount, ServiceRole, service_role
from .names import AUTO_NAME_SUFFIX, LAUNCH_TEMPLATE_NAME, NODE_GROUP_NAME, auto_name_fits, fitted_name
from .network import Network
from .outputs import entry_name_part, secret_text
from .settings import (
    ClusterName,
    EksAddonName,
    EksSettings,
    ExistingClusterSettings,
    KubernetesVersion,
    NodeGroupSettings,
    Problem,
    role_name_part,
)

AMI_TYPES = {"x86_64": "AL2023_x86_64_STANDARD", "arm64": "AL2023_ARM_64_STANDARD"}
TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}
ROOT_DEVICE = "/dev/xvda"
"""The root volume of Amazon Linux 2023 EKS AMIs."""

IMDS_HOP_LIMIT = 1
"""IMDSv2 responses travel one hop: processes on the node (and hostNetwork pods: aws-node, the
CloudWatch agent, Fluent Bit) reach the metadata service; ordinary pods, one hop further behind the
pod network, do not, so they cannot borrow the node role. Pods get AWS access through Pod Identity,
and the controllers that would read region or VPC from IMDS are given them explicitly."""

CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"


@dataclass(frozen=True)
class Addon:
    """An EKS add-on as this project installs it."""

    name: EksAddonName
    before_nodes: bool
    """Networking and identity must be there when the first node boots; the rest needs nodes to run on."""
    configuration: Mapping[str, object] | None = None
    service_account: str | None = None
    """Service account that gets an IAM role through Pod Identity, with these managed policies."""
    policies: Sequence[str] = ()


ADDONS: tuple[Addon, ...] = (
    # NetworkPolicy objects are only enforced when the VPC CNI's network policy agent is on.
    Addon(
        "vpc-cni",
        before_nodes=True,
        configuration={"enableNetworkPolicy": "true"},
        service_account="aws-node",
        policies=("AmazonEKS_CNI_Policy",),
    ),
    Addon("kube-proxy", before_nodes=True),
    Addon("eks-pod-identity-agent", before_nodes=True),
    Addon("coredns", before_nodes=False, configuration={"autoScaling": {"enabled": True, "minReplicas": 2}}),
    # The HPA reads pod CPU and memory from the metrics API that metrics-server serves.
    Addon("metrics-server", before_nodes=False),
    # Container Insights: the node, pod and service metrics the alarms and dashboard use.
    Addon(
        "amazon-cloudwatch-observability",
        before_nodes=False,
        service_account="cloudwatch-agent",
        policies=("CloudWatchAgentServerPolicy",),
    ),
)
ADDON_NAMESPACES = {"amazon-cloudwatch-observability": "amazon-cloudwatch"}


def kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token`: short-lived tokens, no static credentials."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority},
                }
            ],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region],
                            "interactiveMode": "Never",
                        }
                    },
                }
            ],
        }
    )


def _provider(
    name: str,
    parent: pulumi.Resource,
    kubeconfig: pulumi.Input[str] | None,
    context: str | None = None,
    depends_on: list[pulumi.Resource] | None = None,
) -> k8s.Provider:
    return k8s.Provider(
        name,
        kubeconfig=kubeconfig,
        context=context,
        # Server-side apply: the API server tracks field ownership, so Pulumi never fights the
        # HPA (or any other controller) over fields it does not set.
        enable_server_side_apply=True,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on),
    )


def given_provider(opts: pulumi.ResourceOptions | None, package: str) -> pulumi.ProviderResource | None:
    """The provider of ``package`` the caller passed in ``opts.providers`` (a mapping or a list)."""
    providers = opts.providers if opts is not None else None
    if isinstance(providers, Mapping):
        found = providers.get(package)
        return found if isinstance(found, pulumi.ProviderResource) else None
    for provider in providers or []:
        if isinstance(provider, pulumi.ProviderResource) and provider.package == package:
            return provider
    return None


def _launch_template_problems(name: str, settings: EksSettings) -> list[Problem]:
    """Each node group's launch template is auto-named from the component's name and the group's."""
    return [
        Problem(
            f"nodeGroups.{group}",
            f"the launch template {name}-{group} and Pulumi's {AUTO_NAME_SUFFIX}-character suffix exceed the "
            f"{LAUNCH_TEMPLATE_NAME.limit} characters AWS allows; shorten the group's or the component's name",
        )
        for group in settings.node_groups
        if not auto_name_fits(f"{name}-{group}", LAUNCH_TEMPLATE_NAME)
    ]


class ExistingCluster(pulumi.ComponentResource):
    """A Kubernetes cluster that already exists: the provider the caller gave for it (``given``,
    unless the settings name a kubeconfig), or one built from the settings' kubeconfig (or the
    ambient one)."""

    provider: pulumi.ProviderResource
    kubernetes_version: str
    cluster_name: pulumi.Output[str] | None = None
    kubeconfig: pulumi.Output[str] | None = None

    def __init__(
        self,
        name: str,
        settings: ExistingClusterSettings | Mapping[str, Any],
        kubernetes_version: str,
        given: pulumi.ProviderResource | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check = ArgsCheck("runmcp:index:ExistingCluster", name)
        check.value(KubernetesVersion, kubernetes_version, "kubernetesVersion")
        settings = check.settings(ExistingClusterSettings, settings)
        super().__init__("runmcp:index:ExistingCluster", name, None, opts)
        self.kubernetes_version = kubernetes_version
        if given is not None and settings.kubeconfig is None:
            self.provider = given
        else:
            config = secret_text(settings.kubeconfig) if settings.kubeconfig is not None else None
            self.provider = _provider(f"{name}-k8s", self, kubeconfig=config, context=settings.context)
        self.register_outputs({"kubernetesVersion": self.kubernetes_version})


class EksCluster(pulumi.ComponentResource):
    """An EKS cluster for one stack: its network, control plane, node groups, add-ons and provider."""

    provider: k8s.Provider
    kubernetes_version: str
    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    cluster: aws.eks.Cluster
    network: Network
    node_groups: dict[str, aws.eks.NodeGroup]
    addons: dict[str, aws.eks.Addon]
    partition: str

    def __init__(
        self,
        name: str,
        settings: EksSettings | Mapping[str, Any],
        kubernetes_version: str,
        cluster_name: str,
        tags: Mapping[str, str],
        account: AwsAccount,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check = ArgsCheck("runmcp:index:EksCluster", name)
        check.value(KubernetesVersion, kubernetes_version, "kubernetesVersion")
        check.value(ClusterName, cluster_name, "clusterName")
        settings = check.settings(EksSettings, settings)
        check.add(_launch_template_problems(name, settings))
        check.done()
        super().__init__("runmcp:index:EksCluster", name, None, opts)
        tags = dict(tags)
        self._tags = tags
        self.kubernetes_version = kubernetes_version
        self.partition = account.partition
        child = pulumi.ResourceOptions(parent=self)
        protected = pulumi.ResourceOptions(parent=self, protect=settings.protect)

        instance_types = sorted({t for group in settings.node_groups.values() for t in group.instance_types})
        self.network = Network(f"{name}-network", settings.network, tags, instance_types, opts=child)
        cluster_role = service_role(
            f"{name}-control-plane", "eks.amazonaws.com", ["AmazonEKSClusterPolicy"], self.partition, tags, self
        )
        # The VPC CNI gets its permissions through Pod Identity, so the node role does without them.
        node_role = service_role(
            f"{name}-node",
            "ec2.amazonaws.com",
            ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"],
            self.partition,
            tags,
            self,
        )

        encryption = None
        secrets = settings.secrets_encryption
        if secrets.create_key or secrets.kms_key_arn is not None:
            key_arn: pulumi.Input[str]
            if secrets.kms_key_arn is not None:
                key_arn = secrets.kms_key_arn
            else:
                key_arn = aws.kms.Key(
                    f"{name}-secrets",
                    description=f"Envelope encryption of Kubernetes Secrets in EKS cluster {cluster_name}",
                    enable_key_rotation=True,
                    deletion_window_in_days=30,
                    tags=tags,
                    opts=protected,
                ).arn
            encryption = aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key_arn), resources=["secrets"]
            )

        depends: list[pulumi.Resource] = []
        if settings.logging.types:
            depends.append(self._log_group(name, cluster_name, settings.logging.retention_days, tags))
        endpoint = settings.endpoint
        self.cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=cluster_name,
            version=kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=self.network.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=bool(endpoint.public_access_cidrs),
                public_access_cidrs=endpoint.public_access_cidrs or None,
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=True,
            ),
            # The networking add-ons are declared below as EKS add-ons, with versions and settings.
            bootstrap_self_managed_addons=False,
            enabled_cluster_log_types=list(settings.logging.types),
            encryption_config=encryption,
            deletion_protection=settings.protect,
            zonal_shift_config=aws.eks.ClusterZonalShiftConfigArgs(enabled=True) if settings.zonal_shift else None,
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self, protect=settings.protect, depends_on=[*depends, *cluster_role.ready, *self.network.ready]
            ),
        )
        self.cluster_name = self.cluster.name
        for index, role_arn in enumerate(settings.admin_role_arns):
            self._admin(name, role_arn, entry_name_part(role_arn, index, role_name_part))

        self.addons = {}
        before = [self._addon(name, a, settings) for a in ADDONS if a.before_nodes]
        self.node_groups = {
            group: self._node_group(f"{name}-{group}", spec, node_role, tags, settings.protect, before)
            for group, spec in settings.node_groups.items()
        }
        after = [self._addon(name, a, settings, list(self.node_groups.values())) for a in ADDONS if not a.before_nodes]

        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(
                self.cluster.name, self.cluster.endpoint, self.cluster.certificate_authority.data, account.region
            ).apply(lambda v: kubeconfig(*v))
        )
        # In-cluster resources wait for nodes and add-ons: a Deployment cannot become ready without them.
        self.provider = _provider(
            f"{name}-k8s", self, kubeconfig=self.kubeconfig, depends_on=[*self.node_groups.values(), *before, *after]
        )
        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "kubernetesVersion": kubernetes_version,
                "oidcIssuer": self.cluster.identities[0].oidcs[0].issuer,
                "kubeconfig": self.kubeconfig,
            }
        )

    def _log_group(
        self, name: str, cluster_name: str, retention_days: int, tags: dict[str, str]
    ) -> aws.cloudwatch.LogGroup:
        """The control plane's log group, made before the cluster so the retention is ours (EKS would
        make it with none).

        EKS writes to /aws/eks/<cluster>/cluster while it deletes the cluster, and makes the group
        again if `pulumi destroy` deleted it first; `pulumi up` after a destroy would then fail with
        ResourceAlreadyExistsException. So a group of that name that exists but is not in the
        stack's state is adopted (the import option), then updated to these settings. The engine
        imports only when the stack has no such resource or one with another ID (pulumi/pulumi
        pkg/resource/deploy/step_generator.go: isImport), so on every later run it is a no-op; and
        since Pulumi 3.17x an import no longer fails on a difference from the inputs, it is followed
        by an update (pulumi/pulumi#19339)."""
        group_name = f"/aws/eks/{cluster_name}/cluster"
        found = aws.cloudwatch.get_log_groups(
            log_group_name_prefix=group_name, opts=pulumi.InvokeOptions(parent=self)
        ).log_group_names
        return aws.cloudwatch.LogGroup(
            f"{name}-control-plane",
            name=group_name,
            retention_in_days=retention_days,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, import_=group_name if group_name in (found or []) else None),
        )

    def _admin(self, name: str, role_arn: pulumi.Input[str], role_name: str) -> None:
        entry = aws.eks.AccessEntry(
            f"{name}-admin-{role_name}",
            cluster_name=self.cluster.name,
            principal_arn=role_arn,
            type="STANDARD",
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.eks.AccessPolicyAssociation(
            f"{name}-admin-{role_name}",
            cluster_name=self.cluster.name,
            principal_arn=entry.principal_arn,
            policy_arn=f"arn:{self.partition}:eks::aws:cluster-access-policy/{CLUSTER_ADMIN_POLICY}",
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
            opts=pulumi.ResourceOptions(parent=entry),
        )

    def _addon(
        self,
        name: str,
        addon: Addon,
        settings: EksSettings,
        depends_on: list[pulumi.Resource] | None = None,
    ) -> aws.eks.Addon:
        version = settings.addon_versions.get(addon.name)
        if version is None:
            version = aws.eks.get_addon_version(
                addon_name=addon.name,
                kubernetes_version=self.kubernetes_version,
                opts=pulumi.InvokeOptions(parent=self),
            ).version
        identities = None
        depends = list(depends_on or [])
        if addon.service_account is not None:
            role = service_role(
                f"{name}-{addon.name}", POD_IDENTITY_PRINCIPAL, addon.policies, self.partition, self._tags, self
            )
            identities = [
                aws.eks.AddonPodIdentityAssociationArgs(role_arn=role.arn, service_account=addon.service_account)
            ]
            depends += role.ready
        created = aws.eks.Addon(
            f"{name}-{addon.name}",
            cluster_name=self.cluster.name,
            addon_name=addon.name,
            addon_version=version,
            configuration_values=json.dumps(addon.configuration) if addon.configuration else None,
            pod_identity_associations=identities,
            # The settings here are the truth: overwrite what an earlier self-managed install left.
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        self.addons[addon.name] = created
        return created

    def _node_group(
        self,
        name: str,
        spec: NodeGroupSettings,
        role: ServiceRole,
        tags: dict[str, str],
        protect: bool,
        depends_on: list[aws.eks.Addon],
    ) -> aws.eks.NodeGroup:
        architecture = INSTANCE_TYPES[spec.instance_types[0]].architecture
        template = aws.ec2.LaunchTemplate(
            name,
            description=f"Nodes of {name}: IMDSv2 only, encrypted root volume",
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=IMDS_HOP_LIMIT,
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name=ROOT_DEVICE,
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=spec.disk_size_gib,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags={**tags, "Name": name})
                for kind in ("instance", "volume")
            ],
            update_default_version=True,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        ami_type = AMI_TYPES[architecture]
        return aws.eks.NodeGroup(
            name,
            # Instance types, capacity type and AMI type force a replacement (aws_eks_node_group:
            # ForceNew); a deterministic name changes with them.
            node_group_name=fitted_name(name, NODE_GROUP_NAME, *spec.instance_types, spec.capacity_type, ami_type),
            cluster_name=self.cluster.name,
            version=self.cluster.version,
            node_role_arn=role.arn,
            subnet_ids=self.network.private_subnet_ids,
            instance_types=list(spec.instance_types),
            capacity_type=spec.capacity_type,
            ami_type=ami_type,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=spec.min_size, max_size=spec.max_size, desired_size=spec.min_size
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=spec.max_unavailable),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            labels=dict(spec.labels),
            taints=[
                aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=TAINT_EFFECTS[t.effect])
                for t in spec.taints
            ],
            # Replace nodes that report unhealthy instead of leaving them in the group.
            node_repair_config=aws.eks.NodeGroupNodeRepairConfigArgs(enabled=True),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=protect,
                depends_on=[*depends_on, *role.ready, *self.network.ready],
                # The cluster autoscaler owns the current size; Pulumi only sets the bounds.
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )
