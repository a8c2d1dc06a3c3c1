"""The gateway workload: namespace, identity, config, secrets, Deployment, Service, PDB, NetworkPolicy.

Every fact comes from GatewaySettings once: the port feeds the container port, the probes, the
Service and the NetworkPolicy; the health path feeds all three probes; the shutdown timings feed
the preStop hook and the grace period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .block_args import ArgsCheck
from .kube import object_name, pod_security_labels
from .labels import recommended_labels, selector_labels
from .names import PLATFORM_NAME_LIMIT, component_name_problem
from .outputs import secret_text
from .settings import GatewaySettings, KubernetesVersion, Problem

TYPE_TOKEN = "runmcp:index:GatewayWorkload"
CONTAINER_NAME = "gateway"
PORT_NAME = "http"
SCRATCH_LIMIT = "64Mi"
HOME_LIMIT = "256Mi"
STARTUP_PROBE_PERIOD_SECONDS = 1
"""How often the startup probe asks while the gateway loads its OpenAPI documents, and how long it
waits for an answer. It only runs until the gateway first answers, and its period is the wait
between the gateway answering and the kubelet knowing, on every new replica, so it asks every
second. Its timeout is the same second: the kubelet probes one attempt after another, so a longer
timeout would space the attempts out and stretch the failure threshold's budget
(gateway.probes.startupTimeoutSeconds) on a gateway that accepts connections but does not answer.
The timeline (timeline.py) counts the period too."""

# checkov runs over the rendered objects; a check skipped by design says why, on the object itself.
SKIP_CPU_LIMIT = (
    "CKV_K8S_11=No CPU limit by default: a limit throttles the gateway while the node has idle CPU "
    "and the HPA scales on requests (EKS best practices); set gateway.resources.limits.cpu to add one"
)
SKIP_TAG_PINNED = (
    "CKV_K8S_43=Image pinned to a version tag (settings refuse untagged and latest images) "
    "and pulled with imagePullPolicy Always; pin a digest in gateway.image to pin the bytes too"
)
SKIP_SECRET_ENV = (
    "CKV_K8S_35=gateway.secretEnv is delivered as environment variables by design (the gateway reads "
    "its settings from the environment); the values live in a Kubernetes Secret, never in the pod spec"
)


@dataclass(frozen=True)
class WorkloadContext:
    """What the workload needs to know beyond its own settings."""

    instance: str
    """app.kubernetes.io/instance: distinguishes this installation (the stack name)."""
    kubernetes_version: str
    """Minor version of the cluster, e.g. "1.33"."""
    namespace_labels: Mapping[str, str] = field(default_factory=dict)
    """Extra labels on the namespace, e.g. to have a load balancer controller inject readiness gates."""
    wait_for: Sequence[pulumi.Resource] = ()
    """Resources that must exist before the namespace (and so every object in it), e.g. the webhook
    that injects readiness gates into the gateway's pods."""
    before_pods: Callable[[k8s.core.v1.Service], Sequence[pulumi.Resource]] | None = None
    """Called with the gateway's Service once it is declared; what it returns exists before the
    Deployment (and so before any pod)."""
    store: StoreConnection | None = None
    """The session store the gateway is handed (components/session_store.py), if any."""


@dataclass(frozen=True)
class StoreConnection:
    """What the workload needs of a session store: its variables and where the pods may reach it."""

    env: Mapping[str, pulumi.Input[str]]
    """Plain variables (host, port, TLS, user name)."""
    secret_env: Mapping[str, pulumi.Input[str]]
    """Variables delivered through the Secret (the URL, the password): secret Outputs."""
    cidrs: pulumi.Input[Sequence[str]]
    """Where the store's addresses are: a NetworkPolicy names addresses, never host names."""
    ports: Sequence[int]


def container_args(settings: GatewaySettings) -> list[str]:
    """The entrypoint arguments: the configured ones, then the port from ``gateway.port``."""
    return [*settings.args, "--port", str(settings.port)]


def image_pull_policy(image: str) -> str:
    """A digest names immutable bytes; a tag can be moved, so it is resolved on every pull."""
    return "IfNotPresent" if "@" in image else "Always"


