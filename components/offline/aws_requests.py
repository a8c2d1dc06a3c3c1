"""What the Terraform AWS provider (which pulumi-aws wraps) sends to AWS for each resource type the
program registers: the resource's recorded inputs turned into the API request(s) of the botocore
service model, so ``aws_models`` can check every argument against AWS's own model.

Every value taken from the inputs is wrapped in a ``Leaf`` that remembers its input path, so a
violation names the input and the coverage counts which inputs met at least one constraint. A value
the provider fills in at apply time (the ARN of the load balancer it just created) is ``PROVIDED``.

Sources of the request shapes: the AWS API references (named per type below) and what the Terraform
AWS provider's resources send (internal/service/<service>/<resource>.go); field names of the Pulumi
inputs are the Terraform arguments in camelCase.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .runner import PlannedResource


@dataclass(frozen=True)
class Leaf:
    value: Any
    path: str
    """The input path the value comes from ("" when it is no input, e.g. a Pulumi auto-name)."""
    origin: str = ""
    """How a value the inputs do not hold came about, e.g. "Pulumi auto-name"."""


class _Provided:
    def __repr__(self) -> str:
        return "<filled in by the provider>"


PROVIDED: Any = _Provided()
"""A value the provider fills in at apply time (an ID or ARN AWS has just answered)."""


@dataclass(frozen=True)
class Request:
    service: str
    """botocore's name for the service model (its data directory), e.g. "elbv2", "cloudwatch"."""
    operation: str
    params: dict[str, Any]
    when: str = ""
    """When the provider sends it, if not on create (e.g. "on destroy")."""


