"""Small helpers over pulumi-kubernetes resources."""

from __future__ import annotations

from typing import Protocol

import pulumi
import pulumi_kubernetes as k8s


class _HasMetadata(Protocol):
    @property
    def metadata(self) -> pulumi.Output[k8s.meta.v1.outputs.ObjectMeta]: ...


def _name(meta: k8s.meta.v1.outputs.ObjectMeta) -> str:
    if meta.name is None:  # the provider always names an object; None would be a provider bug
        raise ValueError("Kubernetes object has no metadata.name")
    return meta.name


def _namespace(meta: k8s.meta.v1.outputs.ObjectMeta) -> str:
    return meta.namespace or "default"


def object_name(resource: _HasMetadata) -> pulumi.Output[str]:
    """metadata.name as the API server has it (auto-named objects get theirs from the provider)."""
    return resource.metadata.apply(_name)


def object_namespace(resource: _HasMetadata) -> pulumi.Output[str]:
    return resource.metadata.apply(_namespace)


SYSTEM_NAMESPACE = "runmcp-system"
"""Where the controllers this project installs run (the AWS Load Balancer Controller, the cluster
autoscaler): they hold AWS permissions, so they run where Pod Security `restricted` is enforced.
kube-system cannot enforce it: aws-node and kube-proxy there need host access."""

RESTRICTED_POD_SECURITY_CONTEXT: dict[str, object] = {
    "runAsNonRoot": True,
    "runAsUser": 65534,
    "runAsGroup": 65534,
    "fsGroup": 65534,
    "seccompProfile": {"type": "RuntimeDefault"},
}
"""A pod security context Pod Security `restricted` admits (as Helm values, camelCase): non-root
(65534, nobody), the runtime's default seccomp profile."""
RESTRICTED_CONTAINER_SECURITY_CONTEXT: dict[str, object] = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
"""A container security context Pod Security `restricted` admits: no privilege escalation, every
capability dropped (Kubernetes docs, Pod Security Standards)."""


def pod_security_labels(kubernetes_version: str) -> dict[str, str]:
    """Pod Security Admission enforces `restricted`, pinned to the cluster's own version of it."""
    labels = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = "restricted"
        labels[f"pod-security.kubernetes.io/{mode}-version"] = f"v{kubernetes_version}"
    return labels


def system_namespace(
    name: str, kubernetes_version: str, labels: dict[str, str], opts: pulumi.ResourceOptions
) -> k8s.core.v1.Namespace:
    """The namespace of the controllers, with Pod Security `restricted` enforced."""
    return k8s.core.v1.Namespace(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=SYSTEM_NAMESPACE, labels={**labels, **pod_security_labels(kubernetes_version)}
        ),
        opts=opts,
    )
