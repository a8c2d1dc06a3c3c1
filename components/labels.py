"""Kubernetes recommended labels (app.kubernetes.io/*), one definition for every object."""

from __future__ import annotations

import re

from .settings import PROJECT

APP_NAME = "runmcp-gateway"
PART_OF = "runmcp"
MANAGED_BY = "pulumi"


def version_label(image: str) -> str:
    """A label-safe version from a pinned image: the tag, or the start of the digest."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        value = last.split(":", 1)[1]
    else:
        value = "sha256-" + digest.removeprefix("sha256:")[:12]
    value = re.sub(r"[^A-Za-z0-9_.-]", "-", value)[:63]
    return value.strip("-_.") or "unknown"


def selector_labels(instance: str) -> dict[str, str]:
    """The labels that select the gateway pods; they never change for a running Deployment."""
    return {"app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/instance": instance}


def recommended_labels(instance: str, image: str, component: str = "gateway") -> dict[str, str]:
    return {
        **selector_labels(instance),
        "app.kubernetes.io/version": version_label(image),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def controller_labels(instance: str, version: str) -> dict[str, str]:
    """The controllers' namespace: one per cluster, whatever versions its gateways run, so its
    version is the version of the package that installs the controllers."""
    return {
        **selector_labels(instance),
        "app.kubernetes.io/version": re.sub(r"[^A-Za-z0-9_.-]", "-", version)[:63].strip("-_.") or "unknown",
        "app.kubernetes.io/component": "controllers",
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def aws_tags(instance: str) -> dict[str, str]:
    """Tags on every AWS resource: which project and stack own it (names are auto-generated)."""
    return {"project": PROJECT, "stack": instance, "managed-by": "pulumi"}
