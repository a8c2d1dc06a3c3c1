"""The Application Load Balancer: listeners, TLS, the security-group chain, the target group and
its binding, shutdown timing, access logs, WAF, and the none kind."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest

from components.load_balancer import CONTROLLER_WRITE_ACTIONS, READINESS_GATE_LABEL
from components.offline.kubernetes import validate, validate_plan
from components.offline.runner import Plan, PlannedResource, run_plan
from components.settings import DEREGISTRATION_PROPAGATION_SECONDS, SettingsError
from tests.conftest import (
    IMAGE,
    PROJECT_DIR,
    WriteStack,
    assert_refused,
    container,
    gateway_namespace,
    objects,
    of_type,
    one,
    planned,
    single,
    stack_config,
)


def named(plan: Plan, type_token: str, suffix: str) -> PlannedResource:
    (found,) = [r for r in of_type(plan, type_token) if r.name.endswith(suffix)]
    return found


def listeners(plan: Plan) -> dict[int, dict[str, Any]]:
    return {r.inputs["port"]: r.inputs for r in of_type(plan, "aws:lb/listener:Listener")}


def lb_config(stack: str) -> dict[str, Any]:
    return dict(stack_config(stack).get("loadBalancer", {}))


# --- Listeners and TLS -------------------------------------------------------------------------


def test_https_listener_with_tls13_and_a_301_redirect_when_a_domain_is_set() -> None:
    plan = planned("prod")
    target_group = named(plan, "aws:lb/targetGroup:TargetGroup", "-tg")
    by_port = listeners(plan)
    assert set(by_port) == {80, 443}
    https = by_port[443]
    assert https["protocol"] == "HTTPS"
    assert https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13-")
    assert https["sslPolicy"] == plan.settings.load_balancer.tls_policy
    assert https["defaultActions"] == [{"type": "forward", "targetGroupArn": target_group.resource_id}]
    # The certificate the listener uses is the validated one, made for the configured domain.
    (certificate,) = of_type(plan, "aws:acm/certificate:Certificate")
    assert certificate.inputs["domainName"] == lb_config("prod")["domain"]["name"]
    assert certificate.inputs["validationMethod"] == "DNS"
    assert https["certificateArn"] == certificate.resource_id
    (validation,) = of_type(plan, "aws:acm/certificateValidation:CertificateValidation")
    https_urn = named(plan, "aws:lb/listener:Listener", "-https").urn
    assert validation.urn in next(r for r in plan.resources if r.urn == https_urn).dependencies
    http = by_port[80]
    assert http["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]
    assert plan.outputs["url"] == f"https://{lb_config('prod')['domain']['name']}/mcp"


def test_without_certificate_or_domain_http_only_and_a_warning() -> None:
    plan = planned("dev")
    by_port = listeners(plan)
    assert set(by_port) == {80}
    assert by_port[80]["defaultActions"][0]["type"] == "forward"
    assert any("plain HTTP" in w for w in plan.warnings)
    assert not any("plain HTTP" in w for w in planned("prod").warnings)
    assert plan.outputs["url"].startswith("http://")


def test_a_given_certificate_is_used_as_is(write_stack: WriteStack) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    plan = run_plan(
        PROJECT_DIR, "bad", write_stack({"gateway": {"image": IMAGE}, "loadBalancer": {"certificateArn": arn}})
    )
    assert listeners(plan)[443]["certificateArn"] == arn
    assert of_type(plan, "aws:acm/certificate:Certificate") == []
    assert of_type(plan, "aws:route53/record:Record") == []


def test_alias_record_points_the_domain_at_the_load_balancer() -> None:
    plan = planned("prod")
    alias = named(plan, "aws:route53/record:Record", "-alias").inputs
    domain = lb_config("prod")["domain"]
    assert (alias["name"], alias["type"], alias["zoneId"]) == (domain["name"], "A", domain["hostedZoneId"])
    assert alias["aliases"][0]["name"] == plan.outputs["albDnsName"]
    assert alias["aliases"][0]["evaluateTargetHealth"] is True


# --- Security groups ---------------------------------------------------------------------------


def test_security_group_chain_admits_only_clients_then_only_the_alb(repo_stack: str) -> None:
    plan = planned(repo_stack)
    port = plan.settings.gateway.port
    alb = named(plan, "aws:lb/loadBalancer:LoadBalancer", "-alb")
    (alb_group,) = of_type(plan, "aws:ec2/securityGroup:SecurityGroup")
    assert alb.inputs["securityGroups"] == [alb_group.resource_id]
    ingress = [r.inputs for r in of_type(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    clients = [r for r in ingress if r["securityGroupId"] == alb_group.resource_id]
    allowed = plan.settings.load_balancer.allowed_cidrs
    ports = {80, 443} if plan.settings.load_balancer.https else {80}
    assert {(r["cidrIpv4"], r["fromPort"]) for r in clients} == {(c, p) for c in allowed for p in ports}
    assert all(r["fromPort"] == r["toPort"] for r in clients)
    (to_pods,) = [r for r in ingress if r["securityGroupId"] != alb_group.resource_id]
    assert to_pods["referencedSecurityGroupId"] == alb_group.resource_id
    assert (to_pods["fromPort"], to_pods["toPort"], to_pods["ipProtocol"]) == (port, port, "tcp")
    assert "cidrIpv4" not in to_pods
    (egress,) = [r.inputs for r in of_type(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")]
    assert egress["securityGroupId"] == alb_group.resource_id
    assert egress["referencedSecurityGroupId"] == to_pods["securityGroupId"]
    assert (egress["fromPort"], egress["toPort"]) == (port, port)
    # The pods' side is the cluster security group every managed node carries.
    rule = named(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "-from-alb")
    assert next(r for r in plan.resources if r.type == "aws:eks/cluster:Cluster").urn in rule.dependencies


def test_load_balancer_in_the_subnets_its_scheme_needs(repo_stack: str) -> None:
    plan = planned(repo_stack)
    alb = named(plan, "aws:lb/loadBalancer:LoadBalancer", "-alb").inputs
    public = {s.resource_id for s in of_type(plan, "aws:ec2/subnet:Subnet") if "public" in s.name}
    assert alb["internal"] is False
    assert set(alb["subnets"]) == public


# --- Target group, health check, binding -------------------------------------------------------


def test_health_check_agrees_with_the_readiness_probe(repo_stack: str) -> None:
    plan = planned(repo_stack)
    group = named(plan, "aws:lb/targetGroup:TargetGroup", "-tg").inputs
    probe = container(plan)["readinessProbe"]["httpGet"]
    assert group["targetType"] == "ip"
    assert group["port"] == probe["port"] == container(plan)["ports"][0]["containerPort"]
    check = group["healthCheck"]
    assert check["path"] == probe["path"]
    assert check["port"] == "traffic-port"
    assert check["matcher"] == "200"
    assert check["timeout"] < check["interval"]
    assert group["loadBalancingAlgorithmType"] == "least_outstanding_requests"
    assert group["stickiness"]["enabled"] is False


def test_binding_registers_the_gateway_service_in_the_target_group(repo_stack: str) -> None:
    plan = planned(repo_stack)
    group = named(plan, "aws:lb/targetGroup:TargetGroup", "-tg")
    binding = one(plan, "TargetGroupBinding")
    service = one(plan, "Service")
    assert binding["spec"]["targetGroupARN"] == group.resource_id
    assert binding["spec"]["targetType"] == "ip"
    assert binding["spec"]["serviceRef"] == {
        "name": service["metadata"]["name"],
        "port": service["spec"]["ports"][0]["port"],
    }
    assert binding["metadata"]["namespace"] == service["metadata"]["namespace"]
    assert validate(binding, "1.33") == []


def test_binding_schema_catches_a_misspelt_field() -> None:
    binding = one(planned("prod"), "TargetGroupBinding")
    bad = {**binding, "spec": {**binding["spec"], "targetGroupArn": binding["spec"]["targetGroupARN"]}}
    del bad["spec"]["targetGroupARN"]
    problems = validate(bad, "1.33")
    assert any("targetGroupARN" in v.message for v in problems)
    assert any("targetGroupArn" in v.message for v in problems)
    unknown = {**binding, "apiVersion": "example.com/v1", "kind": "Widget"}
    assert any("no schema" in v.message for v in validate(unknown, "1.33"))
    assert validate_plan(planned("prod")) == []


def test_namespace_injects_readiness_gates_after_the_controller_is_up(repo_stack: str) -> None:
    plan = planned(repo_stack)
    namespace = gateway_namespace(plan)
    for key, value in READINESS_GATE_LABEL.items():
        assert namespace["metadata"]["labels"][key] == value
    release = next(r for r in of_type(plan, "kubernetes:helm.sh/v3:Release") if "load-balancer-controller" in r.name)
    namespace_resource = next(
        r
        for r in of_type(plan, "kubernetes:core/v1:Namespace")
        if r.inputs["metadata"]["name"] == plan.settings.gateway.namespace
    )
    assert release.urn in namespace_resource.dependencies


# --- Shutdown ----------------------------------------------------------------------------------


def test_deregistration_delay_pre_stop_and_grace_period_agree(repo_stack: str) -> None:
    plan = planned(repo_stack)
    group = named(plan, "aws:lb/targetGroup:TargetGroup", "-tg").inputs
    pod = one(plan, "Deployment")["spec"]["template"]["spec"]
    pause = container(plan)["lifecycle"]["preStop"]["sleep"]["seconds"]
    shutdown = stack_config(repo_stack)["gateway"]["shutdown"]
    # The pause outlasts deregistration; the grace period covers pause and drain; the ALB keeps
    # streams exactly as long as the pod may finish them.
    assert pause == shutdown["preStopSeconds"] >= DEREGISTRATION_PROPAGATION_SECONDS
    assert pod["terminationGracePeriodSeconds"] == pause + shutdown["drainSeconds"]
    assert group["deregistrationDelay"] == pod["terminationGracePeriodSeconds"]


def test_a_pause_too_short_for_the_alb_is_refused(write_stack: WriteStack) -> None:
    gateway = {"image": IMAGE, "shutdown": {"preStopSeconds": 5}}
    with pytest.raises(SettingsError) as caught:
        run_plan(PROJECT_DIR, "bad", write_stack({"gateway": gateway}))
    assert any("gateway.shutdown.preStopSeconds: is 5; behind an ALB" in line for line in caught.value.lines())
    # Without a load balancer, the same pause is fine.
    run_plan(PROJECT_DIR, "bad", write_stack({"gateway": gateway, "loadBalancer": {"kind": "none"}}))


# --- Attributes, logs, WAF ---------------------------------------------------------------------


def test_load_balancer_attributes_from_the_stack_file(repo_stack: str) -> None:
    plan = planned(repo_stack)
    alb = named(plan, "aws:lb/loadBalancer:LoadBalancer", "-alb").inputs
    config = lb_config(repo_stack)
    assert alb["loadBalancerType"] == "application"
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["desyncMitigationMode"] == "strictest"
    assert alb["enableDeletionProtection"] is config.get("deletionProtection", True)
    assert alb["idleTimeout"] == plan.settings.load_balancer.idle_timeout_seconds >= 300
    logs_on = config.get("accessLogs", {}).get("enabled", True)
    assert bool(alb.get("accessLogs", {}).get("enabled")) is logs_on
    assert bool(of_type(plan, "aws:s3/bucket:Bucket")) is logs_on


def test_access_log_bucket_is_private_encrypted_and_expires() -> None:
    plan = planned("prod")
    (bucket,) = of_type(plan, "aws:s3/bucket:Bucket")
    alb = named(plan, "aws:lb/loadBalancer:LoadBalancer", "-alb")
    assert alb.inputs["accessLogs"]["bucket"] == bucket.resource_id
    block = of_type(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs
    assert all(
        block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    encryption = of_type(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert encryption[0].inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    (rule,) = of_type(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0].inputs["rules"]
    assert rule["expiration"]["days"] == lb_config("prod")["accessLogs"]["retentionDays"]
    policy = json.loads(of_type(plan, "aws:s3/bucketPolicy:BucketPolicy")[0].inputs["policy"])
    delivery, tls = policy["Statement"]
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Resource"].endswith("/alb/AWSLogs/123456789012/*")
    assert tls["Effect"] == "Deny"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    policy_urn = of_type(plan, "aws:s3/bucketPolicy:BucketPolicy")[0].urn
    assert policy_urn in alb.dependencies, "the ALB checks log delivery when it is created"


def test_prod_rate_limits_clients_with_waf() -> None:
    plan = planned("prod")
    (acl,) = of_type(plan, "aws:wafv2/webAcl:WebAcl")
    (rule,) = acl.inputs["rules"]
    rate = rule["statement"]["rateBasedStatement"]
    assert rate == {
        "limit": lb_config("prod")["waf"]["requestsPerFiveMinutes"],
        "aggregateKeyType": "IP",
        "evaluationWindowSec": 300,
    }
    assert "block" in rule["action"]
    (association,) = of_type(plan, "aws:wafv2/webAclAssociation:WebAclAssociation")
    assert association.inputs["resourceArn"] == named(plan, "aws:lb/loadBalancer:LoadBalancer", "-alb").resource_id
    assert of_type(planned("dev"), "aws:wafv2/webAcl:WebAcl") == []


# --- Controller --------------------------------------------------------------------------------


def test_controller_is_pinned_configured_and_confined_to_the_target_group(repo_stack: str) -> None:
    plan = planned(repo_stack)
    (release,) = [
        r.inputs
        for r in of_type(plan, "kubernetes:helm.sh/v3:Release")
        if r.inputs["chart"] == "aws-load-balancer-controller"
    ]
    assert release["version"] == plan.settings.load_balancer.controller.chart_version
    values = release["values"]
    assert values["region"] == "us-east-1"
    assert values["vpcId"] == single(plan, "aws:ec2/vpc:Vpc").resource_id
    assert values["clusterName"] == plan.outputs["clusterName"]
    (identity,) = [
        r.inputs
        for r in of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if "load-balancer-controller" in r.name
    ]
    assert (identity["namespace"], identity["serviceAccount"]) == (
        release["namespace"],
        values["serviceAccount"]["name"],
    )
    # The controller's own policy (read) and the gateway's (bind its target groups), on one role.
    policies = [r for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if "load-balancer-controller" in r.name]
    assert len(policies) == 2
    assert len({r.inputs["role"] for r in policies}) == 1
    statements = [s for r in policies for s in json.loads(r.inputs["policy"])["Statement"]]
    target_group = named(plan, "aws:lb/targetGroup:TargetGroup", "-tg")
    (write,) = [s for s in statements if not all(a.split(":")[1].startswith("Describe") for a in s["Action"])]
    assert set(write["Action"]) == set(CONTROLLER_WRITE_ACTIONS)
    # IAM wildcards: * any run of characters (fnmatch's meaning; ARNs hold no brackets).
    assert fnmatch.fnmatchcase(target_group.resource_id, write["Resource"])
    assert write["Condition"] == {"StringEquals": {"aws:ResourceTag/stack": target_group.inputs["tags"]["stack"]}}
    region_account = target_group.resource_id.split(":targetgroup/")[0]
    other = f"{region_account}:targetgroup/payments-load-balancer-tg-1a2b3c4/0123456789abcdef"
    assert not fnmatch.fnmatchcase(other, write["Resource"])


def test_a_replaced_target_group_stays_within_the_controllers_permission(monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed port replaces the target group (port, protocol, protocol version, target type and VPC
    force a replacement: terraform-provider-aws aws_lb_target_group). Its successor, auto-named or
    deterministic, starts with the same stem, so the controller can still deregister the old
    group's targets while it registers the new one's."""
    import pulumi

    from components.names import ELB_NAME, deterministic_name, name_stem

    monkeypatch.setattr(pulumi, "get_project", lambda: "runmcp-gateway")
    monkeypatch.setattr(pulumi, "get_stack", lambda: "prod")
    logical = "a-rather-long-platform-name-load-balancer-tg"
    before = deterministic_name(logical, ELB_NAME, "8080", "HTTP", "HTTP1", "ip", "vpc-1")
    after = deterministic_name(logical, ELB_NAME, "9090", "HTTP", "HTTP1", "ip", "vpc-1")
    assert before != after
    assert len(before) <= 32
    assert len(after) <= 32
    stem = name_stem(logical, ELB_NAME)
    assert before.startswith(f"{stem}-")
    assert after.startswith(f"{stem}-")