NODE_FAILURE_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
"""The NoExecute taints the node lifecycle controller puts on a node that stops reporting."""


def node_failure_tolerations(seconds: int | None) -> list[k8s.core.v1.TolerationArgs] | None:
    """The gateway's own tolerations of a failed node (None: the admission plugin's 300 s defaults):
    after ``seconds`` its pods are evicted and the Deployment starts them on healthy nodes."""
    if seconds is None:
        return None
    return [
        k8s.core.v1.TolerationArgs(key=key, operator="Exists", effect="NoExecute", toleration_seconds=seconds)
        for key in NODE_FAILURE_TAINTS
    ]


def checkov_skips(settings: GatewaySettings, store: StoreConnection | None = None) -> dict[str, str]:
    reasons = []
    if settings.resources.limits.cpu is None:
        reasons.append(SKIP_CPU_LIMIT)
    if "@" not in settings.image:
        reasons.append(SKIP_TAG_PINNED)
    if settings.secret_env or (store is not None and store.secret_env):
        reasons.append(SKIP_SECRET_ENV)
    return {f"checkov.io/skip{i}": reason for i, reason in enumerate(reasons, start=1)}


class GatewayWorkload(pulumi.ComponentResource):
    """The RunMCP gateway on Kubernetes, hardened and ready to sit behind a load balancer."""

    namespace: pulumi.Output[str]
    deployment: k8s.apps.v1.Deployment
    service: k8s.core.v1.Service
    deployment_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    port: int

    def __init__(
        self,
        name: str,
        settings: GatewaySettings | Mapping[str, Any],
        context: WorkloadContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check = ArgsCheck(TYPE_TOKEN, name)
        instance = component_name_problem(context.instance, PLATFORM_NAME_LIMIT)
        check.add([Problem("context.instance", instance)] if instance is not None else [])
        check.value(KubernetesVersion, context.kubernetes_version, "context.kubernetesVersion")
        settings = check.settings(GatewaySettings, settings)
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = recommended_labels(context.instance, settings.image)
        selector = selector_labels(context.instance)
        self.port = settings.port

        ns = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=settings.namespace,
                labels={**labels, **pod_security_labels(context.kubernetes_version), **context.namespace_labels},
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(context.wait_for)),
        )
        self.namespace = object_name(ns)

        def meta(object_name: str | None, annotations: dict[str, str] | None = None) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=object_name, namespace=self.namespace, labels=labels, annotations=annotations or None
            )

        service_account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=meta(settings.name),
            # The gateway never calls the Kubernetes API: no token in the pod.
            automount_service_account_token=False,
            opts=child,
        )

        volumes = [
            k8s.core.v1.VolumeArgs(
                name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit=SCRATCH_LIMIT)
            ),
            k8s.core.v1.VolumeArgs(name="home", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit=HOME_LIMIT)),
        ]
        mounts = [
            k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
            k8s.core.v1.VolumeMountArgs(name="home", mount_path=settings.home_path),
        ]
        if settings.openapi_specs:
            # Auto-named: Pulumi replaces a ConfigMap whose data changes, so a new document gets a
            # new name and the Deployment rolls out to pick it up.
            specs = k8s.core.v1.ConfigMap(
                f"{name}-openapi-specs",
                metadata=meta(None),
                data=dict(sorted(settings.openapi_specs.items())),
                opts=child,
            )
            volumes.append(
                k8s.core.v1.VolumeArgs(
                    name="openapi-specs",
                    config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(name=object_name(specs), default_mode=0o444),
                )
            )
            mounts.append(
                k8s.core.v1.VolumeMountArgs(name="openapi-specs", mount_path=settings.specs_path, read_only=True)
            )

        env = [
            k8s.core.v1.EnvVarArgs(name="HAPI_PORT", value=str(settings.port)),
            k8s.core.v1.EnvVarArgs(name="HAPI_HOME", value=settings.home_path),
            # Logs go to stdout only: the root filesystem is read-only.
            k8s.core.v1.EnvVarArgs(name="HAPI_DISABLE_FILE_LOGS", value="true"),
            *(k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in sorted(settings.env.items())),
        ]
        store = context.store
        if store is not None:
            env.extend(k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in sorted(store.env.items()))
        secret_values: dict[str, pulumi.Input[str]] = {k: secret_text(v) for k, v in settings.secret_env.items()}
        if store is not None:
            secret_values.update(store.secret_env)
        if secret_values:
            # Auto-named for the same reason as the ConfigMap: a changed secret rolls the pods.
            secret = k8s.core.v1.Secret(
                f"{name}-secret-env",
                metadata=meta(None),
                type="Opaque",
                string_data=pulumi.Output.secret(dict(sorted(secret_values.items()))),
                opts=child,
            )
            secret_name = object_name(secret)
            env.extend(
                k8s.core.v1.EnvVarArgs(
                    name=key,
                    value_from=k8s.core.v1.EnvVarSourceArgs(
                        secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=secret_name, key=key)
                    ),
                )
                for key in sorted(secret_values)
            )

        probes = settings.probes

        def http_probe(period: int, failures: int, timeout: int = probes.timeout_seconds) -> k8s.core.v1.ProbeArgs:
            return k8s.core.v1.ProbeArgs(
                http_get=k8s.core.v1.HTTPGetActionArgs(path=settings.health_path, port=settings.port),
                period_seconds=period,
                timeout_seconds=timeout,
                failure_threshold=failures,
            )

        limits = {"memory": settings.resources.limits.memory}
        if settings.resources.limits.cpu is not None:
            limits["cpu"] = settings.resources.limits.cpu
        container = k8s.core.v1.ContainerArgs(
            name=CONTAINER_NAME,
            image=settings.image,
            image_pull_policy=image_pull_policy(settings.image),
            args=container_args(settings),
            ports=[k8s.core.v1.ContainerPortArgs(name=PORT_NAME, container_port=settings.port, protocol="TCP")],
            env=env,
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": settings.resources.requests.cpu, "memory": settings.resources.requests.memory},
                limits=limits,
            ),
            # Startup holds off liveness until the OpenAPI documents are loaded.
            startup_probe=http_probe(
                STARTUP_PROBE_PERIOD_SECONDS,
                -(-probes.startup_timeout_seconds // STARTUP_PROBE_PERIOD_SECONDS),
                timeout=STARTUP_PROBE_PERIOD_SECONDS,
            ),
            readiness_probe=http_probe(probes.readiness_period_seconds, probes.failure_threshold),
            liveness_probe=http_probe(probes.liveness_period_seconds, probes.failure_threshold),
            lifecycle=k8s.core.v1.LifecycleArgs(
                # Keep serving while endpoints and load balancers stop routing to this pod; the
                # native sleep action needs no shell in the image.
                pre_stop=k8s.core.v1.LifecycleHandlerArgs(
                    sleep=k8s.core.v1.SleepActionArgs(seconds=settings.shutdown.pre_stop_seconds)
                )
            ),
            security_context=k8s.core.v1.SecurityContextArgs(
                allow_privilege_escalation=False,
                privileged=False,
                read_only_root_filesystem=True,
                run_as_non_root=True,
                run_as_user=settings.run_as_user,
                run_as_group=settings.run_as_user,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
            ),
            volume_mounts=mounts,
        )

        def spread(topology_key: str) -> k8s.core.v1.TopologySpreadConstraintArgs:
            return k8s.core.v1.TopologySpreadConstraintArgs(
                topology_key=topology_key,
                max_skew=1,
                # ScheduleAnyway: prefer spreading, but never leave a pod pending because a zone
                # has no room (the scheduler only knows zones that have nodes).
                when_unsatisfiable="ScheduleAnyway",
                label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                # Spread each rollout's pods on their own, not mixed with the old ReplicaSet's.
                match_label_keys=["pod-template-hash"],
            )

        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=meta(settings.name),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=selector,
                ports=[
                    k8s.core.v1.ServicePortArgs(
                        name=PORT_NAME, port=settings.port, target_port=settings.port, protocol="TCP"
                    )
                ],
            ),
            opts=child,
        )
        self.service_name = object_name(self.service)
        # Whatever must see the Service before the first pod exists (a TargetGroupBinding, so the
        # load balancer controller injects its readiness gate into every pod, the first ones too).
        before_pods = list(context.before_pods(self.service)) if context.before_pods is not None else []

        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=meta(settings.name, annotations=checkov_skips(settings, store)),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                # No `replicas`: the HPA owns the replica count, and Pulumi's server-side apply
                # leaves a field it does not set to the HPA.
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_unavailable=0, max_surge="25%"),
                ),
                revision_history_limit=5,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=object_name(service_account),
                        automount_service_account_token=False,
                        enable_service_links=False,
                        termination_grace_period_seconds=settings.shutdown.termination_grace_period_seconds,
                        tolerations=node_failure_tolerations(settings.node_failure_toleration_seconds),
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True,
                            run_as_user=settings.run_as_user,
                            run_as_group=settings.run_as_user,
                            fs_group=settings.run_as_user,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                        ),
                        topology_spread_constraints=[
                            spread("topology.kubernetes.io/zone"),
                            spread("kubernetes.io/hostname"),
                        ],
                        containers=[container],
                        volumes=volumes,
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=before_pods),
        )
        self.deployment_name = object_name(self.deployment)

        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=meta(settings.name),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                # One pod at a time: node drains proceed, and never take the gateway down at once.
                max_unavailable=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                # A crash-looping pod must not block a node drain.
                unhealthy_pod_eviction_policy="AlwaysAllow",
            ),
            opts=child,
        )

        self._network_policies(name, settings, meta, selector, child, store)
        self.register_outputs(
            {
                "namespace": self.namespace,
                "deploymentName": self.deployment_name,
                "serviceName": self.service_name,
                "port": self.port,
            }
        )

    def _network_policies(
        self,
        name: str,
        settings: GatewaySettings,
        meta: Callable[[str | None], k8s.meta.v1.ObjectMetaArgs],
        selector: dict[str, str],
        child: pulumi.ResourceOptions,
        store: StoreConnection | None,
    ) -> None:
        np = k8s.networking.v1
        # Anything else in the namespace gets no traffic at all.
        np.NetworkPolicy(
            f"{name}-default-deny",
            metadata=meta("default-deny"),
            spec=np.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]
            ),
            opts=child,
        )
        dns_ports = [np.NetworkPolicyPortArgs(port=53, protocol=p) for p in ("UDP", "TCP")]
        egress = [
            np.NetworkPolicyEgressRuleArgs(
                to=[
                    np.NetworkPolicyPeerArgs(
                        namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                            match_labels={"kubernetes.io/metadata.name": "kube-system"}
                        ),
                        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
                    )
                ],
                ports=dns_ports,
            ),
            *(
                np.NetworkPolicyEgressRuleArgs(
                    to=[
                        np.NetworkPolicyPeerArgs(ip_block=np.IPBlockArgs(cidr=rule.cidr, except_=rule.except_ or None))
                    ],
                    ports=[np.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in rule.ports],
                )
                for rule in settings.network_policy.egress
            ),
        ]
        if store is not None:
            # The session store: its ports in its subnets (the endpoint's addresses are there).
            egress.append(
                np.NetworkPolicyEgressRuleArgs(
                    to=pulumi.Output.from_input(store.cidrs).apply(
                        lambda cidrs: [np.NetworkPolicyPeerArgs(ip_block=np.IPBlockArgs(cidr=c)) for c in cidrs]
                    ),
                    ports=[np.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in store.ports],
                )
            )
        np.NetworkPolicy(
            f"{name}-network-policy",
            metadata=meta(settings.name),
            spec=np.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                policy_types=["Ingress", "Egress"],
                ingress=[
                    np.NetworkPolicyIngressRuleArgs(
                        from_=[
                            np.NetworkPolicyPeerArgs(ip_block=np.IPBlockArgs(cidr=cidr))
                            for cidr in settings.network_policy.ingress_cidrs
                        ],
                        ports=[np.NetworkPolicyPortArgs(port=settings.port, protocol="TCP")],
                    )
                ],
                egress=egress,
            ),
            opts=child,
        )
