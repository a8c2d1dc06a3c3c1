"""KEDA (keda.sh), installed once per cluster: it scales a gateway on its load balancer's requests
per target (components/autoscaling.py makes the ScaledObject) and then owns that gateway's HPA.

Its operator reads CloudWatch through EKS Pod Identity with a role that may call
cloudwatch:GetMetricData and nothing else. Its three pods (operator, metrics API server, admission
webhooks) run in the controllers' namespace under Pod Security `restricted`, each behind a
NetworkPolicy of this module (the chart's own, networkPolicy.flavor kubernetes, admits the API
server only as a pod, which on EKS it is not, and gives the operator no way out to CloudWatch).

Sources: the chart's values, templates and pod labels (kedacore/charts v2.20.2, keda/values.yaml,
keda/templates/*/deployment.yaml); the CloudWatch scaler (kedacore/keda v2.20.2,
pkg/scalers/aws_cloudwatch_scaler.go: one GetMetricData call per poll); the Pod Identity agent's
address (docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html: 169.254.170.23, port 80).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .block_args import ArgsCheck
from .capacity import KEDA_REQUESTS
from .iam import pod_identity, policy_document
from .kube import RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT
from .settings import KedaSettings

TYPE_TOKEN = "runmcp:index:Keda"
RELEASE_NAME = "keda"
CHART_REPOSITORY = "https://kedacore.github.io/charts"
OPERATOR_SERVICE_ACCOUNT = "keda-operator"
OPERATOR_APP = "keda-operator"
METRICS_APISERVER_APP = "keda-operator-metrics-apiserver"
WEBHOOKS_APP = "keda-admission-webhooks"
"""The chart's `app` pod labels (operator.name, operator.name-metrics-apiserver, webhooks.name)."""
METRICS_APISERVER_PORT = 6443
"""The metrics API server's container port (values service.portHttpsTarget): the API server calls it."""
WEBHOOKS_PORT = 9443
"""The admission webhooks' container port (values webhooks.port, default 9443): the API server calls it."""
OPERATOR_GRPC_PORT = 9666
"""The operator's gRPC metrics service, which the metrics API server asks for scaler values."""
POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32"
POD_IDENTITY_AGENT_PORT = 80
"""Where the EKS Pod Identity agent hands the operator its credentials (a link-local address on every node)."""
INSTANCE_METADATA_CIDR = "169.254.169.254/32"
API_SERVER_PORT = 443

READ_ACTIONS = ("cloudwatch:GetMetricData",)
"""All the CloudWatch scaler calls. GetMetricData supports no resource-level permissions (IAM Service
Authorization Reference, Amazon CloudWatch: its Resource is "*"), so the role may read any metric of
the account in any region; it can change nothing."""


def operator_policy() -> str:
    return policy_document([{"Effect": "Allow", "Action": list(READ_ACTIONS), "Resource": "*"}])


