"""What `pulumi up` would create for every stack: real properties, checked on the planned objects."""

from __future__ import annotations

from typing import Any

from components.gateway import STARTUP_PROBE_PERIOD_SECONDS
from components.offline.runner import Plan
from components.settings import StackSettings
from components.timeline import timeline
from tests.conftest import container, gateway_namespace, objects, one, stack_config


def pod_labels(plan: Plan) -> dict[str, str]:
    return dict(one(plan, "Deployment")["spec"]["template"]["metadata"]["labels"])


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    match = selector.get("matchLabels") or {}
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def test_probes_service_and_policy_use_the_configured_port_and_path(plan: Plan) -> None:
    g = plan.settings.gateway
    c = container(plan)
    assert [p["containerPort"] for p in c["ports"]] == [g.port]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"] == {"path": g.health_path, "port": g.port}, probe
    service = one(plan, "Service")
    assert [p["targetPort"] for p in service["spec"]["ports"]] == [g.port]
    policy = next(p for p in objects(plan, "NetworkPolicy") if p["spec"].get("ingress"))
    assert [p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]] == [g.port]
    assert c["args"][-2:] == ["--port", str(g.port)]


def test_the_startup_probe_asks_every_second_for_the_stacks_whole_startup_budget(plan: Plan) -> None:
    """A new replica is noticed within a second of answering (the timeline counts the period once per
    new pod), and a slow start gets gateway.probes.startupTimeoutSeconds before the kubelet restarts
    it, no less and less than a period more. The kubelet probes one attempt after another, so an
    attempt takes the longer of the period and the timeout (a gateway that accepts connections but
    does not answer yet): with the timeout within the period, failureThreshold x periodSeconds is
    the budget either way."""
    startup = container(plan)["startupProbe"]
    budget = plan.settings.gateway.probes.startup_timeout_seconds
    assert startup["periodSeconds"] == STARTUP_PROBE_PERIOD_SECONDS == 1
    assert startup["timeoutSeconds"] <= startup["periodSeconds"]
    attempt = max(startup["periodSeconds"], startup["timeoutSeconds"])
    assert budget <= startup["failureThreshold"] * attempt < budget + attempt
    # The readiness and liveness probes keep the stack's timeout.
    assert container(plan)["readinessProbe"]["timeoutSeconds"] == plan.settings.gateway.probes.timeout_seconds
    (chain,) = timeline(plan.settings).scale_out_with_room.chains
    assert next(t for t in chain.terms if t.name == "startup probe").worst == startup["periodSeconds"]


def test_port_and_health_path_come_from_the_stack_file(plan: Plan) -> None:
    gateway = stack_config(plan.stack)["gateway"]
    c = container(plan)
    assert c["readinessProbe"]["httpGet"]["port"] == gateway.get("port", 3030)
    assert c["readinessProbe"]["httpGet"]["path"] == gateway.get("healthPath", "/health")


def hpa_of(plan: Plan) -> dict[str, Any]:
    """The gateway's HPA as the API server will hold it: the plain HPA, or, where the stack scales on
    requests (KEDA), the HPA KEDA makes from the ScaledObject (its name, bounds, resource triggers as
    Resource metrics and behaviour; KEDA's own translation, pkg/scaling/executor and
    controllers/keda/hpa.go, is not run here)."""
    hpas = objects(plan, "HorizontalPodAutoscaler")
    if hpas:
        (hpa,) = hpas
        return hpa
    scaled = one(plan, "ScaledObject")
    spec = scaled["spec"]
    config = spec["advanced"]["horizontalPodAutoscalerConfig"]
    return {
        "apiVersion": "autoscaling/v2",
        "metadata": {"name": config["name"], "namespace": scaled["metadata"]["namespace"]},
        "spec": {
            "scaleTargetRef": spec["scaleTargetRef"],
            "minReplicas": spec["minReplicaCount"],
            "maxReplicas": spec["maxReplicaCount"],
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": t["type"],
                        "target": {"type": t["metricType"], "averageUtilization": int(t["metadata"]["value"])},
                    },
                }
                for t in spec["triggers"]
                if t["type"] in ("cpu", "memory")
            ],
            "behavior": config["behavior"],
        },
    }


