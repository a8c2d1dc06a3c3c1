"""IAM roles for AWS services and for pods (EKS Pod Identity), with only the policies they need."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pulumi
import pulumi_aws as aws

from .names import IAM_ROLE_NAME, fitted_name

POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"
"""EKS Pod Identity assumes roles as this service, and tags the session with the pod's identity."""


class AwsAccount:
    """The partition, region and account id the AWS provider deploys to: each asked once, and only
    when something needs it (a stack on an existing cluster with no load balancer asks nothing).
    Asked as ``parent``'s child, so with the AWS provider the caller gave it (``opts.providers``),
    not the stack's default one."""

    def __init__(self, parent: pulumi.Resource) -> None:
        self.invoke = pulumi.InvokeOptions(parent=parent)

    @cached_property
    def partition(self) -> str:
        return aws.get_partition(opts=self.invoke).partition

    @cached_property
    def region(self) -> str:
        return aws.get_region(opts=self.invoke).region

    @cached_property
    def account_id(self) -> str:
        return aws.get_caller_identity(opts=self.invoke).account_id

    def arn(self, service: str, resource: str) -> str:
        """The ARN of a regional resource of this account, e.g. ("elasticloadbalancing", "targetgroup/x/*")."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"


def trust_policy(service: str) -> str:
    actions = ["sts:AssumeRole", "sts:TagSession"] if service == POD_IDENTITY_PRINCIPAL else ["sts:AssumeRole"]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": actions}],
        }
    )


def policy_document(statements: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def managed_policy_arn(partition: str, policy: str) -> str:
    return f"arn:{partition}:iam::aws:policy/{policy}"


@dataclass(frozen=True)
class ServiceRole:
    role: aws.iam.Role
    ready: list[pulumi.Resource]
    """The role and its policy attachments: what a user of the role depends on, so it never starts
    with a role that cannot yet do its work."""

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.role.arn


def service_role(
    name: str,
    service: str,
    managed_policies: Sequence[str],
    partition: str,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> ServiceRole:
    """A role ``service`` assumes, with the AWS managed policies named (by name, not ARN) attached."""
    role = aws.iam.Role(
        name,
        name=fitted_name(name, IAM_ROLE_NAME),
        assume_role_policy=trust_policy(service),
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    ready: list[pulumi.Resource] = [role]
    for policy in managed_policies:
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-{policy}",
            role=role.name,
            policy_arn=managed_policy_arn(partition, policy),
            opts=pulumi.ResourceOptions(parent=role),
        )
        ready.append(attachment)
    return ServiceRole(role, ready)


def pod_identity(
    name: str,
    *,
    parent: pulumi.Resource,
    cluster_name: pulumi.Input[str],
    namespace: pulumi.Input[str],
    service_account: str,
    policy_name: str,
    policy: pulumi.Input[str],
    tags: Mapping[str, str],
) -> aws.eks.PodIdentityAssociation:
    """A role with one inline policy, given to a service account through EKS Pod Identity. The
    association waits for the policy, so the pods never start with a role that cannot do its work."""
    role = aws.iam.Role(
        f"{name}-role",
        name=fitted_name(f"{name}-role", IAM_ROLE_NAME),
        assume_role_policy=trust_policy(POD_IDENTITY_PRINCIPAL),
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    attached = aws.iam.RolePolicy(
        f"{name}-{policy_name}", role=role.name, policy=policy, opts=pulumi.ResourceOptions(parent=role)
    )
    return aws.eks.PodIdentityAssociation(
        f"{name}-identity",
        cluster_name=cluster_name,
        namespace=namespace,
        service_account=service_account,
        role_arn=role.arn,
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[attached]),
    )
