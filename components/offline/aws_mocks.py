"""What AWS answers when the program creates its resources or asks a question (invokes).

Identifiers have the shapes AWS gives them (vpc-<17 hex>, arn:aws:..., EKS endpoints and OIDC
issuers), derived from the logical name so every plan of a stack is identical.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import MockCallArgs, MockResourceArgs
from pulumi.runtime.rpc import UNKNOWN as PREVIEW_UNKNOWN

from .. import names

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
ADDON_DEFAULT_VERSIONS = {
    "vpc-cni": "v1.20.4-eksbuild.2",
    "kube-proxy": "v1.33.3-eksbuild.10",
    "coredns": "v1.12.2-eksbuild.4",
    "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
    "metrics-server": "v0.8.0-eksbuild.2",
    "amazon-cloudwatch-observability": "v4.5.0-eksbuild.1",
}
"""Shapes of the versions `aws eks describe-addon-versions` reports as default (for 1.33)."""


ALB_HOSTED_ZONES = {"us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2"}
"""The Route 53 hosted zone of ALB DNS names, per region (for alias records)."""
ELB_ACCOUNTS = {"us-east-1": "127311923021", "us-west-2": "797873946194", "eu-west-1": "156460612806"}
"""The regional Elastic Load Balancing account that writes access logs (regions opened before August 2022)."""
ZONE_MAPPINGS = {
    "us-east-1": {"a": 4, "b": 3, "c": 1, "d": 6, "e": 2, "f": 5},
    "us-west-1": {"a": 3, "b": 1},
    "us-west-2": {"a": 2, "b": 1, "c": 3, "d": 4},
    "ca-central-1": {"a": 1, "b": 2, "d": 4},
}
"""This (mock) account's zone names -> zone ID numbers per region: names map to physical zones
differently in every account, so us-east-1a is not use1-az1. us-east-1 includes use1-az3, where EKS
refuses cluster subnets; other regions answer a, b, c -> az1, az2, az3."""
EKS_REFUSES = frozenset({"use1-az3", "usw1-az2", "cac1-az3"})
"""Zone IDs where EKS answers UnsupportedAvailabilityZoneException. Written here as the cloud's own
fact, not imported from the program, so that a wrong list in the program fails the plan."""
NOT_OFFERED = {
    "use1-az3": ("m6", "m7", "c6", "c7", "r6", "r7"),
    "usw2-az4": ("m7g.", "c7g.", "r7g."),
}
"""Instance families (by prefix) a zone of this account does not offer: use1-az3 lacks the current
Nitro generations; the newest us-west-2 zone lacks the 7th-generation Graviton types."""
DIRECTIONS = {
    "east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}  # fmt: skip


def zone_id_prefix(region: str) -> str:
    """us-east-1 -> use1, ap-northeast-1 -> apne1: how AWS abbreviates a region in its zone IDs."""
    area, direction, number = region.split("-")
    return f"{area}{DIRECTIONS[direction]}{number}"


def offered(zone_id: str, instance_type: str) -> bool:
    return not instance_type.startswith(NOT_OFFERED.get(zone_id, ()))


NAMED_TYPES: dict[str, tuple[str, names.NameRule]] = {
    "lb/loadBalancer:LoadBalancer": ("name", names.ELB_NAME),
    "lb/targetGroup:TargetGroup": ("name", names.ELB_NAME),
    "iam/role:Role": ("name", names.IAM_ROLE_NAME),
    "eks/nodeGroup:NodeGroup": ("nodeGroupName", names.NODE_GROUP_NAME),
    "s3/bucket:Bucket": ("bucket", names.S3_BUCKET_NAME),
    "sns/topic:Topic": ("name", names.SNS_TOPIC_NAME),
    "cloudwatch/logGroup:LogGroup": ("name", names.LOG_GROUP_NAME),
    "wafv2/webAcl:WebAcl": ("name", names.WAF_NAME),
    "ec2/launchTemplate:LaunchTemplate": ("name", names.LAUNCH_TEMPLATE_NAME),
    "ec2/securityGroup:SecurityGroup": ("name", names.SECURITY_GROUP_NAME),
}
"""Where each length-limited name is, and AWS's rule for it. A resource given no name gets Pulumi's
auto-name (logical name, "-", 7 random characters), which must fit as well."""


SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")
"""How the engine wraps a secret value in the inputs a provider (here, the mock) receives."""


def _revealed(value: Any) -> Any:
    """A secret input as the provider sees it: its value."""
    if isinstance(value, dict) and value.get(SECRET_SIG[0]) == SECRET_SIG[1]:
        return value.get("value")
    return value


class AwsRefusal(pulumi.RunError):
    """What AWS (or the provider, before calling it) would answer with an error: the offline plan
    fails where `pulumi up` would, instead of repairing the input."""


def _hex(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:length]


def _uuid(*parts: str) -> str:
    h = _hex(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _auto_name(name: str) -> str:
    return f"{name}-{_hex('autoname', name, length=7)}"


class AwsAnswers:
    """Resource and invoke answers for one stack's region."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.subnet_zones: dict[str, str] = {}
        self.subnet_cidrs: dict[str, str] = {}
        """Subnet ID -> its range, as EC2 answers DescribeSubnets."""
        self.user_names: dict[str, str] = {}
        """ElastiCache user ID -> user name."""
        self.log_groups: set[str] = set()
        """Log groups that exist in the account before the program runs (none: a fresh account)."""
        self.zonal_shift_arns: set[str] = set()
        """Load balancers and clusters made with zonal shift enabled: ARC manages only those."""
        """Subnet ID -> zone ID, as EC2 remembers where each subnet is."""

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        return f"arn:{PARTITION}:{service}:{self.region if region else ''}:{ACCOUNT_ID}:{resource}"

    # --- resources ---------------------------------------------------------------------------

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        kind = args.typ.split(":", 1)[1]  # e.g. "ec2/vpc:Vpc"
        state = dict(args.inputs)
        answer = self._answers().get(kind)
        if answer is None:
            raise NotImplementedError(
                f"the offline plan has no mock answer for {args.typ}; add one in components/offline/aws_mocks.py"
            )
        self._refuse(kind, args.name, state, importing=bool(args.resource_id))
        resource_id, extra = answer(args.name, state)
        state.update(extra)
        state.setdefault("tagsAll", state.get("tags") or {})
        return resource_id, state

    def _refuse(self, kind: str, logical_name: str, state: dict[str, Any], importing: bool = False) -> None:
        """Raise AwsRefusal for what AWS would refuse of these inputs."""
        if kind == "cloudwatch/logGroup:LogGroup":
            group = str(state.get("name") or "")
            if group in self.log_groups and not importing:
                raise AwsRefusal(f"{kind} {logical_name}: ResourceAlreadyExistsException: {group} exists already")
            self.log_groups.add(group)
        if kind == "arczonalshift/zonalAutoshiftConfiguration:ZonalAutoshiftConfiguration":
            # ARC knows a load balancer or cluster as a managed resource only once zonal shift is
            # enabled on it (enable-zonal-shift.html; zone-shift-enable.html).
            arn = str(state.get("resourceArn"))
            # In a preview the load balancer's ARN is not known yet: nothing to judge.
            if arn != PREVIEW_UNKNOWN and arn not in self.zonal_shift_arns:
                raise AwsRefusal(
                    f"{kind} {logical_name}: ResourceNotFoundException: {arn} is not a managed resource "
                    "(zonal shift is not enabled on it)"
                )
        named = NAMED_TYPES.get(kind)
        if named is not None:
            key, rule = named
            physical = state.get(key) or _auto_name(logical_name)
            problem = names.problem(rule, str(physical))
            if problem is not None:
                raise AwsRefusal(f"{kind} {logical_name}: {problem}")
        if kind == "ec2/subnet:Subnet" and self._zone(state) is None:
            zone = state.get("availabilityZoneId") or state.get("availabilityZone")
            raise AwsRefusal(f"{kind} {logical_name}: InvalidParameterValue: no zone {zone} in {self.region}")
        if kind == "elasticache/serverlessCache:ServerlessCache":
            self._refuse_cache_subnets(kind, logical_name, list(state.get("subnetIds") or []))
        if kind == "elasticache/userGroup:UserGroup":
            users = [str(u) for u in state.get("userIds") or []]
            if not any(self.user_names.get(u) == "default" for u in users):
                raise AwsRefusal(
                    f"{kind} {logical_name}: DefaultUserRequired: a user group must hold a user named default"
                )
        if kind == "elasticache/user:User":
            mode = _revealed(state.get("authenticationMode")) or {}
            if state.get("engine") == "valkey" and mode.get("type") not in ("password", "iam"):
                raise AwsRefusal(
                    f"{kind} {logical_name}: InvalidParameterValue: a valkey user needs password or IAM authentication"
                )
            self.user_names[str(state.get("userId"))] = str(state.get("userName"))
        if kind in ("eks/cluster:Cluster", "eks/nodeGroup:NodeGroup"):
            subnets = (state.get("vpcConfig") or {}).get("subnetIds") or state.get("subnetIds") or []
            refused = sorted({self.subnet_zones[s] for s in subnets if self.subnet_zones.get(s) in EKS_REFUSES})
            if refused:
                raise AwsRefusal(
                    f"{kind} {logical_name}: UnsupportedAvailabilityZoneException: subnets in {', '.join(refused)}"
                )

    def _refuse_cache_subnets(self, kind: str, logical_name: str, subnets: list[str]) -> None:
        """A serverless cache spans its subnets' zones: subnets in one zone twice, or in only one
        zone, are refused (InvalidParameterValue)."""
        zones = [self.subnet_zones[s] for s in subnets if s in self.subnet_zones]
        if len(set(zones)) != len(zones):
            raise AwsRefusal(f"{kind} {logical_name}: InvalidParameterValue: two subnets in one availability zone")
        if subnets and len(zones) == len(subnets) and len(set(zones)) < 2:
            raise AwsRefusal(f"{kind} {logical_name}: InvalidParameterValue: subnets in one availability zone only")

    def _serverless_cache(self, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        cache = str(state.get("name") or _auto_name(name)).lower()
        host = f"{cache}-{_hex('cache', cache, length=6)}.serverless.{zone_id_prefix(self.region)}.cache.amazonaws.com"
        return cache, {
            "name": cache,
            "arn": self.arn("elasticache", f"serverlesscache:{cache}"),
            "endpoints": [{"address": host, "port": 6379}],
            "readerEndpoints": [{"address": host, "port": 6380}],
            "fullEngineVersion": f"{state.get('majorEngineVersion') or '8'}.0",
            "majorEngineVersion": state.get("majorEngineVersion") or "8",
            "status": "available",
            "createTime": "2026-01-01T00:00:00Z",
        }

    def _mapping(self) -> dict[str, int]:
        return ZONE_MAPPINGS.get(self.region, {"a": 1, "b": 2, "c": 3})

    def _zone_ids(self) -> list[str]:
        prefix = zone_id_prefix(self.region)
        return [f"{prefix}-az{n}" for n in self._mapping().values()]

    def _zone(self, state: dict[str, Any]) -> tuple[str, str] | None:
        """The (zone ID, zone letter) a subnet's inputs name, by ID or by name; AWS picks the
        region's first zone when they name none. None: no such zone in the region."""
        prefix = zone_id_prefix(self.region)
        zones = [(f"{prefix}-az{number}", letter) for letter, number in self._mapping().items()]
        zone_id, zone_name = state.get("availabilityZoneId"), state.get("availabilityZone")
        for zone in zones:
            if zone_id == zone[0] or (not zone_id and zone_name == f"{self.region}{zone[1]}"):
                return zone
        return zones[0] if not zone_id and not zone_name else None

    def _subnet(self, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        resource_id, extra = self._ec2("subnet", name, {})
        zone = self._zone(state)
        assert zone is not None  # refused before
        zone_id, letter = zone
        self.subnet_zones[resource_id] = zone_id
        self.subnet_cidrs[resource_id] = str(state.get("cidrBlock"))
        return resource_id, {**extra, "availabilityZone": f"{self.region}{letter}", "availabilityZoneId": zone_id}

    def _answers(self) -> dict[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]]:
        return {
            "ec2/vpc:Vpc": lambda n, s: self._ec2("vpc", n, {"defaultSecurityGroupId": f"sg-{_hex('dsg', n)}"}),
            "ec2/defaultSecurityGroup:DefaultSecurityGroup": lambda n, s: self._ec2("sg", n, {}),
            "ec2/subnet:Subnet": self._subnet,
            "ec2/internetGateway:InternetGateway": lambda n, s: self._ec2("igw", n, {}),
            "ec2/routeTable:RouteTable": lambda n, s: self._ec2("rtb", n, {}),
            "ec2/routeTableAssociation:RouteTableAssociation": lambda n, s: (f"rtbassoc-{_hex(n)}", {}),
            "ec2/eip:Eip": lambda n, s: (
                f"eipalloc-{_hex(n)}",
                {
                    "allocationId": f"eipalloc-{_hex(n)}",
                    "publicIp": f"203.0.113.{int(_hex(n, length=2), 16) % 250 + 1}",
                },
            ),
            "ec2/natGateway:NatGateway": lambda n, s: self._ec2("nat", n, {"connectivityType": "public"}),
            "ec2/launchTemplate:LaunchTemplate": lambda n, s: (
                f"lt-{_hex(n)}",
                {"arn": self.arn("ec2", f"launch-template/lt-{_hex(n)}"), "latestVersion": 1, "defaultVersion": 1},
            ),
            "ec2/securityGroup:SecurityGroup": lambda n, s: self._ec2("sg", n, {"ownerId": ACCOUNT_ID}),
            "vpc/securityGroupIngressRule:SecurityGroupIngressRule": lambda n, s: self._ec2("sgr", n, {}),
            "vpc/securityGroupEgressRule:SecurityGroupEgressRule": lambda n, s: self._ec2("sgr", n, {}),
            "lb/loadBalancer:LoadBalancer": lambda n, s: self._elb("loadbalancer/app", n, s),
            "lb/targetGroup:TargetGroup": lambda n, s: self._elb("targetgroup", n, s),
            "lb/listener:Listener": lambda n, s: (
                self.arn("elasticloadbalancing", f"listener/app/{_hex('lbl', n, length=8)}/{_hex('l', n, length=16)}"),
                {
                    "arn": self.arn(
                        "elasticloadbalancing", f"listener/app/{_hex('lbl', n, length=8)}/{_hex('l', n, length=16)}"
                    )
                },
            ),
            "s3/bucket:Bucket": lambda n, s: self._bucket(n),
            "s3/bucketPublicAccessBlock:BucketPublicAccessBlock": lambda n, s: (str(s["bucket"]), {}),
            "s3/bucketOwnershipControls:BucketOwnershipControls": lambda n, s: (str(s["bucket"]), {}),
            "s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": lambda n, s: (
                str(s["bucket"]),
                {},
            ),
            "s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": lambda n, s: (str(s["bucket"]), {}),
            "s3/bucketPolicy:BucketPolicy": lambda n, s: (str(s["bucket"]), {}),
            "acm/certificate:Certificate": lambda n, s: self._certificate(n, s),
            "acm/certificateValidation:CertificateValidation": lambda n, s: (
                "2026-01-01 00:00:00 +0000 UTC",
                {},
            ),
            "route53/record:Record": lambda n, s: (
                f"{s['zoneId']}_{s['name']}_{s['type']}",
                {"fqdn": str(s["name"]).rstrip(".")},
            ),
            "wafv2/webAcl:WebAcl": lambda n, s: (
                _uuid("waf", n),
                {
                    "arn": self.arn("wafv2", f"regional/webacl/{_auto_name(n)}/{_uuid('waf', n)}"),
                    "capacity": 2,
                    "name": _auto_name(n),
                },
            ),
            "wafv2/webAclAssociation:WebAclAssociation": lambda n, s: (f"{s['webAclArn']},{s['resourceArn']}", {}),
            "sns/topic:Topic": lambda n, s: (
                self.arn("sns", _auto_name(n)),
                {"arn": self.arn("sns", _auto_name(n)), "name": _auto_name(n), "owner": ACCOUNT_ID},
            ),
            "sns/topicSubscription:TopicSubscription": lambda n, s: (
                f"{s['topic']}:{_uuid('sub', n)}",
                {"arn": f"{s['topic']}:{_uuid('sub', n)}", "pendingConfirmation": True},
            ),
            "cloudwatch/metricAlarm:MetricAlarm": lambda n, s: (
                _auto_name(n),
                {"arn": self.arn("cloudwatch", f"alarm:{_auto_name(n)}"), "name": _auto_name(n)},
            ),
            "cloudwatch/dashboard:Dashboard": lambda n, s: (
                str(s["dashboardName"]),
                {"dashboardArn": f"arn:{PARTITION}:cloudwatch::{ACCOUNT_ID}:dashboard/{s['dashboardName']}"},
            ),
            "iam/role:Role": lambda n, s: self._iam_role(n),
            "iam/rolePolicyAttachment:RolePolicyAttachment": lambda n, s: (f"{s.get('role')}-{_hex(n, length=20)}", {}),
            "iam/rolePolicy:RolePolicy": lambda n, s: (f"{s.get('role')}:{_auto_name(n)}", {"name": _auto_name(n)}),
            "kms/key:Key": lambda n, s: self._kms_key(n),
            "cloudwatch/logGroup:LogGroup": lambda n, s: (
                str(s.get("name") or _auto_name(n)),
                {"arn": self.arn("logs", f"log-group:{s.get('name') or _auto_name(n)}")},
            ),
            "elasticache/serverlessCache:ServerlessCache": self._serverless_cache,
            "elasticache/user:User": lambda n, s: (
                str(s["userId"]),
                {"arn": self.arn("elasticache", f"user:{s['userId']}")},
            ),
            "elasticache/userGroup:UserGroup": lambda n, s: (
                str(s["userGroupId"]),
                {"arn": self.arn("elasticache", f"usergroup:{s['userGroupId']}")},
            ),
            "eks/cluster:Cluster": lambda n, s: self._eks_cluster(n, s),
            "arczonalshift/zonalAutoshiftConfiguration:ZonalAutoshiftConfiguration": lambda n, s: (
                str(s["resourceArn"]),
                {},
            ),
            "eks/nodeGroup:NodeGroup": lambda n, s: self._node_group(n, s),
            "eks/addon:Addon": lambda n, s: self._addon(s),
            "eks/accessEntry:AccessEntry": lambda n, s: (
                f"{s['clusterName']}:{s['principalArn']}",
                {"accessEntryArn": self.arn("eks", f"access-entry/{s['clusterName']}/role/{_hex(n, length=32)}")},
            ),
            # FIS names templates "EXT" and a random string (e.g. EXT6uGCwAsb6W2J9n).
            "fis/experimentTemplate:ExperimentTemplate": lambda n, s: (
                f"EXT{_hex('fis', n, length=14)}",
                {"arn": self.arn("fis", f"experiment-template/EXT{_hex('fis', n, length=14)}")},
            ),
            "eks/accessPolicyAssociation:AccessPolicyAssociation": lambda n, s: (
                f"{s['clusterName']}#{s['principalArn']}#{s['policyArn']}",
                {"associatedAt": "2026-01-01T00:00:00Z"},
            ),
            "eks/podIdentityAssociation:PodIdentityAssociation": lambda n, s: (
                f"a-{_hex(n)}",
                {
                    "associationId": f"a-{_hex(n)}",
                    "associationArn": self.arn("eks", f"podidentityassociation/{s['clusterName']}/a-{_hex(n)}"),
                },
            ),
        }

    def _ec2(self, prefix: str, name: str, extra: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        resource_id = f"{prefix}-{_hex(prefix, name)}"
        kind = {"sg": "security-group", "igw": "internet-gateway", "rtb": "route-table", "nat": "natgateway"}
        return resource_id, {"arn": self.arn("ec2", f"{kind.get(prefix, prefix)}/{resource_id}"), **extra}

    def _elb(self, kind: str, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        physical = str(state.get("name") or _auto_name(name))  # its length was checked by _refuse
        suffix = f"{kind}/{physical}/{_hex('elb', name, length=16)}"
        arn = self.arn("elasticloadbalancing", suffix)
        extra: dict[str, Any] = {"arn": arn, "arnSuffix": suffix.removeprefix("loadbalancer/"), "name": physical}
        if kind.startswith("loadbalancer") and state.get("enableZonalShift"):
            self.zonal_shift_arns.add(arn)
        if kind.startswith("loadbalancer"):
            extra["dnsName"] = f"{physical}-{int(_hex('dns', name, length=8), 16)}.{self.region}.elb.amazonaws.com"
            extra["zoneId"] = ALB_HOSTED_ZONES.get(self.region, "Z35SXDOTRQ7X7K")
        return arn, extra

    def _bucket(self, name: str) -> tuple[str, dict[str, Any]]:
        bucket = _auto_name(name)
        return bucket, {
            "bucket": bucket,
            "arn": f"arn:{PARTITION}:s3:::{bucket}",
            "bucketDomainName": f"{bucket}.s3.amazonaws.com",
            "region": self.region,
        }

    def _certificate(self, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        arn = self.arn("acm", f"certificate/{_uuid('acm', name)}")
        domain = str(state["domainName"])
        token = _hex("acm-token", domain, length=32)
        return arn, {
            "arn": arn,
            "status": "PENDING_VALIDATION",
            "domainValidationOptions": [
                {
                    "domainName": domain,
                    "resourceRecordName": f"_{token}.{domain}.",
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": f"_{_hex('acm-value', domain, length=32)}.acm-validations.aws.",
                }
            ],
        }

    def _iam_role(self, name: str) -> tuple[str, dict[str, Any]]:
        role = _auto_name(name)
        return role, {
            "name": role,
            "arn": self.arn("iam", f"role/{role}", region=False),
            "uniqueId": "AROA" + _hex("role", name, length=17).upper(),
        }

    def _kms_key(self, name: str) -> tuple[str, dict[str, Any]]:
        key_id = _uuid("kms", name)
        return key_id, {"keyId": key_id, "arn": self.arn("kms", f"key/{key_id}")}

    def _eks_cluster(self, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        cluster = str(state.get("name") or _auto_name(name))
        h = _hex("eks", cluster, length=32).upper()
        pem = f"-----BEGIN CERTIFICATE-----\nMIIC{h}\n-----END CERTIFICATE-----\n"
        if (state.get("zonalShiftConfig") or {}).get("enabled"):
            self.zonal_shift_arns.add(self.arn("eks", f"cluster/{cluster}"))
        return cluster, {
            "name": cluster,
            "arn": self.arn("eks", f"cluster/{cluster}"),
            "endpoint": f"https://{h}.gr7.{self.region}.eks.amazonaws.com",
            "certificateAuthority": {"data": base64.b64encode(pem.encode()).decode()},
            "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{self.region}.amazonaws.com/id/{h}"}]}],
            "platformVersion": "eks.9",
            "status": "ACTIVE",
            "clusterId": _hex("id", cluster, length=8) + "-0000-4000-8000-" + _hex("id2", cluster, length=12),
            "vpcConfig": {**state.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-{_hex('csg', cluster)}"},
        }

    def _node_group(self, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        group = str(state.get("nodeGroupName") or _auto_name(name))
        cluster = state["clusterName"]
        h = _hex("ng", group, length=32)
        uuid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        return f"{cluster}:{group}", {
            "nodeGroupName": group,
            "arn": self.arn("eks", f"nodegroup/{cluster}/{group}/{uuid}"),
            "status": "ACTIVE",
            "resources": [{"autoscalingGroups": [{"name": f"eks-{group}-{uuid}"}], "remoteAccessSecurityGroupId": ""}],
        }

    def _addon(self, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        cluster, addon = state["clusterName"], state["addonName"]
        return f"{cluster}:{addon}", {
            "arn": self.arn("eks", f"addon/{cluster}/{addon}/{_hex('addon', cluster, addon, length=32)}"),
            "addonVersion": state.get("addonVersion") or ADDON_DEFAULT_VERSIONS[addon],
        }

    # --- invokes -----------------------------------------------------------------------------

    def _offerings(self, args: dict[str, Any]) -> dict[str, Any]:
        """DescribeInstanceTypeOfferings by zone ID, filtered by instance type as EC2 filters it."""
        if args.get("locationType") != "availability-zone-id":
            raise NotImplementedError("the mock answers instance-type offerings by availability-zone-id only")
        wanted: list[str] = []
        for f in args.get("filters") or []:
            if f["name"] != "instance-type":
                raise NotImplementedError(f"the mock does not filter offerings by {f['name']}")
            wanted += f["values"]
        rows = [(t, z) for z in sorted(self._zone_ids()) for t in sorted(set(wanted)) if offered(z, t)]
        return {
            "id": self.region,
            "instanceTypes": [t for t, _ in rows],
            "locations": [z for _, z in rows],
            "locationTypes": ["availability-zone-id"] * len(rows),
            "locationType": "availability-zone-id",
        }

    def _describe_subnet(self, subnet_id: str) -> dict[str, Any]:
        """DescribeSubnets by ID: a subnet this plan made answers its own range and zone; one made
        elsewhere (an existing VPC's) gets a range of its own in 10.255.0.0/16, by its ID."""
        cidr = self.subnet_cidrs.get(subnet_id) or f"10.255.{int(_hex('subnet', subnet_id, length=2), 16)}.0/24"
        return {"id": subnet_id, "cidrBlock": cidr, "availabilityZoneId": self.subnet_zones.get(subnet_id, "")}

    def call(self, args: MockCallArgs) -> dict[str, Any] | None:
        token = args.token
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            mapping = self._mapping()
            prefix = zone_id_prefix(self.region)
            return {
                "names": [f"{self.region}{letter}" for letter in mapping],
                "zoneIds": [f"{prefix}-az{number}" for number in mapping.values()],
                "id": self.region,
                "groupNames": [self.region],
            }
        if token == "aws:cloudwatch/getLogGroups:getLogGroups":
            prefix = str(args.args.get("logGroupNamePrefix") or "")
            found = sorted(g for g in self.log_groups if g.startswith(prefix))
            return {
                "id": self.region,
                "logGroupNamePrefix": prefix,
                "logGroupNames": found,
                "arns": [self.arn("logs", f"log-group:{g}") for g in found],
            }
        if token == "aws:ec2/getSubnet:getSubnet":
            return self._describe_subnet(str(args.args.get("id")))
        if token == "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
            return self._offerings(args.args)
        if token == "aws:index/getRegion:getRegion":
            return {
                "region": self.region,
                "name": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
                "id": self.region,
                "description": self.region,
            }
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/deployer/pulumi",
                "userId": "AROAEXAMPLEDEPLOYER:pulumi",
                "id": ACCOUNT_ID,
            }
        if token == "aws:index/getPartition:getPartition":
            return {
                "partition": PARTITION,
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
                "id": PARTITION,
            }
        if token == "aws:elb/getServiceAccount:getServiceAccount":
            account = ELB_ACCOUNTS.get(self.region, "127311923021")
            return {"arn": f"arn:{PARTITION}:iam::{account}:root", "id": account, "region": self.region}
        if token == "aws:eks/getAddonVersion:getAddonVersion":
            name = args.args["addonName"]
            return {
                "addonName": name,
                "kubernetesVersion": args.args["kubernetesVersion"],
                "version": ADDON_DEFAULT_VERSIONS[name],
                "id": name,
            }
        return None