# --- Existing cluster and the none kind --------------------------------------------------------


def test_none_kind_keeps_only_the_cluster_ip_service() -> None:
    plan = planned("existing")
    assert plan.custom_resources("aws:") == []
    assert [r for r in plan.resources if "TargetGroupBinding" in r.type or "Release" in r.type] == []
    assert one(plan, "Service")["spec"].get("type", "ClusterIP") == "ClusterIP"
    labels = gateway_namespace(plan)["metadata"]["labels"]
    assert not set(READINESS_GATE_LABEL) & set(labels)
    assert "url" not in plan.outputs


def test_none_kind_refuses_settings_that_would_do_nothing(write_stack: WriteStack) -> None:
    with pytest.raises(SettingsError) as caught:
        run_plan(
            PROJECT_DIR,
            "bad",
            write_stack({"gateway": {"image": IMAGE}, "loadBalancer": {"kind": "none", "waf": {"enabled": True}}}),
        )
    assert (
        "Pulumi.bad.yaml: runmcp-gateway:loadBalancer.waf: has no effect with kind: none; remove it"
        in caught.value.lines()
    )


EXISTING = {
    "existing": {"context": "ops"},
    "kubernetesVersion": "1.32",
}
EXISTING_NETWORK = {
    "name": "platform",
    "vpcId": "vpc-0123456789abcdef0",
    "subnetIds": ["subnet-0aa1111111111111a", "subnet-0bb2222222222222b"],
    "nodeSecurityGroupId": "sg-0123456789abcdef0",
}


