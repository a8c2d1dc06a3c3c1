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