class Keda(pulumi.ComponentResource):
    """KEDA for one cluster: the Helm release, the operator's Pod Identity role (read CloudWatch
    metrics only) and a NetworkPolicy per KEDA pod."""

    release: k8s.helm.v3.Release
    network_policies: list[k8s.networking.v1.NetworkPolicy]

    def __init__(
        self,
        name: str,
        settings: KedaSettings | Mapping[str, Any],
        *,
        cluster_name: pulumi.Input[str],
        namespace: pulumi.Input[str],
        api_server_cidrs: Sequence[str],
        labels: Mapping[str, str],
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check = ArgsCheck(TYPE_TOKEN, name)
        settings = check.settings(KedaSettings, settings)
        if not settings.install:
            check.switched_off("install", "is false: the cluster runs KEDA already")
        check.done()
        super().__init__(TYPE_TOKEN, name, None, opts)
        association = pod_identity(
            name,
            parent=self,
            cluster_name=cluster_name,
            namespace=namespace,
            service_account=OPERATOR_SERVICE_ACCOUNT,
            policy_name="read-metrics",
            tags=tags,
            policy=operator_policy(),
        )
        components = ("operator", "metricServer", "webhooks")
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            # A fixed release name: one per cluster (KEDA's CRDs and its external metrics API are cluster-wide).
            name=RELEASE_NAME,
            chart="keda",
            version=settings.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            namespace=namespace,
            values={
                # The chart installs its CRDs as templates, so Helm upgrades them with the chart; Helm
                # keeps them when the release goes (helm.sh/resource-policy: keep), so a replaced or
                # removed release never leaves them Terminating behind ScaledObjects whose finalizers
                # the gone operator would have cleared (kedacore/charts keda values.yaml
                # crds.additionalAnnotations; kedacore/keda controllers/keda/scaledobject_finalizer.go).
                "crds": {"install": True, "additionalAnnotations": {"helm.sh/resource-policy": "keep"}},
                "serviceAccount": {"operator": {"create": True, "name": OPERATOR_SERVICE_ACCOUNT}},
                "resources": {c: {"requests": KEDA_REQUESTS.as_kubernetes()} for c in components},
                # The chart's pod contexts set runAsNonRoot only; these add the seccomp profile and a user.
                "podSecurityContext": {c: RESTRICTED_POD_SECURITY_CONTEXT for c in components},
                "securityContext": {c: RESTRICTED_CONTAINER_SECURITY_CONTEXT for c in components},
                # The operator reads Secrets only in its own namespace (its certificates): the
                # gateways authenticate with Pod Identity, never with a Secret.
                "permissions": {
                    "operator": {"restrict": {"secret": True}},
                    "metricServer": {"restrict": {"secret": True}},
                },
                # The NetworkPolicies are this module's (see the module docstring).
                "networkPolicy": {"enabled": False},
            },
            # As the other controllers' releases: a replaced release goes first. Its CRDs stay (kept
            # above), and with them every ScaledObject; the release name and namespace are fixed so
            # that nothing but a namespace change replaces it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[association], delete_before_replace=True),
        )
        self.network_policies = self._network_policies(name, namespace, api_server_cidrs, labels)
        self.register_outputs({})

    def _network_policies(
        self,
        name: str,
        namespace: pulumi.Input[str],
        api_server_cidrs: Sequence[str],
        labels: Mapping[str, str],
    ) -> list[k8s.networking.v1.NetworkPolicy]:
        np = k8s.networking.v1

        def port(number: int, protocol: str = "TCP") -> k8s.networking.v1.NetworkPolicyPortArgs:
            return np.NetworkPolicyPortArgs(port=number, protocol=protocol)

        def cidrs(blocks: Sequence[str]) -> list[k8s.networking.v1.NetworkPolicyPeerArgs]:
            return [np.NetworkPolicyPeerArgs(ip_block=np.IPBlockArgs(cidr=c)) for c in blocks]

        def pods(app: str) -> list[k8s.networking.v1.NetworkPolicyPeerArgs]:
            return [np.NetworkPolicyPeerArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"app": app}))]

        dns = np.NetworkPolicyEgressRuleArgs(
            to=[
                np.NetworkPolicyPeerArgs(
                    namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                        match_labels={"kubernetes.io/metadata.name": "kube-system"}
                    ),
                    pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
                )
            ],
            ports=[port(53, "UDP"), port(53, "TCP")],
        )
        api_server = np.NetworkPolicyEgressRuleArgs(to=cidrs(api_server_cidrs), ports=[port(API_SERVER_PORT)])
        rules: dict[str, tuple[list[Any], list[Any]]] = {
            OPERATOR_APP: (
                [np.NetworkPolicyIngressRuleArgs(from_=pods(METRICS_APISERVER_APP), ports=[port(OPERATOR_GRPC_PORT)])],
                [
                    dns,
                    api_server,
                    # CloudWatch's regional endpoint (its addresses are not fixed), never the instance metadata.
                    np.NetworkPolicyEgressRuleArgs(
                        to=[
                            np.NetworkPolicyPeerArgs(
                                ip_block=np.IPBlockArgs(cidr="0.0.0.0/0", except_=[INSTANCE_METADATA_CIDR])
                            )
                        ],
                        ports=[port(443)],
                    ),
                    np.NetworkPolicyEgressRuleArgs(
                        to=cidrs([POD_IDENTITY_AGENT_CIDR]), ports=[port(POD_IDENTITY_AGENT_PORT)]
                    ),
                ],
            ),
            METRICS_APISERVER_APP: (
                [np.NetworkPolicyIngressRuleArgs(from_=cidrs(api_server_cidrs), ports=[port(METRICS_APISERVER_PORT)])],
                [
                    dns,
                    api_server,
                    np.NetworkPolicyEgressRuleArgs(to=pods(OPERATOR_APP), ports=[port(OPERATOR_GRPC_PORT)]),
                ],
            ),
            WEBHOOKS_APP: (
                [np.NetworkPolicyIngressRuleArgs(from_=cidrs(api_server_cidrs), ports=[port(WEBHOOKS_PORT)])],
                [dns, api_server],
            ),
        }
        return [
            np.NetworkPolicy(
                f"{name}-{app}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=app, namespace=namespace, labels=dict(labels)),
                spec=np.NetworkPolicySpecArgs(
                    pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"app": app}),
                    policy_types=["Ingress", "Egress"],
                    ingress=ingress,
                    egress=egress,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for app, (ingress, egress) in rules.items()
        ]