def test_existing_cluster_with_its_own_controller(write_stack: WriteStack) -> None:
    plan = run_plan(
        PROJECT_DIR,
        "bad",
        write_stack(
            {
                "gateway": {"image": IMAGE},
                "cluster": {**EXISTING, "existing": {**EXISTING["existing"], **EXISTING_NETWORK}},
                "loadBalancer": {"controller": {"install": False}},
            }
        ),
    )
    assert of_type(plan, "kubernetes:helm.sh/v3:Release") == []
    assert of_type(plan, "aws:eks/cluster:Cluster") == []
    alb = named(plan, "aws:lb/loadBalancer:LoadBalancer", "-alb").inputs
    assert alb["subnets"] == EXISTING_NETWORK["subnetIds"]
    rule = named(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "-from-alb").inputs
    assert rule["securityGroupId"] == EXISTING_NETWORK["nodeSecurityGroupId"]
    assert one(plan, "TargetGroupBinding")["spec"]["targetType"] == "ip"


def test_existing_cluster_needs_its_network_named(write_stack: WriteStack) -> None:
    with pytest.raises(SettingsError) as caught:
        run_plan(PROJECT_DIR, "bad", write_stack({"gateway": {"image": IMAGE}, "cluster": EXISTING}))
    lines = caught.value.lines()
    for key in ("name", "vpcId", "nodeSecurityGroupId"):
        assert f"Pulumi.bad.yaml: runmcp-gateway:cluster.existing.{key}: is required with an ALB" in "\n".join(lines)
    assert any(line.startswith("Pulumi.bad.yaml: runmcp-gateway:cluster.existing.subnetIds: ") for line in lines)


