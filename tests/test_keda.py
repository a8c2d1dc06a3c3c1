"""Request-based scaling with KEDA: the settings' refusals, the ScaledObject in place of the HPA, KEDA's
release, role, Pod Identity and NetworkPolicies, the timeline's request figure and the alarm."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from typing import Any

import pytest

from components.alarms import REQUESTS_BEHIND_FACTOR, requests_behind_minutes
from components.autoscaling import REQUESTS_COLLECTION_SECONDS
from components.keda import OPERATOR_APP, READ_ACTIONS
from components.kube import RESTRICTED_CONTAINER_SECURITY_CONTEXT, SYSTEM_NAMESPACE
from components.settings import KEDA_CHART_VERSION, REQUESTS_END_OFFSET_SECONDS
from components.timeline import (
    CLOUDWATCH_MINUTE_SECONDS,
    HPA_SYNC_PERIOD_SECONDS,
    inputs_of,
    request_scale_out_chain,
    requests_behind_seconds,
    timeline_of,
)
from tests.conftest import IMAGE, WriteStack, assert_refused, of_type, planned, single, stack_config
from tests.test_timeline import settings

SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
RELEASE = "kubernetes:helm.sh/v3:Release"


def keda_release(stack: str) -> dict[str, Any]:
    (release,) = [r.inputs for r in of_type(planned(stack), RELEASE) if r.inputs["chart"] == "keda"]
    return release


# --- Settings ----------------------------------------------------------------------------------


def test_requests_per_replica_needs_an_alb(write_stack: WriteStack) -> None:
    path = write_stack(
        {"gateway": {"image": IMAGE}, "scaling": {"requestsPerReplica": 600}, "loadBalancer": {"kind": "none"}}
    )
    assert_refused(path, "scaling.requestsPerReplica", "needs loadBalancer.kind: alb")


@pytest.mark.parametrize("key", ["pollingIntervalSeconds", "keda"])
def test_keda_settings_without_requests_per_replica_are_refused(write_stack: WriteStack, key: str) -> None:
    value: Any = 15 if key == "pollingIntervalSeconds" else {"install": False}
    path = write_stack({"gateway": {"image": IMAGE}, "scaling": {key: value}})
    assert_refused(path, f"scaling.{key}", "has no effect without requestsPerReplica")


def test_an_existing_cluster_is_assumed_to_run_keda(write_stack: WriteStack) -> None:
    config = stack_config("existing")
    config["scaling"] = {**config.get("scaling", {}), "requestsPerReplica": 600}
    config.setdefault("loadBalancer", {}).pop("kind", None)
    assert_refused(write_stack(config), "scaling.keda.install", "assumed to run KEDA")


# --- The ScaledObject in place of the HPA ------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_keda_owns_the_hpa_where_requests_per_replica_is_set(stack: str) -> None:
    plan = planned(stack)
    assert not of_type(plan, HPA)
    scaled = single(plan, SCALED_OBJECT)
    spec = scaled.inputs["spec"]
    scaling = stack_config(stack)["scaling"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "runmcp-gateway"}
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (scaling["minReplicas"], scaling["maxReplicas"])
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["name"] == "keda-hpa-runmcp-gateway"
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 300
    cpu, memory, requests = spec["triggers"]
    assert cpu == {
        "type": "cpu",
        "metricType": "Utilization",
        "metadata": {"value": str(scaling["targetCpuUtilization"])},
    }
    assert memory["metadata"] == {"value": str(scaling["targetMemoryUtilization"])}
    assert requests["type"] == "aws-cloudwatch"
    assert requests["metricType"] == "Value"  # RequestCountPerTarget is per target already
    assert requests["useCachedMetrics"] is True
    meta = requests["metadata"]
    assert meta["dimensionName"] == "TargetGroup"
    assert meta["dimensionValue"] == plan.outputs["targetGroupArnSuffix"]
    assert (meta["namespace"], meta["metricName"], meta["metricStat"]) == (
        "AWS/ApplicationELB",
        "RequestCountPerTarget",
        "Sum",
    )
    assert meta["targetMetricValue"] == str(scaling["requestsPerReplica"])
    assert meta["awsRegion"] == "us-east-1"
    assert int(meta["metricCollectionTime"]) == REQUESTS_COLLECTION_SECONDS
    # The newest minute read closed a minute before: its data has arrived (a fresher one reads low).
    assert int(meta["metricEndTimeOffset"]) == REQUESTS_END_OFFSET_SECONDS == 60
    assert int(meta["metricCollectionTime"]) % int(meta["metricStatPeriod"]) == 0  # KEDA refuses otherwise
    auth = single(plan, "kubernetes:keda.sh/v1alpha1:TriggerAuthentication")
    assert auth.inputs["spec"] == {"podIdentity": {"provider": "aws"}}
    assert requests["authenticationRef"] == {"name": auth.inputs["metadata"]["name"]}


def test_the_scaled_object_waits_for_keda_and_replaces_the_hpa_deleting_it_first() -> None:
    plan = planned("prod")
    scaled = single(plan, SCALED_OBJECT)
    (release,) = [r for r in of_type(plan, RELEASE) if r.inputs["chart"] == "keda"]
    assert release.urn in scaled.dependencies
    assert scaled.delete_before_replace
    assert any("HorizontalPodAutoscaler" in str(alias) for alias in scaled.aliases)
    # A change of kind alone is no replacement to the kubernetes provider (only name and namespace
    # are): without these the switch would be an update of the old name under the new kind, and fail.
    assert {"apiVersion", "kind"} <= set(scaled.replace_on_changes)
    hpa = single(planned("dev"), HPA)
    assert hpa.delete_before_replace
    assert {"apiVersion", "kind"} <= set(hpa.replace_on_changes)
    assert any("ScaledObject" in str(alias) for alias in hpa.aliases)


def test_dev_keeps_the_plain_hpa_and_installs_no_keda() -> None:
    plan = planned("dev")
    assert of_type(plan, HPA)
    assert not of_type(plan, SCALED_OBJECT)
    assert all(r.inputs["chart"] != "keda" for r in of_type(plan, RELEASE))


# --- KEDA itself ---------------------------------------------------------------------------------


def test_keda_is_pinned_restricted_and_in_the_controllers_namespace() -> None:
    release = keda_release("prod")
    assert release["version"] == KEDA_CHART_VERSION
    assert release["namespace"] == SYSTEM_NAMESPACE
    values = release["values"]
    for component in ("operator", "metricServer", "webhooks"):
        assert values["securityContext"][component] == RESTRICTED_CONTAINER_SECURITY_CONTEXT
        pod = values["podSecurityContext"][component]
        assert pod["runAsNonRoot"] is True
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert values["networkPolicy"] == {"enabled": False}  # ours instead
    assert values["permissions"]["operator"]["restrict"]["secret"] is True


def test_the_operator_may_only_read_metrics_through_pod_identity() -> None:
    plan = planned("prod")
    (association,) = [
        a
        for a in of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if a.inputs["serviceAccount"] == keda_release("prod")["values"]["serviceAccount"]["operator"]["name"]
    ]
    assert association.inputs["namespace"] == SYSTEM_NAMESPACE
    role = association.inputs["roleArn"].rsplit("/", 1)[-1]
    (policy,) = [p for p in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role]
    document = json.loads(policy.inputs["policy"])
    assert document["Statement"] == [{"Effect": "Allow", "Action": ["cloudwatch:GetMetricData"], "Resource": "*"}]
    assert READ_ACTIONS == ("cloudwatch:GetMetricData",)


def keda_policies(stack: str) -> dict[str, dict[str, Any]]:
    return {
        r.inputs["metadata"]["name"]: r.inputs["spec"]
        for r in of_type(planned(stack), "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if r.inputs["metadata"]["namespace"] == SYSTEM_NAMESPACE
    }


def admits(rules: list[dict[str, Any]], address: str, port: int, side: str) -> bool:
    for rule in rules:
        if not any(p["port"] == port for p in rule.get("ports", [])):
            continue
        for peer in rule.get(side, []):
            block = peer.get("ipBlock")
            ip = ipaddress.ip_address(address)
            if (
                block
                and ip in ipaddress.ip_network(block["cidr"])
                and not any(ip in ipaddress.ip_network(e) for e in block.get("except", []))
            ):
                return True
    return False


def test_each_keda_pod_has_a_network_policy_admitting_only_what_it_needs() -> None:
    policies = keda_policies("prod")
    assert set(policies) == {"keda-operator", "keda-operator-metrics-apiserver", "keda-admission-webhooks"}
    api_server = "10.20.0.10"  # in prod's VPC (cluster.eks.network.cidr 10.20.0.0/16)
    metrics, webhooks, operator = (
        policies["keda-operator-metrics-apiserver"],
        policies["keda-admission-webhooks"],
        policies[OPERATOR_APP],
    )
    assert admits(metrics["ingress"], api_server, 6443, "from")
    assert admits(webhooks["ingress"], api_server, 9443, "from")
    assert not admits(metrics["ingress"], "203.0.113.9", 6443, "from")
    for spec in policies.values():
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        assert admits(spec["egress"], api_server, 443, "to")
        assert not admits(spec["egress"], "169.254.169.254", 80, "to")
    # The operator reaches CloudWatch (any public address on 443) and the Pod Identity agent; the others do not.
    assert admits(operator["egress"], "52.94.0.1", 443, "to")
    assert admits(operator["egress"], "169.254.170.23", 80, "to")
    assert not admits(metrics["egress"], "52.94.0.1", 443, "to")
    assert not admits(webhooks["egress"], "169.254.170.23", 80, "to")
    assert operator["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"app": "keda-operator-metrics-apiserver"}}}],
            "ports": [{"port": 9666, "protocol": "TCP"}],
        }
    ]


# --- Timeline and alarm ----------------------------------------------------------------------------


def test_the_request_figure_adds_its_terms() -> None:
    i = inputs_of(settings("prod"))
    chain = request_scale_out_chain(i, new_node=False)
    assert chain is not None
    by_name = {t.name: (t.best, t.worst) for t in chain.terms}
    assert by_name["CloudWatch minute"] == (CLOUDWATCH_MINUTE_SECONDS, 2 * CLOUDWATCH_MINUTE_SECONDS)
    assert by_name["KEDA end offset"] == (REQUESTS_END_OFFSET_SECONDS, REQUESTS_END_OFFSET_SECONDS)
    assert by_name["KEDA poll"] == (0, 30)
    assert by_name["HPA sync"] == (0, HPA_SYNC_PERIOD_SECONDS)
    assert (chain.best, chain.worst) == (sum(b for b, _ in by_name.values()), sum(w for _, w in by_name.values()))
    assert (chain.best, chain.worst) == (123, 268)
    # The polling interval moves the worst case one for one.
    slower = request_scale_out_chain(dataclasses.replace(i, polling_interval=90), new_node=False)
    assert slower is not None
    assert slower.worst - chain.worst == 60
    # It is slower than the CPU path, and says so.
    t = timeline_of(i)
    assert t.scale_out_on_requests.worst is not None
    assert t.scale_out_with_room.worst is not None
    assert t.scale_out_on_requests.worst > t.scale_out_with_room.worst
    assert any("slower than the CPU path" in note for note in t.scale_out_on_requests.notes)


def test_without_requests_per_replica_there_is_no_request_figure() -> None:
    t = timeline_of(inputs_of(settings("dev")))
    assert t.scale_out_on_requests.chains == ()
    assert t.scale_out_on_requests.unavailable is not None
    assert "requestsPerReplica is unset" in t.scale_out_on_requests.unavailable
    assert requests_behind_seconds(inputs_of(settings("dev"))) is None


def test_the_alarm_window_is_the_worst_request_scale_out_with_a_node() -> None:
    i = inputs_of(settings("prod"))
    with_node = request_scale_out_chain(i, new_node=True)
    assert with_node is not None
    seconds = requests_behind_seconds(i)
    assert seconds == with_node.worst
    minutes = requests_behind_minutes(seconds)
    assert minutes == -(-seconds // 60) + 1
    assert minutes * 60 > seconds
    alarm = next(
        r.inputs
        for r in of_type(planned("prod"), "aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.name.endswith("requests-per-target-high")
    )
    assert alarm["metricName"] == "RequestCountPerTarget"
    assert alarm["dimensions"] == {"TargetGroup": planned("prod").outputs["targetGroupArnSuffix"]}
    assert alarm["threshold"] == REQUESTS_BEHIND_FACTOR * stack_config("prod")["scaling"]["requestsPerReplica"]
    assert alarm["evaluationPeriods"] == alarm["datapointsToAlarm"] == minutes
    assert alarm["period"] == 60


def test_stacks_without_keda_get_no_requests_alarm() -> None:
    names = [r.name for r in of_type(planned("dev"), "aws:cloudwatch/metricAlarm:MetricAlarm")]
    assert names
    assert not any(n.endswith("requests-per-target-high") for n in names)
