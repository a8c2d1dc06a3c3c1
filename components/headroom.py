"""GatewayHeadroom: placeholder ("overprovisioning") pods that hold room for new gateway replicas.

Each placeholder is a pause container requesting exactly what one gateway pod requests, at a
negative priority. A new gateway pod (priority 0) preempts one at once instead of waiting for a
node; the preempted placeholder goes pending, and the cluster autoscaler adds a node for it in the
background, so the room is back before the next scale-out needs it.

The priority must stay at or above the cluster autoscaler's expendable cutoff
(``--expendable-pods-priority-cutoff``, default -10): pods below it never trigger a scale-up, so
placeholders there would be preempted once and never come back (kubernetes/autoscaler,
cluster-autoscaler/FAQ.md, "How can I configure overprovisioning with Cluster Autoscaler?"; the
Kubernetes task page "Overprovision Node Capacity" uses -1000, which only works with a lowered
cutoff).

They live in the gateway's namespace: it already enforces Pod Security ``restricted`` and denies
all traffic by default, they are deleted with it, and a second gateway on the same cluster keeps
its own headroom. Their PriorityClass, cluster-scoped, is named after that namespace.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from .labels import APP_NAME, recommended_labels

TYPE_TOKEN = "runmcp:index:GatewayHeadroom"
COMPONENT = "headroom"
"""The app.kubernetes.io/component label of every headroom object."""
HEADROOM_NAME = f"{APP_NAME}-headroom"
"""The placeholders' app.kubernetes.io/name: not the gateway's, so no selector of the gateway
(Service, PodDisruptionBudget, spread constraints, drills) ever picks a placeholder."""

HEADROOM_PRIORITY = -1
"""Below every workload at the default priority 0 (which preempts it), above the cluster autoscaler's
expendable cutoff of -10 (so a preempted placeholder still triggers a scale-up); -1 as in the
aws-samples/eks-workshop-v2 overprovisioning lab."""
EXPENDABLE_PRIORITY_CUTOFF = -10
"""cluster-autoscaler's --expendable-pods-priority-cutoff default (cluster-autoscaler/FAQ.md)."""

PAUSE_IMAGE = "registry.k8s.io/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a"
"""The pause image (it only sleeps), pinned by its multi-architecture index digest. The digest is the
one public manifests, Dockerfiles and kind/containerd setups pin for registry.k8s.io/pause:3.10; check
it with `crane digest registry.k8s.io/pause:3.10`."""
PAUSE_USER = 65535
"""The user the pause image runs as (kubernetes/kubernetes build/pause/Dockerfile: USER 65535:65535)."""

SKIP_PROBES = (
    "CKV_K8S_{check}=A headroom placeholder runs only the pause container: it serves nothing to probe, "
    "and no traffic ever reaches it"
)


def headroom_labels(instance: str) -> dict[str, str]:
    return {**recommended_labels(instance, PAUSE_IMAGE, component=COMPONENT), "app.kubernetes.io/name": HEADROOM_NAME}


class GatewayHeadroom(pulumi.ComponentResource):
    """``replicas`` placeholder pods, each requesting one gateway pod's ``requests``, spread across zones."""

    deployment: k8s.apps.v1.Deployment
    priority_class: k8s.scheduling.v1.PriorityClass

    def __init__(
        self,
        name: str,
        *,
        replicas: int,
        requests: dict[str, str],
        namespace: pulumi.Input[str],
        namespace_name: str,
        instance: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if replicas < 1:
            raise ValueError(f"{TYPE_TOKEN} {name}: replicas must be 1 or more (none is no GatewayHeadroom)")
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = headroom_labels(instance)
        selector = {k: labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")}
        self.priority_class = k8s.scheduling.v1.PriorityClass(
            f"{name}-priority-class",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=f"{namespace_name}-headroom", labels=labels),
            value=HEADROOM_PRIORITY,
            global_default=False,
            # A placeholder waiting for a node never evicts anything itself.
            preemption_policy="Never",
            description="Placeholder pods holding room for new RunMCP gateway replicas (preempted first).",
            opts=child,
        )
        meta = k8s.meta.v1.ObjectMetaArgs(name=HEADROOM_NAME, namespace=namespace, labels=labels)
        k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=meta,
            # No rule: nothing in, nothing out (no API server, no AWS, no DNS).
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                policy_types=["Ingress", "Egress"],
            ),
            opts=child,
        )

        def spread(topology_key: str, when: str) -> k8s.core.v1.TopologySpreadConstraintArgs:
            return k8s.core.v1.TopologySpreadConstraintArgs(
                topology_key=topology_key,
                max_skew=1,
                when_unsatisfiable=when,
                label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
            )

        container = k8s.core.v1.ContainerArgs(
            name="pause",
            image=PAUSE_IMAGE,
            image_pull_policy="IfNotPresent",
            # Exactly one gateway pod's requests; limits equal to them (the pause process uses
            # next to nothing), so the pod is Guaranteed and never throttles a neighbour.
            resources=k8s.core.v1.ResourceRequirementsArgs(requests=dict(requests), limits=dict(requests)),
            security_context=k8s.core.v1.SecurityContextArgs(
                allow_privilege_escalation=False,
                privileged=False,
                read_only_root_filesystem=True,
                run_as_non_root=True,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
            ),
        )
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=HEADROOM_NAME,
                namespace=namespace,
                labels=labels,
                annotations={
                    "checkov.io/skip1": SKIP_PROBES.format(check=8),
                    "checkov.io/skip2": SKIP_PROBES.format(check=9),
                },
            ),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                revision_history_limit=2,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        priority_class_name=self.priority_class.metadata.apply(lambda m: m.name or ""),
                        # Preempted pods go at once: the gateway pod waits for their exit.
                        termination_grace_period_seconds=0,
                        automount_service_account_token=False,
                        enable_service_links=False,
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True,
                            run_as_user=PAUSE_USER,
                            run_as_group=PAUSE_USER,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                        ),
                        topology_spread_constraints=[
                            # One zone never holds all the room: a placeholder stays pending (and the
                            # autoscaler adds a node in its zone) rather than pile into another zone.
                            spread("topology.kubernetes.io/zone", "DoNotSchedule"),
                            spread("kubernetes.io/hostname", "ScheduleAnyway"),
                        ],
                        containers=[container],
                    ),
                ),
            ),
            opts=child,
        )
        self.register_outputs({"deploymentName": HEADROOM_NAME, "priorityClassName": f"{namespace_name}-headroom"})