@pytest.mark.parametrize(
    ("settings", "key", "fragment"),
    [
        ({"tlsPolicy": "ELBSecurityPolicy-2016-08"}, "loadBalancer.tlsPolicy", "not a TLS 1.3"),
        ({"idleTimeoutSeconds": 5000}, "loadBalancer.idleTimeoutSeconds", "4000"),
        (
            {"healthCheck": {"intervalSeconds": 5, "timeoutSeconds": 5}},
            "loadBalancer.healthCheck.timeoutSeconds",
            "shorter",
        ),
        ({"domain": {"name": "not a domain", "hostedZoneId": "Z123"}}, "loadBalancer.domain.name", "domain name"),
        ({"kind": "nlb"}, "loadBalancer.kind", "'alb' or 'none'"),
    ],
)
def test_bad_load_balancer_settings_name_file_and_key(
    settings: dict[str, Any], key: str, fragment: str, write_stack: WriteStack
) -> None:
    assert_refused(write_stack({"gateway": {"image": IMAGE}, "loadBalancer": settings}), key, fragment)


def test_pods_are_created_after_the_binding_so_every_pod_gets_its_readiness_gate(repo_stack: str) -> None:
    plan = planned(repo_stack)
    binding = next(r for r in plan.resources if r.type.endswith(":TargetGroupBinding"))
    # The gateway's Deployment (the headroom's placeholders, which no Service selects, need no gate).
    deployment = next(
        r for r in plan.resources if r.type == "kubernetes:apps/v1:Deployment" and "GatewayWorkload$" in r.urn
    )
    service = next(r for r in plan.resources if r.type == "kubernetes:core/v1:Service")
    assert binding.urn in deployment.dependencies
    assert service.urn in binding.dependencies