class Shapes(Protocol):
    """The part of the botocore models a translation needs to place inputs by member name."""

    def input_shape(self, service: str, operation: str) -> str: ...

    def shape(self, service: str, name: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class NameRule:
    """Which input is a type's physical name, and how pulumi-aws auto-names it when it is absent.

    What pulumi-aws does (provider/resources.go of pulumi/pulumi-aws, read at commit 00ba5ea, the v6
    line; the repository snapshot was too large to fetch whole, and no v7 copy was in the index):
    an auto-named property gets ``tfbridge.AutoName(prop, maxlen, "-")`` (or
    ``AutoNameWithCustomOptions``/``AutoNameTransform``), i.e. the logical name, "-" and 7 random hex
    characters. Per type: aws_lb_target_group ``AutoName("name", 32, "-")``; aws_iam_role 64;
    aws_s3_bucket ``AutoNameTransform("bucket", 63, strings.ToLower)``; aws_sns_topic maxlen 80
    (plus ".fifo" for FIFO topics); aws_eks_node_group ``AutoName("nodeGroupName", 255, "-")``;
    aws_cloudwatch_metric_alarm 255; aws_kms_alias 238 with "alias/" put in front. aws_lb has no
    entry, nor have aws_wafv2_web_acl, aws_launch_template, aws_cloudwatch_log_group,
    aws_iam_role_policy, aws_security_group or aws_eks_cluster: ``setAutonaming`` gives every
    other "name" input ``AutoName("name", 255, "-")``, so AWS's own limits (32 for a load balancer,
    128 for a launch template or role policy, 100 for a cluster) are the ones that bite.

    The bridge (pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go, ComputeAutoNameDefault)
    calls pulumi's resource.NewUniqueName (sdk/go/common/resource/resource_id.go), which returns
    the error "name '<prefix>' plus 7 random chars is longer than maximum length N" when the result
    would be too long; in the engine-proposed autonaming mode it errors likewise ("calculated name
    ... exceeds maximum length"). Nothing is truncated, for any type. So the check models the
    auto-name at its full length and reports a logical name the bridge itself would refuse.
    """

    input: str
    bridge_maxlen: int = 255
    lower: bool = False
    """The auto-name is lower-cased first (aws_s3_bucket: AutoNameTransform with strings.ToLower)."""
    prefix_input: str = ""


AUTO_SUFFIX_LENGTH = 7
TERRAFORM_PREFIX_SUFFIX_LENGTH = 26
"""name_prefix: terraform-plugin-sdk helper/id.PrefixedUniqueId appends a 26-character unique id."""


def auto_name(logical: str, lower: bool = False) -> str:
    """The physical name Pulumi gives an unnamed resource: logical name, "-", 7 hex characters."""
    suffix = hashlib.sha256(logical.encode()).hexdigest()[:AUTO_SUFFIX_LENGTH]
    return f"{logical.lower() if lower else logical}-{suffix}"


def physical_name(resource: PlannedResource, rule: NameRule) -> Leaf:
    value = resource.inputs.get(rule.input)
    if value is not None:
        return Leaf(value, rule.input)
    prefix = resource.inputs.get(rule.prefix_input) if rule.prefix_input else None
    if isinstance(prefix, str):
        return Leaf(prefix + "0" * TERRAFORM_PREFIX_SUFFIX_LENGTH, rule.prefix_input, "namePrefix + 26 characters")
    name = auto_name(resource.name, rule.lower)
    return Leaf(name, "", f"{rule.input} (unset: Pulumi auto-name of '{resource.name}')")


# --- building requests from inputs --------------------------------------------------------------


def join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def leaf(inputs: Mapping[str, Any], key: str, base: str = "") -> Leaf | None:
    value = inputs.get(key)
    return None if value is None else Leaf(value, join(base, key))


def leaves(inputs: Mapping[str, Any], key: str, base: str = "") -> list[Leaf] | None:
    values = inputs.get(key)
    if not isinstance(values, list):
        return None
    path = join(base, key)
    return [Leaf(v, f"{path}[{i}]") for i, v in enumerate(values)]


def as_bool_string(value: Any) -> Any:
    """How the provider writes a boolean or number into a string-valued API field (strconv)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def tag_list(inputs: Mapping[str, Any], key_member: str = "Key", value_member: str = "Value") -> list[Any] | None:
    tags = inputs.get("tags")
    if not isinstance(tags, dict) or not tags:
        return None
    return [{key_member: Leaf(k, f"tags.{k}"), value_member: Leaf(v, f"tags.{k}")} for k, v in tags.items()]


def tag_map(inputs: Mapping[str, Any]) -> dict[Any, Any] | None:
    tags = inputs.get("tags")
    if not isinstance(tags, dict) or not tags:
        return None
    return {Leaf(k, f"tags.{k}"): Leaf(v, f"tags.{k}") for k, v in tags.items()}


def tag_specifications(inputs: Mapping[str, Any], resource_type: str) -> list[Any] | None:
    tags = tag_list(inputs)
    return None if tags is None else [{"ResourceType": resource_type, "Tags": tags}]


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


def place(
    shapes: Shapes,
    service: str,
    shape_name: str,
    value: Any,
    path: str,
    renames: Mapping[str, str] | None = None,
) -> Any:
    """Place an input value under a model shape, matching object keys to member names without
    regard to case (Terraform's snake_case, Pulumi's camelCase, the API's PascalCase or camelCase).
    Keys no member matches are left out: they count as unmapped (not checked). ``renames`` maps
    input keys (at any depth, by their path relative to ``path``) to member names."""
    shape = shapes.shape(service, shape_name)
    kind = shape["type"]
    if kind == "list":
        member = shape["member"]["shape"]
        members = shapes.shape(service, member).get("members", {})
        if isinstance(value, dict) and {"Key", "Value"} <= set(members):
            # A tag map (Terraform) as the API's list of {Key, Value}.
            return [{"Key": Leaf(k, join(path, k)), "Value": Leaf(v, join(path, k))} for k, v in value.items()]
        items = value if isinstance(value, list) else [value]
        indexed = isinstance(value, list)
        return [
            place(shapes, service, member, item, f"{path}[{i}]" if indexed else path, renames)
            for i, item in enumerate(items)
        ]
    if kind == "structure" and isinstance(value, dict):
        members = {_norm(m): m for m in shape["members"]}
        out: dict[str, Any] = {}
        for key, item in value.items():
            target = (renames or {}).get(join(path, key)) or (renames or {}).get(key)
            member = target if target in shape["members"] else members.get(_norm(key))
            if member is None or item is None:
                continue
            out[member] = place(shapes, service, shape["members"][member]["shape"], item, join(path, key), renames)
        return out
    if kind == "map" and isinstance(value, dict):
        value_shape = shape["value"]["shape"]
        return {
            Leaf(k, join(path, k)): place(shapes, service, value_shape, v, join(path, k), renames)
            for k, v in value.items()
        }
    return Leaf(value, path)


def structure(
    shapes: Shapes,
    service: str,
    operation: str,
    inputs: Mapping[str, Any],
    renames: Mapping[str, str] | None = None,
    skip: Iterable[str] = (),
) -> dict[str, Any]:
    """The operation's input structure from the inputs' keys matched to its members."""
    skipped = set(skip)
    placed = place(
        shapes,
        service,
        shapes.input_shape(service, operation),
        {k: v for k, v in inputs.items() if k not in skipped and k != "tags"},
        "",
        renames,
    )
    assert isinstance(placed, dict)
    return placed


def drop_none(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


# --- the mapping per type -----------------------------------------------------------------------

Translate = Callable[[PlannedResource, Shapes], list[Request]]


@dataclass(frozen=True)
class TypeMapping:
    translate: Translate
    apis: tuple[str, ...]
    """What the provider calls, for the report: "service Operation"."""
    name: NameRule | None = None
    provider_only: frozenset[str] = field(default_factory=frozenset)
    """Inputs no AWS API receives: the provider acts on them itself (forceDestroy, allowOverwrite,
    updateDefaultVersion) or only compares them (validationRecordFqdns)."""


# Elastic Load Balancing v2 (API reference: CreateLoadBalancer, ModifyLoadBalancerAttributes,
# CreateTargetGroup, ModifyTargetGroupAttributes, CreateListener). Attribute keys the Terraform AWS
# provider sends for each argument (internal/service/elbv2/load_balancer.go, target_group.go).
LOAD_BALANCER_ATTRIBUTES: dict[str, str] = {
    "accessLogs.bucket": "access_logs.s3.bucket",
    "accessLogs.enabled": "access_logs.s3.enabled",
    "accessLogs.prefix": "access_logs.s3.prefix",
    "connectionLogs.bucket": "connection_logs.s3.bucket",
    "connectionLogs.enabled": "connection_logs.s3.enabled",
    "connectionLogs.prefix": "connection_logs.s3.prefix",
    "healthCheckLogs.bucket": "health_check_logs.s3.bucket",
    "healthCheckLogs.enabled": "health_check_logs.s3.enabled",
    "healthCheckLogs.prefix": "health_check_logs.s3.prefix",
    "idleTimeout": "idle_timeout.timeout_seconds",
    "clientKeepAlive": "client_keep_alive.seconds",
    "enableDeletionProtection": "deletion_protection.enabled",
    "enableHttp2": "routing.http2.enabled",
    "dropInvalidHeaderFields": "routing.http.drop_invalid_header_fields.enabled",
    "desyncMitigationMode": "routing.http.desync_mitigation_mode",
    "preserveHostHeader": "routing.http.preserve_host_header.enabled",
    "enableTlsVersionAndCipherSuiteHeaders": "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
    "enableXffClientPort": "routing.http.xff_client_port.enabled",
    "xffHeaderProcessingMode": "routing.http.xff_header_processing.mode",
    "enableWafFailOpen": "waf.fail_open.enabled",
    "enableCrossZoneLoadBalancing": "load_balancing.cross_zone.enabled",
    "enableZonalShift": "zonal_shift.config.enabled",
    "dnsRecordClientRoutingPolicy": "dns_record.client_routing_policy",
}
TARGET_GROUP_ATTRIBUTES: dict[str, str] = {
    "deregistrationDelay": "deregistration_delay.timeout_seconds",
    "slowStart": "slow_start.duration_seconds",
    "loadBalancingAlgorithmType": "load_balancing.algorithm.type",
    "loadBalancingAnomalyMitigation": "load_balancing.algorithm.anomaly_mitigation",
    "loadBalancingCrossZoneEnabled": "load_balancing.cross_zone.enabled",
    "proxyProtocolV2": "proxy_protocol_v2.enabled",
    "preserveClientIp": "preserve_client_ip.enabled",
    "connectionTermination": "deregistration_delay.connection_termination.enabled",
    "lambdaMultiValueHeadersEnabled": "lambda.multi_value_headers.enabled",
    "stickiness.enabled": "stickiness.enabled",
    "stickiness.type": "stickiness.type",
    "stickiness.cookieName": "stickiness.app_cookie.cookie_name",
    "targetGroupHealth.dnsFailover.minimumHealthyTargetsCount": (
        "target_group_health.dns_failover.minimum_healthy_targets.count"
    ),
    "targetGroupHealth.dnsFailover.minimumHealthyTargetsPercentage": (
        "target_group_health.dns_failover.minimum_healthy_targets.percentage"
    ),
    "targetGroupHealth.unhealthyStateRouting.minimumHealthyTargetsCount": (
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count"
    ),
    "targetGroupHealth.unhealthyStateRouting.minimumHealthyTargetsPercentage": (
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage"
    ),
}


def _dig(inputs: Mapping[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _attributes(inputs: Mapping[str, Any], table: Mapping[str, str]) -> list[dict[str, Leaf]]:
    out = []
    for path, key in table.items():
        value = _dig(inputs, path)
        if value is not None:
            out.append({"Key": Leaf(key, path, "attribute key"), "Value": Leaf(as_bool_string(value), path)})
    return out


LB_NAME = NameRule("name", prefix_input="namePrefix")
TG_NAME = NameRule("name", bridge_maxlen=32, prefix_input="namePrefix")


def _load_balancer(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    internal = i.get("internal")
    create = drop_none(
        {
            "Name": physical_name(r, LB_NAME),
            "Type": leaf(i, "loadBalancerType"),
            "Scheme": None if internal is None else Leaf("internal" if internal else "internet-facing", "internal"),
            "IpAddressType": leaf(i, "ipAddressType"),
            "Subnets": leaves(i, "subnets"),
            "SecurityGroups": leaves(i, "securityGroups"),
            "CustomerOwnedIpv4Pool": leaf(i, "customerOwnedIpv4Pool"),
            "Tags": tag_list(i),
        }
    )
    if "subnetMappings" in i:
        create["SubnetMappings"] = place(s, "elbv2", "SubnetMappings", i["subnetMappings"], "subnetMappings")
    requests = [Request("elbv2", "CreateLoadBalancer", create)]
    attributes = _attributes(i, LOAD_BALANCER_ATTRIBUTES)
    if attributes:
        requests.append(
            Request("elbv2", "ModifyLoadBalancerAttributes", {"LoadBalancerArn": PROVIDED, "Attributes": attributes})
        )
    return requests


def _target_group(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    health = i.get("healthCheck") or {}
    matcher = health.get("matcher")
    grpc = i.get("protocolVersion") == "GRPC"
    create = drop_none(
        {
            "Name": physical_name(r, TG_NAME),
            "Protocol": leaf(i, "protocol"),
            "ProtocolVersion": leaf(i, "protocolVersion"),
            "Port": leaf(i, "port"),
            "VpcId": leaf(i, "vpcId"),
            "TargetType": leaf(i, "targetType"),
            "IpAddressType": leaf(i, "ipAddressType"),
            "HealthCheckEnabled": leaf(health, "enabled", "healthCheck"),
            "HealthCheckProtocol": leaf(health, "protocol", "healthCheck"),
            "HealthCheckPort": leaf(health, "port", "healthCheck"),
            "HealthCheckPath": leaf(health, "path", "healthCheck"),
            "HealthCheckIntervalSeconds": leaf(health, "interval", "healthCheck"),
            "HealthCheckTimeoutSeconds": leaf(health, "timeout", "healthCheck"),
            "HealthyThresholdCount": leaf(health, "healthyThreshold", "healthCheck"),
            "UnhealthyThresholdCount": leaf(health, "unhealthyThreshold", "healthCheck"),
            "Matcher": None
            if matcher is None
            else {("GrpcCode" if grpc else "HttpCode"): Leaf(matcher, "healthCheck.matcher")},
            "Tags": tag_list(i),
        }
    )
    attributes = _attributes(i, TARGET_GROUP_ATTRIBUTES)
    stickiness = i.get("stickiness") or {}
    if stickiness.get("cookieDuration") is not None:
        # The provider sends the duration under the key of the stickiness type (target_group.go).
        kind = "app_cookie" if stickiness.get("type") == "app_cookie" else "lb_cookie"
        attributes.append(
            {
                "Key": Leaf(f"stickiness.{kind}.duration_seconds", "stickiness.cookieDuration", "attribute key"),
                "Value": Leaf(as_bool_string(stickiness["cookieDuration"]), "stickiness.cookieDuration"),
            }
        )
    for n, failover in enumerate(i.get("targetFailovers") or []):
        for field_, key in (("onDeregistration", "on_deregistration"), ("onUnhealthy", "on_unhealthy")):
            if failover.get(field_) is not None:
                path = f"targetFailovers[{n}].{field_}"
                attributes.append(
                    {
                        "Key": Leaf(f"target_failover.{key}", path, "attribute key"),
                        "Value": Leaf(failover[field_], path),
                    }
                )
    for n, state in enumerate(i.get("targetHealthStates") or []):
        for field_, key in (
            ("enableUnhealthyConnectionTermination", "target_health_state.unhealthy.connection_termination.enabled"),
            ("unhealthyDrainingInterval", "target_health_state.unhealthy.draining_interval_seconds"),
        ):
            if state.get(field_) is not None:
                path = f"targetHealthStates[{n}].{field_}"
                attributes.append(
                    {"Key": Leaf(key, path, "attribute key"), "Value": Leaf(as_bool_string(state[field_]), path)}
                )
    requests = [Request("elbv2", "CreateTargetGroup", create)]
    if attributes:
        requests.append(
            Request("elbv2", "ModifyTargetGroupAttributes", {"TargetGroupArn": PROVIDED, "Attributes": attributes})
        )
    return requests


ACTION_RENAMES = {
    "redirect": "RedirectConfig",
    "fixedResponse": "FixedResponseConfig",
    "forward": "ForwardConfig",
    "authenticateOidc": "AuthenticateOidcConfig",
    "authenticateCognito": "AuthenticateCognitoConfig",
    "targetGroups": "TargetGroups",
    "jwtValidation": "JwtValidationConfig",
}
"""Terraform's action blocks are named without the API's "Config" suffix."""


def _listener(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    create = drop_none(
        {
            "LoadBalancerArn": leaf(i, "loadBalancerArn"),
            "Protocol": leaf(i, "protocol"),
            "Port": leaf(i, "port"),
            "SslPolicy": leaf(i, "sslPolicy"),
            "Certificates": None
            if i.get("certificateArn") is None
            else [{"CertificateArn": Leaf(i["certificateArn"], "certificateArn")}],
            "AlpnPolicy": None if i.get("alpnPolicy") is None else [Leaf(i["alpnPolicy"], "alpnPolicy")],
            "DefaultActions": place(
                s, "elbv2", "Actions", i.get("defaultActions") or [], "defaultActions", ACTION_RENAMES
            ),
            "MutualAuthentication": None
            if i.get("mutualAuthentication") is None
            else place(s, "elbv2", "MutualAuthenticationAttributes", i["mutualAuthentication"], "mutualAuthentication"),
            "Tags": tag_list(i),
        }
    )
    return [Request("elbv2", "CreateListener", create)]


# CloudWatch (API reference: PutMetricAlarm, PutDashboard) and CloudWatch Logs (CreateLogGroup,
# PutRetentionPolicy).
ALARM_NAME = NameRule("name")


def _metric_alarm(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    params = structure(
        s,
        "cloudwatch",
        "PutMetricAlarm",
        i,
        renames={"okActions": "OKActions"},
        skip={"name", "dimensions", "metricQueries"},
    )
    params["AlarmName"] = physical_name(r, ALARM_NAME)
    dimensions = i.get("dimensions")
    if isinstance(dimensions, dict):
        params["Dimensions"] = [
            {"Name": Leaf(k, f"dimensions.{k}"), "Value": Leaf(v, f"dimensions.{k}")} for k, v in dimensions.items()
        ]
    metrics = []
    for n, query in enumerate(i.get("metricQueries") or []):
        base = f"metricQueries[{n}]"
        placed = place(s, "cloudwatch", "MetricDataQuery", {k: v for k, v in query.items() if k != "metric"}, base)
        metric = query.get("metric")
        if isinstance(metric, dict):
            mbase = f"{base}.metric"
            stat = drop_none(
                {
                    "Metric": drop_none(
                        {
                            "Namespace": leaf(metric, "namespace", mbase),
                            "MetricName": leaf(metric, "metricName", mbase),
                            "Dimensions": [
                                {
                                    "Name": Leaf(k, f"{mbase}.dimensions.{k}"),
                                    "Value": Leaf(v, f"{mbase}.dimensions.{k}"),
                                }
                                for k, v in (metric.get("dimensions") or {}).items()
                            ]
                            or None,
                        }
                    ),
                    "Period": leaf(metric, "period", mbase),
                    "Stat": leaf(metric, "stat", mbase),
                    "Unit": leaf(metric, "unit", mbase),
                }
            )
            placed["MetricStat"] = stat
        metrics.append(placed)
    if metrics:
        params["Metrics"] = metrics
    tags = tag_list(i)
    if tags:
        params["Tags"] = tags
    return [Request("cloudwatch", "PutMetricAlarm", params)]


def _dashboard(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    return [
        Request(
            "cloudwatch",
            "PutDashboard",
            drop_none({"DashboardName": leaf(i, "dashboardName"), "DashboardBody": leaf(i, "dashboardBody")}),
        )
    ]


LOG_GROUP_NAME = NameRule("name", prefix_input="namePrefix")


def _log_group(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    name = physical_name(r, LOG_GROUP_NAME)
    requests = [
        Request(
            "logs",
            "CreateLogGroup",
            drop_none(
                {
                    "logGroupName": name,
                    "kmsKeyId": leaf(i, "kmsKeyId"),
                    "logGroupClass": leaf(i, "logGroupClass"),
                    "tags": tag_map(i),
                }
            ),
        )
    ]
    # retention_in_days = 0 means "never expire": the provider then calls DeleteRetentionPolicy.
    if i.get("retentionInDays") not in (None, 0):
        requests.append(
            Request("logs", "PutRetentionPolicy", {"logGroupName": name, "retentionInDays": leaf(i, "retentionInDays")})
        )
    return requests


# IAM (API reference: CreateRole, PutRolePolicy, AttachRolePolicy).
ROLE_NAME = NameRule("name", bridge_maxlen=64, prefix_input="namePrefix")
ROLE_POLICY_NAME = NameRule("name", prefix_input="namePrefix")


def _role(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    role = physical_name(r, ROLE_NAME)
    requests = [
        Request(
            "iam",
            "CreateRole",
            drop_none(
                {
                    "RoleName": role,
                    "Path": leaf(i, "path"),
                    "AssumeRolePolicyDocument": leaf(i, "assumeRolePolicy"),
                    "Description": leaf(i, "description"),
                    "MaxSessionDuration": leaf(i, "maxSessionDuration"),
                    "PermissionsBoundary": leaf(i, "permissionsBoundary"),
                    "Tags": tag_list(i),
                }
            ),
        )
    ]
    for n, policy in enumerate(i.get("inlinePolicies") or []):
        base = f"inlinePolicies[{n}]"
        requests.append(
            Request(
                "iam",
                "PutRolePolicy",
                drop_none(
                    {
                        "RoleName": role,
                        "PolicyName": leaf(policy, "name", base),
                        "PolicyDocument": leaf(policy, "policy", base),
                    }
                ),
            )
        )
    for n, arn in enumerate(i.get("managedPolicyArns") or []):
        requests.append(
            Request("iam", "AttachRolePolicy", {"RoleName": role, "PolicyArn": Leaf(arn, f"managedPolicyArns[{n}]")})
        )
    return requests


def _role_policy(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    return [
        Request(
            "iam",
            "PutRolePolicy",
            drop_none(
                {
                    "RoleName": leaf(i, "role"),
                    "PolicyName": physical_name(r, ROLE_POLICY_NAME),
                    "PolicyDocument": leaf(i, "policy"),
                }
            ),
        )
    ]


def _role_policy_attachment(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    return [
        Request("iam", "AttachRolePolicy", drop_none({"RoleName": leaf(i, "role"), "PolicyArn": leaf(i, "policyArn")}))
    ]


# KMS (API reference: CreateKey, EnableKeyRotation, ScheduleKeyDeletion).
def _kms_key(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    create = structure(
        s,
        "kms",
        "CreateKey",
        i,
        renames={
            "customerMasterKeySpec": "KeySpec",
            "bypassPolicyLockoutSafetyCheck": "BypassPolicyLockoutSafetyCheck",
        },
        skip={"enableKeyRotation", "rotationPeriodInDays", "deletionWindowInDays", "isEnabled"},
    )
    tags = tag_list(i, "TagKey", "TagValue")
    if tags:
        create["Tags"] = tags
    requests = [Request("kms", "CreateKey", create)]
    if i.get("enableKeyRotation"):
        requests.append(
            Request(
                "kms",
                "EnableKeyRotation",
                drop_none({"KeyId": PROVIDED, "RotationPeriodInDays": leaf(i, "rotationPeriodInDays")}),
            )
        )
    if i.get("deletionWindowInDays") is not None:
        requests.append(
            Request(
                "kms",
                "ScheduleKeyDeletion",
                {"KeyId": PROVIDED, "PendingWindowInDays": leaf(i, "deletionWindowInDays")},
                when="on destroy",
            )
        )
    return requests


KMS_ALIAS_NAME = NameRule("name", bridge_maxlen=238, prefix_input="namePrefix")


def _kms_alias(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    name = physical_name(r, KMS_ALIAS_NAME)
    if not name.path:
        # aws_kms_alias: AutoNameWithCustomOptions(maxlen 238) with a PostTransform that puts
        # "alias/" in front (pulumi-aws provider/resources.go).
        name = Leaf(f"alias/{name.value}", "", name.origin)
    return [Request("kms", "CreateAlias", drop_none({"AliasName": name, "TargetKeyId": leaf(i, "targetKeyId")}))]


# SNS (API reference: CreateTopic, Subscribe).
TOPIC_NAME = NameRule("name", bridge_maxlen=80, prefix_input="namePrefix")
TOPIC_ATTRIBUTES = {
    "kmsMasterKeyId": "KmsMasterKeyId",
    "displayName": "DisplayName",
    "policy": "Policy",
    "deliveryPolicy": "DeliveryPolicy",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "signatureVersion": "SignatureVersion",
    "tracingConfig": "TracingConfig",
    "archivePolicy": "ArchivePolicy",
    "fifoThroughputScope": "FifoThroughputScope",
}


def _topic(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    attributes = {
        Leaf(attr, key, "attribute name"): Leaf(as_bool_string(i[key]), key)
        for key, attr in TOPIC_ATTRIBUTES.items()
        if i.get(key) is not None
    }
    return [
        Request(
            "sns",
            "CreateTopic",
            drop_none({"Name": physical_name(r, TOPIC_NAME), "Attributes": attributes or None, "Tags": tag_list(i)}),
        )
    ]


def _subscription(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    return [
        Request(
            "sns",
            "Subscribe",
            drop_none({"TopicArn": leaf(i, "topic"), "Protocol": leaf(i, "protocol"), "Endpoint": leaf(i, "endpoint")}),
        )
    ]


# S3 (API reference: CreateBucket, PutPublicAccessBlock, PutBucketOwnershipControls,
# PutBucketEncryption, PutBucketLifecycleConfiguration, PutBucketPolicy, PutBucketTagging).
BUCKET_NAME = NameRule("bucket", bridge_maxlen=63, lower=True, prefix_input="bucketPrefix")


def _bucket(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    name = physical_name(r, BUCKET_NAME)
    requests = [
        Request(
            "s3",
            "CreateBucket",
            drop_none({"Bucket": name, "ObjectLockEnabledForBucket": leaf(i, "objectLockEnabled")}),
        )
    ]
    tags = tag_list(i)
    if tags:
        requests.append(Request("s3", "PutBucketTagging", {"Bucket": name, "Tagging": {"TagSet": tags}}))
    return requests


def _bucket_sub(operation: str, member: str, shape: str, renames: Mapping[str, str] | None = None) -> Translate:
    """The S3 bucket sub-resources: ``bucket`` plus one configuration structure from the rest."""

    def translate(r: PlannedResource, s: Shapes) -> list[Request]:
        i = r.inputs
        rest = {k: v for k, v in i.items() if k not in ("bucket", "expectedBucketOwner")}
        params: dict[str, Any] = {"Bucket": leaf(i, "bucket")}
        if i.get("expectedBucketOwner") is not None:
            params["ExpectedBucketOwner"] = leaf(i, "expectedBucketOwner")
        if member:
            params[member] = place(s, "s3", shape, rest, "", renames)
        else:
            params.update(place(s, "s3", shape, rest, "", renames))
        return [Request("s3", operation, drop_none(params))]

    return translate


def _lifecycle(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    rules = []
    for n, rule in enumerate(i.get("rules") or []):
        base = f"rules[{n}]"
        placed = place(s, "s3", "LifecycleRule", {k: v for k, v in rule.items() if k != "filter"}, base)
        flt = rule.get("filter")
        if isinstance(flt, dict):
            placed["Filter"] = place(s, "s3", "LifecycleRuleFilter", flt, f"{base}.filter")
        rules.append(placed)
    return [
        Request(
            "s3",
            "PutBucketLifecycleConfiguration",
            {"Bucket": leaf(i, "bucket"), "LifecycleConfiguration": {"Rules": rules}},
        )
    ]


# ACM (RequestCertificate) and Route 53 (ChangeResourceRecordSets).
def _certificate(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    params = structure(s, "acm", "RequestCertificate", i, skip={"options"})
    if isinstance(i.get("options"), dict):
        params["Options"] = place(s, "acm", "CertificateOptions", i["options"], "options")
    tags = tag_list(i)
    if tags:
        params["Tags"] = tags
    return [Request("acm", "RequestCertificate", params)]


def _certificate_validation(r: PlannedResource, s: Shapes) -> list[Request]:
    # The provider waits on DescribeCertificate; the FQDNs are compared with its answer, not sent.
    return [Request("acm", "DescribeCertificate", drop_none({"CertificateArn": leaf(r.inputs, "certificateArn")}))]


def _record(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    record_set = drop_none(
        {
            "Name": leaf(i, "name"),
            "Type": leaf(i, "type"),
            "TTL": leaf(i, "ttl"),
            "SetIdentifier": leaf(i, "setIdentifier"),
            "ResourceRecords": None
            if i.get("records") is None
            else [{"Value": Leaf(v, f"records[{n}]")} for n, v in enumerate(i["records"])],
        }
    )
    aliases = i.get("aliases") or []
    if aliases:
        alias = aliases[0]
        record_set["AliasTarget"] = drop_none(
            {
                "HostedZoneId": leaf(alias, "zoneId", "aliases[0]"),
                "DNSName": leaf(alias, "name", "aliases[0]"),
                "EvaluateTargetHealth": leaf(alias, "evaluateTargetHealth", "aliases[0]"),
            }
        )
    # allow_overwrite picks UPSERT over CREATE (route53/record.go): the action, not an argument.
    action = Leaf("UPSERT" if i.get("allowOverwrite") else "CREATE", "allowOverwrite" if "allowOverwrite" in i else "")
    return [
        Request(
            "route53",
            "ChangeResourceRecordSets",
            {
                "HostedZoneId": leaf(i, "zoneId"),
                "ChangeBatch": {"Changes": [{"Action": action, "ResourceRecordSet": record_set}]},
            },
        )
    ]


# WAFv2 (API reference: CreateWebACL, AssociateWebACL).
WEB_ACL_NAME = NameRule("name", prefix_input="namePrefix")


def _web_acl(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    params = structure(s, "wafv2", "CreateWebACL", i, skip={"name", "namePrefix", "ruleJson"})
    params["Name"] = physical_name(r, WEB_ACL_NAME)
    tags = tag_list(i)
    if tags:
        params["Tags"] = tags
    return [Request("wafv2", "CreateWebACL", params)]


def _web_acl_association(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    return [
        Request(
            "wafv2",
            "AssociateWebACL",
            drop_none({"WebACLArn": leaf(i, "webAclArn"), "ResourceArn": leaf(i, "resourceArn")}),
        )
    ]


# AWS FIS (API reference: CreateExperimentTemplate). The provider sends targets and actions as maps
# keyed by their names, an action's parameters and target as maps (internal/service/fis/
# experiment_template.go: expandExperimentTemplateTargets, expandExperimentTemplateActions).
def _experiment_template(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    params = structure(
        s, "fis", "CreateExperimentTemplate", i, skip={"targets", "actions", "experimentReportConfiguration"}
    )
    params["clientToken"] = PROVIDED
    targets: dict[Any, Any] = {}
    for n, target in enumerate(i.get("targets") or []):
        base = f"targets[{n}]"
        placed = place(
            s, "fis", "CreateExperimentTemplateTargetInput", {k: v for k, v in target.items() if k != "name"}, base
        )
        if isinstance(target.get("resourceTags"), list):  # the provider's list of {key, value}
            placed["resourceTags"] = {
                Leaf(t.get("key"), f"{base}.resourceTags[{m}]"): Leaf(t.get("value"), f"{base}.resourceTags[{m}]")
                for m, t in enumerate(target["resourceTags"])
            }
        targets[Leaf(target.get("name"), f"{base}.name")] = placed
    actions: dict[Any, Any] = {}
    for n, action in enumerate(i.get("actions") or []):
        base = f"actions[{n}]"
        placed = drop_none(
            {
                "actionId": leaf(action, "actionId", base),
                "description": leaf(action, "description", base),
                "parameters": {
                    Leaf(p.get("key"), f"{base}.parameters[{m}].key"): Leaf(
                        p.get("value"), f"{base}.parameters[{m}].value"
                    )
                    for m, p in enumerate(action.get("parameters") or [])
                }
                or None,
                "startAfter": leaves(action, "startAfters", base),
            }
        )
        target = action.get("target")
        if isinstance(target, dict):
            placed["targets"] = {
                Leaf(target.get("key"), f"{base}.target.key"): Leaf(target.get("value"), f"{base}.target.value")
            }
        actions[Leaf(action.get("name"), f"{base}.name")] = placed
    params["targets"] = targets or None
    params["actions"] = actions
    tags = tag_map(i)
    if tags:
        params["tags"] = tags
    return [Request("fis", "CreateExperimentTemplate", drop_none(params))]


# EKS (API reference: CreateCluster, CreateNodegroup, CreateAddon, CreatePodIdentityAssociation,
# CreateAccessEntry, AssociateAccessPolicy).
CLUSTER_NAME = NameRule("name")
NODE_GROUP_NAME = NameRule("nodeGroupName", prefix_input="nodeGroupNamePrefix")


def _cluster(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    params = structure(
        s,
        "eks",
        "CreateCluster",
        i,
        renames={"vpcConfig": "resourcesVpcConfig"},
        skip={"name", "enabledClusterLogTypes", "encryptionConfig", "defaultAddonsToRemoves"},
    )
    params["name"] = physical_name(r, CLUSTER_NAME)
    types = leaves(i, "enabledClusterLogTypes")
    if types:
        params["logging"] = {"clusterLogging": [{"types": types, "enabled": True}]}
    if isinstance(i.get("encryptionConfig"), dict):
        params["encryptionConfig"] = place(s, "eks", "EncryptionConfigList", i["encryptionConfig"], "encryptionConfig")
    tags = tag_map(i)
    if tags:
        params["tags"] = tags
    return [Request("eks", "CreateCluster", params)]


def _node_group(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    params = structure(
        s,
        "eks",
        "CreateNodegroup",
        i,
        renames={"subnetIds": "subnets", "nodeRoleArn": "nodeRole"},
        skip={"nodeGroupName", "nodeGroupNamePrefix", "forceUpdateVersion"},
    )
    params["nodegroupName"] = physical_name(r, NODE_GROUP_NAME)
    tags = tag_map(i)
    if tags:
        params["tags"] = tags
    return [Request("eks", "CreateNodegroup", params)]


def _addon(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    params = structure(
        s,
        "eks",
        "CreateAddon",
        i,
        renames={"resolveConflictsOnCreate": "resolveConflicts"},
        skip={"resolveConflictsOnUpdate"},
    )
    tags = tag_map(i)
    if tags:
        params["tags"] = tags
    requests = [Request("eks", "CreateAddon", params)]
    if i.get("resolveConflictsOnUpdate") is not None:
        requests.append(
            Request(
                "eks",
                "UpdateAddon",
                {
                    "clusterName": leaf(i, "clusterName"),
                    "addonName": leaf(i, "addonName"),
                    "resolveConflicts": leaf(i, "resolveConflictsOnUpdate"),
                },
                when="on update",
            )
        )
    return requests


def _eks_simple(operation: str, renames: Mapping[str, str] | None = None) -> Translate:
    def translate(r: PlannedResource, s: Shapes) -> list[Request]:
        params = structure(s, "eks", operation, r.inputs, renames)
        tags = tag_map(r.inputs)
        if tags:
            params["tags"] = tags
        return [Request("eks", operation, params)]

    return translate


# EC2 (API reference: CreateVpc, ModifyVpcAttribute, CreateSubnet, ModifySubnetAttribute,
# CreateInternetGateway, AttachInternetGateway, AllocateAddress, CreateNatGateway, CreateRouteTable,
# CreateRoute, AssociateRouteTable, CreateSecurityGroup, CreateTags, CreateLaunchTemplate,
# AuthorizeSecurityGroupIngress/Egress).
LAUNCH_TEMPLATE_NAME = NameRule("name", prefix_input="namePrefix")
SECURITY_GROUP_NAME = NameRule("name", prefix_input="namePrefix")


def _attribute_calls(i: Mapping[str, Any], operation: str, id_member: str, fields: Mapping[str, str]) -> list[Request]:
    """ModifyVpcAttribute / ModifySubnetAttribute take one attribute per call, as {Value: ...}."""
    return [
        Request("ec2", operation, {id_member: PROVIDED, member: {"Value": Leaf(i[key], key)}})
        for key, member in fields.items()
        if i.get(key) is not None
    ]


def _vpc(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    create = drop_none(
        {
            "CidrBlock": leaf(i, "cidrBlock"),
            "InstanceTenancy": leaf(i, "instanceTenancy"),
            "Ipv4IpamPoolId": leaf(i, "ipv4IpamPoolId"),
            "Ipv4NetmaskLength": leaf(i, "ipv4NetmaskLength"),
            "AmazonProvidedIpv6CidrBlock": leaf(i, "assignGeneratedIpv6CidrBlock"),
            "TagSpecifications": tag_specifications(i, "vpc"),
        }
    )
    fields = {"enableDnsSupport": "EnableDnsSupport", "enableDnsHostnames": "EnableDnsHostnames"}
    return [Request("ec2", "CreateVpc", create), *_attribute_calls(i, "ModifyVpcAttribute", "VpcId", fields)]


def _subnet(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    create = drop_none(
        {
            "VpcId": leaf(i, "vpcId"),
            "CidrBlock": leaf(i, "cidrBlock"),
            "AvailabilityZone": leaf(i, "availabilityZone"),
            "AvailabilityZoneId": leaf(i, "availabilityZoneId"),
            "Ipv6CidrBlock": leaf(i, "ipv6CidrBlock"),
            "OutpostArn": leaf(i, "outpostArn"),
            "TagSpecifications": tag_specifications(i, "subnet"),
        }
    )
    fields = {
        "mapPublicIpOnLaunch": "MapPublicIpOnLaunch",
        "assignIpv6AddressOnCreation": "AssignIpv6AddressOnCreation",
        "enableDns64": "EnableDns64",
    }
    return [Request("ec2", "CreateSubnet", create), *_attribute_calls(i, "ModifySubnetAttribute", "SubnetId", fields)]


def _internet_gateway(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    requests = [
        Request(
            "ec2", "CreateInternetGateway", drop_none({"TagSpecifications": tag_specifications(i, "internet-gateway")})
        )
    ]
    if i.get("vpcId") is not None:
        requests.append(
            Request("ec2", "AttachInternetGateway", {"InternetGatewayId": PROVIDED, "VpcId": leaf(i, "vpcId")})
        )
    return requests


def _eip(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    params = structure(s, "ec2", "AllocateAddress", i, skip={"vpc"})
    tags = tag_specifications(i, "elastic-ip")
    if tags:
        params["TagSpecifications"] = tags
    return [Request("ec2", "AllocateAddress", params)]


def _nat_gateway(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    params = structure(s, "ec2", "CreateNatGateway", i)
    tags = tag_specifications(i, "natgateway")
    if tags:
        params["TagSpecifications"] = tags
    return [Request("ec2", "CreateNatGateway", params)]


ROUTE_TARGETS = {
    "cidrBlock": "DestinationCidrBlock",
    "ipv6CidrBlock": "DestinationIpv6CidrBlock",
    "destinationPrefixListId": "DestinationPrefixListId",
    "gatewayId": "GatewayId",
    "natGatewayId": "NatGatewayId",
    "networkInterfaceId": "NetworkInterfaceId",
    "transitGatewayId": "TransitGatewayId",
    "vpcEndpointId": "VpcEndpointId",
    "vpcPeeringConnectionId": "VpcPeeringConnectionId",
    "egressOnlyGatewayId": "EgressOnlyInternetGatewayId",
    "carrierGatewayId": "CarrierGatewayId",
    "localGatewayId": "LocalGatewayId",
    "coreNetworkArn": "CoreNetworkArn",
}


def _route_table(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    requests = [
        Request(
            "ec2",
            "CreateRouteTable",
            drop_none({"VpcId": leaf(i, "vpcId"), "TagSpecifications": tag_specifications(i, "route-table")}),
        )
    ]
    for n, route in enumerate(i.get("routes") or []):
        base = f"routes[{n}]"
        params: dict[str, Any] = {"RouteTableId": PROVIDED}
        for key, member in ROUTE_TARGETS.items():
            if route.get(key) not in (None, ""):
                params[member] = Leaf(route[key], f"{base}.{key}")
        requests.append(Request("ec2", "CreateRoute", params))
    return requests


def _route_table_association(r: PlannedResource, s: Shapes) -> list[Request]:
    return [Request("ec2", "AssociateRouteTable", structure(s, "ec2", "AssociateRouteTable", r.inputs))]


def _permissions(rule: Mapping[str, Any], base: str) -> list[dict[str, Any]]:
    """One inline ingress/egress block of aws_security_group as the IpPermissions of the API."""
    description = rule.get("description")
    permission: dict[str, Any] = drop_none(
        {
            "IpProtocol": leaf(rule, "protocol", base),
            "FromPort": leaf(rule, "fromPort", base),
            "ToPort": leaf(rule, "toPort", base),
        }
    )

    def with_description(entry: dict[str, Any]) -> dict[str, Any]:
        if description is not None:
            entry["Description"] = Leaf(description, join(base, "description"))
        return entry

    for key, member, inner in (
        ("cidrBlocks", "IpRanges", "CidrIp"),
        ("ipv6CidrBlocks", "Ipv6Ranges", "CidrIpv6"),
        ("prefixListIds", "PrefixListIds", "PrefixListId"),
        ("securityGroups", "UserIdGroupPairs", "GroupId"),
    ):
        values = leaves(rule, key, base)
        if values:
            permission[member] = [with_description({inner: v}) for v in values]
    return [permission]


def _security_group(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    requests = [
        Request(
            "ec2",
            "CreateSecurityGroup",
            drop_none(
                {
                    "GroupName": physical_name(r, SECURITY_GROUP_NAME),
                    "Description": leaf(i, "description"),
                    "VpcId": leaf(i, "vpcId"),
                    "TagSpecifications": tag_specifications(i, "security-group"),
                }
            ),
        )
    ]
    for key, operation in (("ingress", "AuthorizeSecurityGroupIngress"), ("egress", "AuthorizeSecurityGroupEgress")):
        for n, rule in enumerate(i.get(key) or []):
            requests.append(
                Request("ec2", operation, {"GroupId": PROVIDED, "IpPermissions": _permissions(rule, f"{key}[{n}]")})
            )
    return requests


def _default_security_group(r: PlannedResource, s: Shapes) -> list[Request]:
    # The provider adopts the VPC's "default" group (found by vpc-id), revokes every rule not in
    # its arguments, and tags it.
    i = r.inputs
    requests = [
        Request(
            "ec2",
            "DescribeSecurityGroups",
            {
                "Filters": [
                    {"Name": "vpc-id", "Values": [leaf(i, "vpcId")]},
                    {"Name": "group-name", "Values": ["default"]},
                ]
            },
        )
    ]
    tags = tag_list(i)
    if tags:
        requests.append(Request("ec2", "CreateTags", {"Resources": [PROVIDED], "Tags": tags}))
    for key, operation in (("ingress", "AuthorizeSecurityGroupIngress"), ("egress", "AuthorizeSecurityGroupEgress")):
        for n, rule in enumerate(i.get(key) or []):
            requests.append(
                Request("ec2", operation, {"GroupId": PROVIDED, "IpPermissions": _permissions(rule, f"{key}[{n}]")})
            )
    return requests


def _launch_template(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    data_inputs = {
        k: v
        for k, v in i.items()
        if k not in ("name", "namePrefix", "description", "tags", "updateDefaultVersion", "defaultVersion")
    }
    data = place(
        s,
        "ec2",
        "RequestLaunchTemplateData",
        data_inputs,
        "",
        renames={"vpcSecurityGroupIds": "SecurityGroupIds", "securityGroupNames": "SecurityGroups"},
    )
    params = drop_none(
        {
            "LaunchTemplateName": physical_name(r, LAUNCH_TEMPLATE_NAME),
            "VersionDescription": leaf(i, "description"),
            "LaunchTemplateData": data,
            "TagSpecifications": tag_specifications(i, "launch-template"),
        }
    )
    return [Request("ec2", "CreateLaunchTemplate", params)]


def _security_group_rule(operation: str) -> Translate:
    """aws_vpc_security_group_{ingress,egress}_rule: one IpPermission per rule
    (internal/service/ec2/vpc_security_group_ingress_rule.go)."""

    def translate(r: PlannedResource, s: Shapes) -> list[Request]:
        i = r.inputs
        description = leaf(i, "description")
        permission: dict[str, Any] = drop_none(
            {"IpProtocol": leaf(i, "ipProtocol"), "FromPort": leaf(i, "fromPort"), "ToPort": leaf(i, "toPort")}
        )
        for key, member, inner in (
            ("cidrIpv4", "IpRanges", "CidrIp"),
            ("cidrIpv6", "Ipv6Ranges", "CidrIpv6"),
            ("prefixListId", "PrefixListIds", "PrefixListId"),
            ("referencedSecurityGroupId", "UserIdGroupPairs", "GroupId"),
        ):
            if i.get(key) is not None:
                permission[member] = [drop_none({inner: Leaf(i[key], key), "Description": description})]
        params: dict[str, Any] = {"GroupId": leaf(i, "securityGroupId"), "IpPermissions": [permission]}
        tags = tag_specifications(i, "security-group-rule")
        if tags:
            params["TagSpecifications"] = tags
        return [Request("ec2", operation, drop_none(params))]

    return translate


# ARC zonal shift (API reference: CreatePracticeRunConfiguration, UpdateZonalAutoshiftConfiguration).
def _zonal_autoshift(r: PlannedResource, s: Shapes) -> list[Request]:
    """aws_arczonalshift_zonal_autoshift_configuration: the practice run configuration, then the
    autoshift status (internal/service/arczonalshift/zonal_autoshift_configuration.go)."""
    i = r.inputs
    practice = structure(
        s,
        "arc-zonal-shift",
        "CreatePracticeRunConfiguration",
        i,
        renames={"resourceArn": "resourceIdentifier"},
        skip={"zonalAutoshiftStatus", "region"},
    )
    status = {"resourceIdentifier": leaf(i, "resourceArn"), "zonalAutoshiftStatus": leaf(i, "zonalAutoshiftStatus")}
    return [
        Request("arc-zonal-shift", "CreatePracticeRunConfiguration", practice),
        Request("arc-zonal-shift", "UpdateZonalAutoshiftConfiguration", status),
    ]


# ElastiCache (API reference: CreateServerlessCache, CreateUser, CreateUserGroup), as
# internal/service/elasticache/serverless_cache.go (fwflex.Expand of the arguments: each nested block
# a one-entry list), user.go and user_group.go of the Terraform AWS provider send them.
SERVERLESS_CACHE_NAME = NameRule("name")


def _serverless_cache(r: PlannedResource, s: Shapes) -> list[Request]:
    i = r.inputs
    limits = i.get("cacheUsageLimits") or {}
    placed_limits: dict[str, Any] = {}
    if limits.get("dataStorage") is not None:
        placed_limits["DataStorage"] = place(
            s, "elasticache", "DataStorage", limits["dataStorage"], "cacheUsageLimits.dataStorage"
        )
    for n, block in enumerate(limits.get("ecpuPerSeconds") or []):
        placed_limits["ECPUPerSecond"] = place(
            s, "elasticache", "ECPUPerSecond", block, f"cacheUsageLimits.ecpuPerSeconds[{n}]"
        )
    params = structure(
        s,
        "elasticache",
        "CreateServerlessCache",
        i,
        skip=("name", "cacheUsageLimits", "kmsKeyId"),
        renames={"securityGroupIds": "SecurityGroupIds", "subnetIds": "SubnetIds"},
    )
    params["ServerlessCacheName"] = physical_name(r, SERVERLESS_CACHE_NAME)
    if placed_limits:
        params["CacheUsageLimits"] = placed_limits
    if i.get("kmsKeyId") is not None:
        params["KmsKeyId"] = Leaf(i["kmsKeyId"], "kmsKeyId")
    tags = tag_list(i)
    if tags:
        params["Tags"] = tags
    return [Request("elasticache", "CreateServerlessCache", params)]


def _elasticache_simple(operation: str) -> Translate:
    """CreateUser, CreateUserGroup: the inputs placed by member name, the tags as a list."""

    def translate(r: PlannedResource, s: Shapes) -> list[Request]:
        params = structure(s, "elasticache", operation, r.inputs)
        tags = tag_list(r.inputs)
        if tags:
            params["Tags"] = tags
        return [Request("elasticache", operation, params)]

    return translate


MAPPINGS: dict[str, TypeMapping] = {
    "aws:lb/loadBalancer:LoadBalancer": TypeMapping(
        _load_balancer, ("elbv2 CreateLoadBalancer", "elbv2 ModifyLoadBalancerAttributes"), LB_NAME
    ),
    "aws:lb/targetGroup:TargetGroup": TypeMapping(
        _target_group, ("elbv2 CreateTargetGroup", "elbv2 ModifyTargetGroupAttributes"), TG_NAME
    ),
    "aws:lb/listener:Listener": TypeMapping(_listener, ("elbv2 CreateListener",)),
    "aws:cloudwatch/metricAlarm:MetricAlarm": TypeMapping(_metric_alarm, ("cloudwatch PutMetricAlarm",), ALARM_NAME),
    "aws:cloudwatch/dashboard:Dashboard": TypeMapping(_dashboard, ("cloudwatch PutDashboard",)),
    "aws:cloudwatch/logGroup:LogGroup": TypeMapping(
        _log_group, ("logs CreateLogGroup", "logs PutRetentionPolicy"), LOG_GROUP_NAME, frozenset({"skipDestroy"})
    ),
    "aws:iam/role:Role": TypeMapping(
        _role,
        ("iam CreateRole", "iam PutRolePolicy", "iam AttachRolePolicy"),
        ROLE_NAME,
        frozenset({"forceDetachPolicies"}),
    ),
    "aws:iam/rolePolicy:RolePolicy": TypeMapping(_role_policy, ("iam PutRolePolicy",), ROLE_POLICY_NAME),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": TypeMapping(
        _role_policy_attachment, ("iam AttachRolePolicy",)
    ),
    "aws:kms/key:Key": TypeMapping(_kms_key, ("kms CreateKey", "kms EnableKeyRotation", "kms ScheduleKeyDeletion")),
    "aws:kms/alias:Alias": TypeMapping(_kms_alias, ("kms CreateAlias",), KMS_ALIAS_NAME),
    "aws:sns/topic:Topic": TypeMapping(_topic, ("sns CreateTopic",), TOPIC_NAME),
    "aws:sns/topicSubscription:TopicSubscription": TypeMapping(
        _subscription,
        ("sns Subscribe",),
        provider_only=frozenset({"confirmationTimeoutInMinutes", "endpointAutoConfirms"}),
    ),
    "aws:s3/bucket:Bucket": TypeMapping(
        _bucket, ("s3 CreateBucket", "s3 PutBucketTagging"), BUCKET_NAME, frozenset({"forceDestroy"})
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": TypeMapping(
        _bucket_sub("PutPublicAccessBlock", "PublicAccessBlockConfiguration", "PublicAccessBlockConfiguration"),
        ("s3 PutPublicAccessBlock",),
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": TypeMapping(
        _bucket_sub("PutBucketOwnershipControls", "OwnershipControls", "OwnershipControls", {"rule": "Rules"}),
        ("s3 PutBucketOwnershipControls",),
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": TypeMapping(
        _bucket_sub("PutBucketEncryption", "ServerSideEncryptionConfiguration", "ServerSideEncryptionConfiguration"),
        ("s3 PutBucketEncryption",),
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": TypeMapping(
        _lifecycle, ("s3 PutBucketLifecycleConfiguration",)
    ),
    "aws:s3/bucketPolicy:BucketPolicy": TypeMapping(
        _bucket_sub("PutBucketPolicy", "", "PutBucketPolicyRequest"), ("s3 PutBucketPolicy",)
    ),
    "aws:acm/certificate:Certificate": TypeMapping(_certificate, ("acm RequestCertificate",)),
    "aws:acm/certificateValidation:CertificateValidation": TypeMapping(
        _certificate_validation, ("acm DescribeCertificate",), provider_only=frozenset({"validationRecordFqdns"})
    ),
    "aws:route53/record:Record": TypeMapping(_record, ("route53 ChangeResourceRecordSets",)),
    "aws:wafv2/webAcl:WebAcl": TypeMapping(_web_acl, ("wafv2 CreateWebACL",), WEB_ACL_NAME),
    "aws:wafv2/webAclAssociation:WebAclAssociation": TypeMapping(_web_acl_association, ("wafv2 AssociateWebACL",)),
    "aws:fis/experimentTemplate:ExperimentTemplate": TypeMapping(
        _experiment_template, ("fis CreateExperimentTemplate",)
    ),
    "aws:arczonalshift/zonalAutoshiftConfiguration:ZonalAutoshiftConfiguration": TypeMapping(
        _zonal_autoshift,
        ("arc-zonal-shift CreatePracticeRunConfiguration", "arc-zonal-shift UpdateZonalAutoshiftConfiguration"),
    ),
    "aws:eks/cluster:Cluster": TypeMapping(_cluster, ("eks CreateCluster",), CLUSTER_NAME),
    "aws:eks/nodeGroup:NodeGroup": TypeMapping(
        _node_group, ("eks CreateNodegroup",), NODE_GROUP_NAME, frozenset({"forceUpdateVersion"})
    ),
    "aws:eks/addon:Addon": TypeMapping(
        _addon, ("eks CreateAddon", "eks UpdateAddon"), provider_only=frozenset({"preserve"})
    ),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": TypeMapping(
        _eks_simple("CreatePodIdentityAssociation"), ("eks CreatePodIdentityAssociation",)
    ),
    "aws:eks/accessEntry:AccessEntry": TypeMapping(_eks_simple("CreateAccessEntry"), ("eks CreateAccessEntry",)),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": TypeMapping(
        _eks_simple("AssociateAccessPolicy"), ("eks AssociateAccessPolicy",)
    ),
    "aws:ec2/vpc:Vpc": TypeMapping(_vpc, ("ec2 CreateVpc", "ec2 ModifyVpcAttribute")),
    "aws:ec2/subnet:Subnet": TypeMapping(_subnet, ("ec2 CreateSubnet", "ec2 ModifySubnetAttribute")),
    "aws:ec2/internetGateway:InternetGateway": TypeMapping(
        _internet_gateway, ("ec2 CreateInternetGateway", "ec2 AttachInternetGateway")
    ),
    "aws:ec2/eip:Eip": TypeMapping(_eip, ("ec2 AllocateAddress",)),
    "aws:ec2/natGateway:NatGateway": TypeMapping(_nat_gateway, ("ec2 CreateNatGateway",)),
    "aws:ec2/routeTable:RouteTable": TypeMapping(_route_table, ("ec2 CreateRouteTable", "ec2 CreateRoute")),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": TypeMapping(
        _route_table_association, ("ec2 AssociateRouteTable",)
    ),
    "aws:ec2/securityGroup:SecurityGroup": TypeMapping(
        _security_group,
        ("ec2 CreateSecurityGroup", "ec2 AuthorizeSecurityGroupIngress", "ec2 AuthorizeSecurityGroupEgress"),
        SECURITY_GROUP_NAME,
        frozenset({"revokeRulesOnDelete"}),
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": TypeMapping(
        _default_security_group,
        (
            "ec2 DescribeSecurityGroups",
            "ec2 CreateTags",
            "ec2 AuthorizeSecurityGroupIngress",
            "ec2 AuthorizeSecurityGroupEgress",
        ),
        provider_only=frozenset({"revokeRulesOnDelete"}),
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": TypeMapping(
        _launch_template,
        ("ec2 CreateLaunchTemplate",),
        LAUNCH_TEMPLATE_NAME,
        frozenset({"updateDefaultVersion", "defaultVersion"}),
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": TypeMapping(
        _security_group_rule("AuthorizeSecurityGroupIngress"), ("ec2 AuthorizeSecurityGroupIngress",)
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": TypeMapping(
        _security_group_rule("AuthorizeSecurityGroupEgress"), ("ec2 AuthorizeSecurityGroupEgress",)
    ),
    "aws:elasticache/serverlessCache:ServerlessCache": TypeMapping(
        _serverless_cache, ("elasticache CreateServerlessCache",), SERVERLESS_CACHE_NAME
    ),
    "aws:elasticache/user:User": TypeMapping(_elasticache_simple("CreateUser"), ("elasticache CreateUser",)),
    "aws:elasticache/userGroup:UserGroup": TypeMapping(
        _elasticache_simple("CreateUserGroup"), ("elasticache CreateUserGroup",)
    ),
}
"""Every aws:* type the offline plan can check; tests fail when the program registers another."""
