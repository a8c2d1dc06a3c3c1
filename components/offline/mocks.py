"""Answers like the cloud's for resources the program registers under the mock runtime.

The mocks only play the provider's part (IDs, names, server-set fields); the program's own logic
runs for real. Answers are deterministic so two plans of the same stack are identical.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from .aws_mocks import AwsAnswers
from .aws_mocks import _auto_name as aws_auto_name

# Kinds that live outside any namespace.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PriorityClass",
        "PersistentVolume",
        "Node",
    }
)
CREATED_AT = "2026-01-01T00:00:00Z"
SERVICE_CIDR = ipaddress.ip_network("172.20.0.0/16")  # EKS's default service range


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _uid(*parts: str) -> str:
    return str(uuid.UUID(_digest(*parts)[:32]))


def auto_name(logical_name: str) -> str:
    """Pulumi's auto-naming: the logical name and a random 8-character suffix (here: a stable hash)."""
    return f"{logical_name}-{_digest('autoname', logical_name)[:8]}"


def _kubernetes(args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
    state = dict(args.inputs)
    kind = str(state.get("kind", args.typ.rsplit(":", 1)[-1]))
    metadata = dict(state.get("metadata") or {})
    metadata.setdefault("name", auto_name(args.name))
    if kind not in CLUSTER_SCOPED:
        metadata.setdefault("namespace", "default")
    metadata.update(
        uid=_uid(args.typ, args.name),
        resourceVersion=str(int(_digest("rv", args.name)[:6], 16)),
        generation=1,
        creationTimestamp=CREATED_AT,
    )
    state["metadata"] = metadata
    if kind == "Service":
        spec = dict(state.get("spec") or {})
        if spec.get("type", "ClusterIP") != "ExternalName" and "clusterIP" not in spec:
            host = int(_digest("ip", args.name)[:4], 16) % (SERVICE_CIDR.num_addresses - 2) + 1
            spec["clusterIP"] = str(SERVICE_CIDR[host])
            spec["clusterIPs"] = [spec["clusterIP"]]
        state["spec"] = spec
        state["status"] = {"loadBalancer": {}}
    name = metadata["name"]
    resource_id = name if kind in CLUSTER_SCOPED else f"{metadata['namespace']}/{name}"
    return resource_id, state


def _provider(args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
    return _uid("provider", args.typ, args.name), dict(args.inputs)


def _random_password(args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
    """pulumi-random's RandomPassword: ID "none" and a ``result`` of ``length`` characters drawn
    from the classes its inputs allow (terraform-provider-random, resource_password.go), derived
    from its name so runs agree. Refuses a length below the minimums it asks for, as the provider does."""
    state = dict(args.inputs)
    length = int(state.get("length") or 0)
    minimums = sum(int(state.get(k) or 0) for k in ("minLower", "minUpper", "minNumeric", "minSpecial"))
    if length < max(1, minimums):
        raise pulumi.RunError(f"random:RandomPassword {args.name}: length {length} is below the minimums ({minimums})")
    classes = ["abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"]
    if state.get("special", True):
        classes.append(str(state.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?"))
    digest = hashlib.sha256(f"password/{args.name}".encode()).digest() * 4
    result = "".join(classes[i % len(classes)][digest[i] % len(classes[i % len(classes)])] for i in range(length))
    state.update(result=result, bcryptHash=f"$2a$10${hashlib.sha256(result.encode()).hexdigest()[:53]}")
    return "none", state


def _helm_release(args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
    state = dict(args.inputs)
    name = str(state.get("name") or auto_name(args.name))
    namespace = str(state.get("namespace") or "default")
    state["status"] = {
        "name": name,
        "namespace": namespace,
        "chart": state.get("chart", ""),
        "version": state.get("version", ""),
        "revision": 1,
        "status": "deployed",
    }
    return f"{namespace}/{name}", state


NewResource = Callable[[MockResourceArgs], tuple[str, dict[str, Any]]]


class CloudMocks(Mocks):
    """Answers by type token prefix, for the AWS region the stack file names (``aws:region``)."""

    def __init__(self, region: str | None = None) -> None:
        self.aws = AwsAnswers(region) if region else None
        """The answers of the stack's region (``aws:region``): the default AWS provider's."""
        self.regions: dict[str, AwsAnswers] = {region: self.aws} if region and self.aws else {}
        self.provider_regions: dict[str, str] = {}
        """The region of each explicit AWS provider the program made, by its URN: a resource or an
        invoke given that provider is answered for that region, as AWS would."""
        self.answers: list[tuple[str, NewResource]] = [
            ("pulumi:providers:", _provider),
            ("kubernetes:helm.sh/", _helm_release),
            ("kubernetes:", _kubernetes),
            ("aws:", self._aws),
            ("random:index/randomPassword:", _random_password),
        ]

    def note_provider(self, urn: str, typ: str, inputs: dict[str, Any]) -> None:
        """A provider the program registers (the monitor tells, in a preview too): an AWS one with a
        region answers for that region."""
        region = inputs.get("region")
        if typ == "pulumi:providers:aws" and isinstance(region, str) and region:
            self.provider_regions[urn] = region

    def aws_for(self, provider: str | None) -> AwsAnswers | None:
        """The answers for the region of ``provider`` (a provider reference, ``<urn>::<id>``): its own
        region when the program made it with one, else the stack's."""
        region = self.provider_regions.get((provider or "").rpartition("::")[0])
        if region is None:
            return self.aws
        if region not in self.regions:
            self.regions[region] = AwsAnswers(region)
        return self.regions[region]

    def _aws(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        answers = self.aws_for(args.provider)
        if answers is None:
            raise NotImplementedError(f"{args.typ} needs aws:region in the stack file")
        return answers.new_resource(args)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if not args.custom:
            return "", {}
        for prefix, answer in self.answers:
            if args.typ.startswith(prefix):
                return answer(args)
        raise NotImplementedError(
            f"the offline plan has no mock answer for {args.typ}; add one in components/offline/mocks.py"
        )

    def checked_names(
        self, typ: str, name: str, inputs: dict[str, Any], provider: str | None = None
    ) -> dict[tuple[str, ...], str]:
        """The names the provider assigns to a resource when it checks its inputs (Pulumi's
        auto-naming happens in the provider's Check, so `pulumi preview` shows them), by path.

        Everything else the provider computes it answers only on Create: unknown in a preview.
        """
        if typ.startswith("kubernetes:") and not typ.startswith("kubernetes:helm.sh/"):
            metadata = inputs.get("metadata")
            if isinstance(metadata, dict) and "name" not in metadata:
                return {("metadata", "name"): auto_name(name)}
            return {}
        answers = self.aws_for(provider)
        if not typ.startswith("aws:") or answers is None:
            return {}
        # The AWS answers name what they auto-name with the logical name and a suffix; keep those,
        # drop the rest.
        _, state = answers.new_resource(MockResourceArgs(typ=typ, name=name, inputs=dict(inputs), custom=True))
        auto = aws_auto_name(name)
        return {
            (key,): value
            for key, value in state.items()
            if key not in inputs and isinstance(value, str) and value == auto
        }

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]]]:
        answers = self.aws_for(args.provider)
        answer = answers.call(args) if answers is not None else None
        if answer is not None:
            return answer, []
        raise NotImplementedError(
            f"the offline plan has no mock answer for the call {args.token}; add one in components/offline/mocks.py"
        )