def test_hpa_targets_the_deployment_with_the_stack_files_numbers(plan: Plan) -> None:
    hpa = hpa_of(plan)
    deployment = one(plan, "Deployment")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert hpa["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    # Named gateway.name like the Deployment (README settings table; the runbooks'
    # `kubectl describe hpa runmcp-gateway`), and exported as hpaName.
    # KEDA's is keda-hpa-<name> (components/autoscaling.py hpa_name_of).
    keda = "keda-hpa-" if plan.settings.scaling.requests_per_replica is not None else ""
    assert hpa["metadata"]["name"] == keda + plan.settings.gateway.name == plan.outputs["hpaName"]
    scaling = stack_config(plan.stack).get("scaling", {})
    assert hpa["spec"]["minReplicas"] == scaling.get("minReplicas", 2)
    assert hpa["spec"]["maxReplicas"] == scaling.get("maxReplicas", 10)
    # Resource metrics (Kubernetes MetricSpec type "Resource"), as a percentage of the pods' requests
    # (MetricTarget type "Utilization"); the API server refuses a type it does not know.
    assert {(m["type"], m["resource"]["target"]["type"]) for m in hpa["spec"]["metrics"]} == {
        ("Resource", "Utilization")
    }
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["spec"]["metrics"]}
    assert targets["cpu"] == scaling.get("targetCpuUtilization", 70)
    assert targets.get("memory") == scaling.get("targetMemoryUtilization")
    behavior = hpa["spec"]["behavior"]
    assert behavior["scaleUp"]["policies"]
    assert behavior["scaleDown"]["policies"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] >= behavior["scaleUp"]["stabilizationWindowSeconds"]


def test_hpa_behaviour_is_the_stack_files_scaling_rules(plan: Plan) -> None:
    """Each direction's window, policies and selectPolicy as the stack file gives them (or as the
    settings default them). selectPolicy matters beyond the default: left out, Kubernetes applies
    Max (HPAScalingRules, autoscaling/v2 API reference), so a stack's Min or Disabled would be lost."""
    behavior = hpa_of(plan)["spec"]["behavior"]
    scaling = plan.settings.scaling
    for key, rules in (("scaleUp", scaling.scale_up), ("scaleDown", scaling.scale_down)):
        assert {"selectPolicy": "Max", **behavior[key]} == {
            "stabilizationWindowSeconds": rules.stabilization_window_seconds,
            "selectPolicy": rules.select_policy,
            "policies": [{"type": p.type, "value": p.value, "periodSeconds": p.period_seconds} for p in rules.policies],
        }, key
    written = stack_config(plan.stack).get("scaling", {}).get("scaleDown")
    if written is not None:
        assert behavior["scaleDown"]["selectPolicy"] == written.get("selectPolicy", "Max")
        assert behavior["scaleDown"]["policies"] == written["policies"]


def test_deployment_leaves_the_replica_count_to_the_hpa(plan: Plan) -> None:
    assert "replicas" not in one(plan, "Deployment")["spec"]