def test_the_binding_waits_for_every_listener(repo_stack: str) -> None:
    """A target group no listener uses reports Target.NotInUse, so the pods' readiness gates stay false
    until a listener forwards to it (ELBv2 TargetHealth reason codes); in prod the HTTPS listener
    waits for the certificate's DNS validation. Pods come after the binding, so after the listeners."""
    plan = planned(repo_stack)
    binding = next(r for r in plan.resources if r.type.endswith(":TargetGroupBinding"))
    listeners = of_type(plan, "aws:lb/listener:Listener")
    assert len(listeners) == (2 if plan.settings.load_balancer.https else 1)
    assert {listener.urn for listener in listeners} <= set(binding.dependencies)
    https = [r for r in listeners if r.inputs["protocol"] == "HTTPS"]
    for listener in https:
        validation = single(plan, "aws:acm/certificateValidation:CertificateValidation")
        assert validation.urn in listener.dependencies


def test_log_delivery_in_a_region_without_an_elb_account(write_stack: WriteStack) -> None:
    """Regions opened since August 2022 deliver ALB logs through the service principal only."""
    plan = run_plan(PROJECT_DIR, "bad", write_stack({"gateway": {"image": IMAGE}}, region="eu-central-2"))
    policy = json.loads(of_type(plan, "aws:s3/bucketPolicy:BucketPolicy")[0].inputs["policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    older = json.loads(of_type(planned("prod"), "aws:s3/bucketPolicy:BucketPolicy")[0].inputs["policy"])
    assert older["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::127311923021:root"


# --- The controllers' pods -------------------------------------------------------------------

CHART_SECURITY_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # chart -> (pod-level key path, container-level key path) in its values.yaml
    "aws-load-balancer-controller": (("podSecurityContext",), ("securityContext",)),  # eks-charts, v1.17.1
    "cluster-autoscaler": (("securityContext",), ("containerSecurityContext",)),  # kubernetes/autoscaler chart
    # kedacore/charts keda 2.20.2: one context per component; the operator holds the AWS role.
    "keda": (("podSecurityContext", "operator"), ("securityContext", "operator")),
}


def test_controllers_holding_aws_permissions_run_under_pod_security_restricted(repo_stack: str) -> None:
    """Both controllers hold AWS permissions: their pods run with a restricted security context, in a
    namespace where Pod Security `restricted` is enforced (kube-system cannot enforce it)."""
    plan = planned(repo_stack)
    releases = of_type(plan, "kubernetes:helm.sh/v3:Release")
    # KEDA only where a gateway scales on requests (prod and staging).
    assert {"aws-load-balancer-controller", "cluster-autoscaler"} <= {r.inputs["chart"] for r in releases}
    assert {r.inputs["chart"] for r in releases} <= set(CHART_SECURITY_KEYS)
    namespaces = {o["metadata"]["name"]: o for o in objects(plan, "Namespace")}
    identities = of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
    for release in releases:
        namespace = release.inputs["namespace"]
        assert namespace != "kube-system"
        labels = namespaces[namespace]["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        pod_key, container_key = CHART_SECURITY_KEYS[release.inputs["chart"]]
        pod, container = release.inputs["values"], release.inputs["values"]
        for key in pod_key:
            pod = pod[key]
        for key in container_key:
            container = container[key]
        assert pod["runAsNonRoot"] is True
        assert pod["runAsUser"] != 0
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
        assert container["allowPrivilegeEscalation"] is False
        assert container["capabilities"] == {"drop": ["ALL"]}
        # Its AWS role is bound to the service account in that same namespace.
        assert any(
            i.inputs["namespace"] == namespace and release.name.startswith(i.name.rsplit("-", 1)[0]) for i in identities
        )


def test_a_new_target_group_replaces_the_binding_instead_of_patching_it(repo_stack: str) -> None:
    """The controller's webhook refuses to change spec.targetGroupARN (and targetType, ipAddressType,
    vpcID) of a TargetGroupBinding (aws-load-balancer-controller v2.17.1, targetgroupbinding_validator.go,
    failurePolicy Fail): a replaced target group must bring a new binding, the old one deleted first
    (same name; its deletion lets the controller deregister the old group's targets)."""
    plan = planned(repo_stack)
    binding = next(r for r in plan.resources if r.type.endswith(":TargetGroupBinding"))
    assert "spec.targetGroupARN" in binding.replace_on_changes
    assert {"spec.targetType", "spec.ipAddressType", "spec.vpcID"} <= set(binding.replace_on_changes)
    assert binding.delete_before_replace is True
    # The target group itself is created before its predecessor is deleted (a fresh name each time).
    group = named(plan, "aws:lb/targetGroup:TargetGroup", "-tg")
    assert group.delete_before_replace is False


def test_controller_releases_are_deleted_before_a_replacement(repo_stack: str) -> None:
    """A replaced release would find its cluster-scoped objects (ClusterRoles, webhooks) owned by the
    old release, which Helm refuses: the old one goes first."""
    for release in of_type(planned(repo_stack), "kubernetes:helm.sh/v3:Release"):
        assert release.delete_before_replace is True, release.name


def test_zonal_shift_where_the_stack_turns_it_on() -> None:
    """ARC zonal shift on the ALB (attribute zonal_shift.config.enabled) and on the EKS cluster,
    prod and staging only; AWS leaves both off by default."""
    from tests.conftest import planned, single

    for stack, on in (("prod", True), ("staging", True), ("dev", False)):
        plan = planned(stack)
        assert single(plan, "aws:lb/loadBalancer:LoadBalancer").inputs["enableZonalShift"] is on, stack
        cluster = single(plan, "aws:eks/cluster:Cluster").inputs
        assert cluster.get("zonalShiftConfig") == ({"enabled": True} if on else None), stack
