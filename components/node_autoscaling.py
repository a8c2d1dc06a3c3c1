"""Nodes follow the pods: the cluster autoscaler adds nodes when pods the HPA created cannot be
scheduled, and removes nodes that stay unneeded. Its AWS permissions come through Pod Identity and
its write actions reach only this cluster's node groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .block_args import ArgsCheck
from .capacity import CLUSTER_AUTOSCALER_REQUESTS
from .iam import AwsAccount, pod_identity, policy_document
from .kube import RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT
from .settings import ClusterAutoscalerSettings, KubernetesVersion

TYPE_TOKEN = "runmcp:index:ClusterAutoscaler"
RELEASE_NAME = "cluster-autoscaler"
SERVICE_ACCOUNT = "cluster-autoscaler"
CHART_REPOSITORY = "https://kubernetes.github.io/autoscaler"

IMAGE_TAGS = {
    "1.30": "v1.30.3",
    "1.31": "v1.31.5",
    "1.32": "v1.32.5",
    "1.33": "v1.33.3",
    "1.34": "v1.34.2",
    "1.35": "v1.35.0",
}
"""The cluster autoscaler's minor version must match the cluster's (its scheduler simulation is
built from that Kubernetes release); the chart's default image follows the chart, not the cluster."""

READ_ACTIONS = (
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
    "eks:DescribeNodegroup",
)
"""Discovery: read-only, and IAM cannot narrow Describe calls to resources."""
WRITE_ACTIONS = ("autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup")
"""Scaling: allowed only on the Auto Scaling groups behind this cluster's managed node groups."""


def asg_arn(partition: str, region: str, account_id: str, group_name: str) -> str:
    # The group's UUID is not known before it exists; its name is unique per account and region.
    return f"arn:{partition}:autoscaling:{region}:{account_id}:autoScalingGroup:*:autoScalingGroupName/{group_name}"


def autoscaler_policy(group_arns: Sequence[str]) -> str:
    return policy_document(
        [
            {"Effect": "Allow", "Action": list(READ_ACTIONS), "Resource": "*"},
            {"Effect": "Allow", "Action": list(WRITE_ACTIONS), "Resource": sorted(group_arns)},
        ]
    )


class ClusterAutoscaler(pulumi.ComponentResource):
    """The Kubernetes cluster autoscaler for the node groups of one EKS cluster."""

    release: k8s.helm.v3.Release

    def __init__(
        self,
        name: str,
        settings: ClusterAutoscalerSettings | Mapping[str, Any],
        *,
        cluster_name: pulumi.Input[str],
        node_groups: Sequence[aws.eks.NodeGroup],
        kubernetes_version: str,
        account: AwsAccount,
        namespace: pulumi.Input[str],
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check = ArgsCheck(TYPE_TOKEN, name)
        check.value(KubernetesVersion, kubernetes_version, "kubernetesVersion")
        settings = check.settings(ClusterAutoscalerSettings, settings)
        if not settings.enabled:
            check.switched_off("enabled", "is false: there is no cluster autoscaler to install")
        check.done()
        super().__init__(TYPE_TOKEN, name, None, opts)
        group_names = pulumi.Output.all(
            *[
                g.resources.apply(lambda rs: [a.name for r in rs for a in (r.autoscaling_groups or [])])
                for g in node_groups
            ]
        ).apply(lambda lists: [n for names in lists for n in names if n])
        partition, region, account_id = account.partition, account.region, account.account_id
        association = pod_identity(
            name,
            parent=self,
            cluster_name=cluster_name,
            namespace=namespace,
            service_account=SERVICE_ACCOUNT,
            policy_name="scale-node-groups",
            tags=tags,
            policy=group_names.apply(
                lambda names: autoscaler_policy([asg_arn(partition, region, account_id, n) for n in names])
            ),
        )
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            # A fixed release name: one per cluster, and the Deployment is then predictably named.
            name=RELEASE_NAME,
            chart="cluster-autoscaler",
            version=settings.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            namespace=namespace,
            values={
                "cloudProvider": "aws",
                # Given, not read from IMDS: pods cannot reach it (hop limit 1).
                "awsRegion": region,
                "autoDiscovery": {"clusterName": cluster_name},
                "image": {"tag": IMAGE_TAGS[kubernetes_version]},
                "rbac": {"serviceAccount": {"create": True, "name": SERVICE_ACCOUNT}},
                # The Deployment is then `cluster-autoscaler` (the runbooks name it).
                "fullnameOverride": RELEASE_NAME,
                "resources": {"requests": CLUSTER_AUTOSCALER_REQUESTS.as_kubernetes()},
                # The chart sets no security context (both default to {}).
                "securityContext": RESTRICTED_POD_SECURITY_CONTEXT,
                "containerSecurityContext": RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                "extraArgs": {
                    # Node groups over the same zones and types scale together, keeping zones even.
                    "balance-similar-node-groups": "true",
                    "expander": "least-waste",
                    "scale-down-unneeded-time": settings.scale_down_unneeded_time,
                },
            },
            # A replaced release (a new namespace, say) would find its cluster-scoped objects still
            # owned by the old one, which Helm refuses: the old release goes first. CRDs stay (Helm
            # never deletes what a chart's crds/ installed), and so do the objects made from them.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[association], delete_before_replace=True),
        )
        self.register_outputs({})