def test_requests_always_set_and_memory_limited(plan: Plan) -> None:
    resources = container(plan)["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert "memory" in resources["limits"]
    cpu_limit = plan.settings.gateway.resources.limits.cpu
    annotations = one(plan, "Deployment")["metadata"].get("annotations", {})
    skips_cpu_limit = any(v.startswith("CKV_K8S_11=") for v in annotations.values())
    assert ("cpu" in resources["limits"]) == (cpu_limit is not None)
    assert skips_cpu_limit == (cpu_limit is None), "a missing CPU limit must say why"


def test_pdb_network_policy_and_service_select_the_gateway_pods(plan: Plan) -> None:
    labels = pod_labels(plan)
    deployment = one(plan, "Deployment")
    assert selects(deployment["spec"]["selector"], labels)
    assert selects(one(plan, "PodDisruptionBudget")["spec"]["selector"], labels)
    gateway_policy = next(p for p in objects(plan, "NetworkPolicy") if p["spec"]["podSelector"].get("matchLabels"))
    assert selects(gateway_policy["spec"]["podSelector"], labels)
    assert selects({"matchLabels": one(plan, "Service")["spec"]["selector"]}, labels)


def test_pdb_lets_drains_through_one_pod_at_a_time(plan: Plan) -> None:
    spec = one(plan, "PodDisruptionBudget")["spec"]
    assert spec["maxUnavailable"] == 1
    assert spec["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_zero_downtime_rollouts(plan: Plan) -> None:
    deployment = one(plan, "Deployment")
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = deployment["spec"]["template"]["spec"]
    pause = container(plan)["lifecycle"]["preStop"]["sleep"]["seconds"]
    shutdown = stack_config(plan.stack)["gateway"].get("shutdown", {})
    assert pause == shutdown.get("preStopSeconds", 15)
    # The grace period starts with the preStop hook: it covers the pause and then the drain.
    assert pod["terminationGracePeriodSeconds"] == pause + shutdown.get("drainSeconds", 60)
    assert pod["terminationGracePeriodSeconds"] > pause


def test_spread_across_zones_and_nodes(plan: Plan) -> None:
    pod = one(plan, "Deployment")["spec"]["template"]["spec"]
    constraints = {c["topologyKey"]: c for c in pod["topologySpreadConstraints"]}
    assert set(constraints) == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    for constraint in constraints.values():
        assert selects(constraint["labelSelector"], pod_labels(plan))
        assert constraint["matchLabelKeys"] == ["pod-template-hash"]


def test_pod_runs_restricted(plan: Plan) -> None:
    pod = one(plan, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] >= 10000
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    sc = container(plan)["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"] == {"drop": ["ALL"]}
    mounts = {m["mountPath"] for m in container(plan)["volumeMounts"]}
    scratch = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    assert "/tmp" in mounts
    assert {"tmp", "home"} <= scratch
    account = one(plan, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == account["metadata"]["name"]


def test_namespace_enforces_restricted_pod_security(plan: Plan) -> None:
    labels = gateway_namespace(plan)["metadata"]["labels"]
    version = f"v{plan.settings.cluster.kubernetes_version}"
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
        assert labels[f"pod-security.kubernetes.io/{mode}-version"] == version


def test_network_policy_denies_by_default_and_allows_dns_and_upstreams(plan: Plan) -> None:
    policies = objects(plan, "NetworkPolicy")
    default_deny = [p for p in policies if p["spec"]["podSelector"] == {}]
    assert default_deny
    assert default_deny[0]["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in default_deny[0]["spec"]
    assert "egress" not in default_deny[0]["spec"]
    gateway_policy = next(p for p in policies if p["spec"]["podSelector"] != {})
    egress = gateway_policy["spec"]["egress"]
    dns = egress[0]
    assert {(p["port"], p["protocol"]) for p in dns["ports"]} == {(53, "UDP"), (53, "TCP")}
    assert dns["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    configured = stack_config(plan.stack)["gateway"].get("networkPolicy", {}).get("egress", [])
    # A session store adds its own rule: its ports only (tests/test_session_store.py).
    store_ports = {6379, 6380}
    upstreams = [rule for rule in egress[1:] if {p["port"] for p in rule["ports"]} - store_ports]
    assert [rule["to"][0]["ipBlock"]["cidr"] for rule in upstreams] == [rule["cidr"] for rule in configured]
    to_store = [rule for rule in egress[1:] if rule not in upstreams]
    assert bool(to_store) == (plan.settings.session_store is not None)


def test_every_object_carries_the_recommended_labels(plan: Plan) -> None:
    from components.offline.kubernetes import manifests

    for obj in manifests(plan):
        labels = obj["metadata"]["labels"]
        for key in ("name", "instance", "version", "component", "part-of", "managed-by"):
            assert labels.get(f"app.kubernetes.io/{key}"), f"{obj['kind']} lacks app.kubernetes.io/{key}"
        assert labels["app.kubernetes.io/instance"] == plan.stack


def test_every_kubernetes_resource_uses_the_explicit_provider(plan: Plan) -> None:
    providers = {r.urn for r in plan.custom_resources("pulumi:providers:kubernetes")}
    assert len(providers) == 1
    kubernetes = plan.custom_resources("kubernetes:")
    assert kubernetes
    for resource in kubernetes:
        assert resource.provider in providers, f"{resource.name} uses the default provider"


def test_openapi_specs_are_mounted_read_only(plan: Plan) -> None:
    specs = plan.settings.gateway.openapi_specs
    configmaps = objects(plan, "ConfigMap")
    if not specs:
        assert configmaps == []
        return
    assert configmaps[0]["data"] == specs
    pod = one(plan, "Deployment")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if "configMap" in v)
    assert volume["configMap"]["name"] == configmaps[0]["metadata"]["name"]
    mount = next(m for m in container(plan)["volumeMounts"] if m["name"] == volume["name"])
    assert mount["readOnly"] is True
    assert mount["mountPath"] == plan.settings.gateway.specs_path


def test_image_pull_policy_follows_the_pin(plan: Plan) -> None:
    image = container(plan)["image"]
    assert image == plan.settings.gateway.image
    assert container(plan)["imagePullPolicy"] == ("IfNotPresent" if "@" in image else "Always")


def test_prod_follows_the_scaling_guidance() -> None:
    from tests.conftest import planned

    prod: StackSettings = planned("prod").settings
    assert prod.scaling.min_replicas >= 2
    assert prod.scaling.max_replicas == 10
    assert prod.scaling.target_cpu_utilization == 70
    assert not [w for w in planned("prod").warnings if "Replicas" in w]


def test_pods_on_a_failed_node_are_replaced_after_the_stacks_toleration() -> None:
    """Kubernetes binds pods to a not-ready or unreachable node for 300 s by default (the
    DefaultTolerationSeconds admission plugin, kubernetes.io/docs/concepts/scheduling-eviction/
    taint-and-toleration/); prod says 30 s, dev leaves the default (no tolerations of its own)."""
    from tests.conftest import planned

    prod = one(planned("prod"), "Deployment")["spec"]["template"]["spec"]["tolerations"]
    assert sorted((t["key"], t["operator"], t["effect"], t["tolerationSeconds"]) for t in prod) == [
        ("node.kubernetes.io/not-ready", "Exists", "NoExecute", 30),
        ("node.kubernetes.io/unreachable", "Exists", "NoExecute", 30),
    ]
    assert "tolerations" not in one(planned("dev"), "Deployment")["spec"]["template"]["spec"]
