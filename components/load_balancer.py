"""The Application Load Balancer in front of the gateway, owned by this program.

Pulumi owns the ALB, its listeners, security groups and target group, so their ARNs are known to the
alarms. The AWS Load Balancer Controller only keeps the target group's members in step with the
gateway's pods, through a TargetGroupBinding: ip targets (no NodePort hop) and pod readiness gates,
so a rollout waits until new pods are healthy in the load balancer.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Required, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from pydantic.alias_generators import to_camel

from .block_args import ArgsCheck
from .capacity import LOAD_BALANCER_CONTROLLER_REPLICAS, LOAD_BALANCER_CONTROLLER_REQUESTS
from .iam import AwsAccount, pod_identity, policy_document
from .kube import RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT
from .labels import aws_tags
from .names import (
    ELB_NAME,
    PLATFORM_NAME_LIMIT,
    S3_BUCKET_NAME,
    auto_name_fits,
    component_name_problem,
    deterministic_name,
    fitted_name,
    name_stem,
)
from .sections import GatewaySection, LoadBalancerSection
from .settings import (
    ControllerSettings,
    GatewaySettings,
    LoadBalancerSettings,
    Problem,
    alb_subnets_problem,
    shutdown_behind_alb_problems,
)

TYPE_TOKEN = "runmcp:index:GatewayLoadBalancer"
HTTP_PORT, HTTPS_PORT = 80, 443
TARGET_TYPE, TARGET_PROTOCOL, TARGET_PROTOCOL_VERSION = "ip", "HTTP", "HTTP1"
READINESS_GATE_LABEL = {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"}
"""On the gateway's namespace: the controller adds a readiness gate per target group to new pods."""
TARGET_GROUP_BINDING_API = "elbv2.k8s.aws/v1beta1"
CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller"
CONTROLLER_CHART_REPOSITORY = "https://aws.github.io/eks-charts"
LOG_PREFIX = "alb"
ALB_LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com"
"""Delivers access logs in regions opened since August 2022; older regions use a regional ELB account."""
REGIONS_WITH_ELB_LOG_ACCOUNT = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
        "eu-south-1", "eu-north-1", "me-south-1", "sa-east-1", "us-gov-east-1", "us-gov-west-1",
        "cn-north-1", "cn-northwest-1",
    }
)  # fmt: skip
"""Regions opened before August 2022, where a regional ELB account writes the logs (the data source
that names it knows no other region and fails there)."""

CONTROLLER_READ_ACTIONS = (
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
CONTROLLER_WRITE_ACTIONS = ("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets")
"""The controller only binds targets: it may change the members of its gateways' target groups and
nothing else, so no Ingress or Service in the cluster can make it create a load balancer. (The
controller's reference policy, docs/install/iam_policy.json, allows these two on every
targetgroup/*/*; here each gateway adds a statement for its own target groups.)"""


TARGET_GROUP_BINDING_IMMUTABLE = ("spec.targetGroupARN", "spec.targetType", "spec.ipAddressType", "spec.vpcID")
"""Fields the controller's validating webhook refuses to change on an existing TargetGroupBinding
(failurePolicy: Fail): aws-load-balancer-controller v2.17.1, webhooks/elbv2/
targetgroupbinding_validator.go, checkImmutableFields. A change to any of them replaces the binding."""
OWNER_TAG = "stack"
"""The tag whose value (the instance) scopes the controller's write access to this stack's target groups."""


@dataclass(frozen=True)
class TargetGroupScope:
    """Every target group this stack's load balancer component has had or will have: its name
    stem (auto-named or deterministic, a replacement keeps it) and its owner tag."""

    arn_pattern: str
    """arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<stem>-*/*"""
    owner: str
    """The value of the OWNER_TAG tag on them."""


def controller_policy() -> str:
    """What the controller may do on its own: read. Writing is granted per gateway (bind_policy)."""
    return policy_document([{"Effect": "Allow", "Action": list(CONTROLLER_READ_ACTIONS), "Resource": "*"}])


def bind_policy(scope: TargetGroupScope) -> str:
    """Register and deregister on one gateway's target groups only, the replaced one included:
    during a replacement the controller still deregisters the old group's targets while the binding
    to the new one is created. ELBv2's targetgroup resource supports aws:ResourceTag conditions (IAM
    Service Authorization Reference, Elastic Load Balancing V2). One such inline policy per gateway
    on the controller's role: the one controller of a cluster binds every gateway on it, and only
    them (a role's inline policies share 10,240 characters, room for dozens of gateways)."""
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Action": list(CONTROLLER_WRITE_ACTIONS),
                "Resource": scope.arn_pattern,
                "Condition": {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG}": scope.owner}},
            }
        ]
    )


@dataclass(frozen=True)
class Placement:
    """Where the load balancer goes and whom it sends traffic to."""

    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    target_security_group_id: pulumi.Input[str]
    """The security group of the nodes whose ENIs carry the pod IPs."""


class LoadBalancerController(pulumi.ComponentResource):
    """The AWS Load Balancer Controller of one cluster. Its Pod Identity role may read; each
    gateway grants it the binding of its own target groups (:func:`bind_policy` on ``role_name``)."""

    release: k8s.helm.v3.Release
    role_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: ControllerSettings | Mapping[str, Any],
        *,
        cluster_name: pulumi.Input[str],
        region: str,
        vpc_id: pulumi.Input[str],
        namespace: pulumi.Input[str],
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check = ArgsCheck("runmcp:index:LoadBalancerController", name)
        settings = check.settings(ControllerSettings, settings)
        if not settings.install:
            check.switched_off("install", "is false: the cluster runs its controller already")
        check.done()
        super().__init__("runmcp:index:LoadBalancerController", name, None, opts)
        association = pod_identity(
            name,
            parent=self,
            cluster_name=cluster_name,
            namespace=namespace,
            service_account=CONTROLLER_SERVICE_ACCOUNT,
            policy_name="bind-targets",
            tags=tags,
            policy=controller_policy(),
        )
        self.role_name = association.role_arn.apply(lambda arn: arn.rsplit("/", 1)[-1])
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            # A fixed release name: one per cluster, and the Deployment is then predictably named.
            name=CONTROLLER_SERVICE_ACCOUNT,
            chart="aws-load-balancer-controller",
            version=settings.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CONTROLLER_CHART_REPOSITORY),
            namespace=namespace,
            values={
                "clusterName": cluster_name,
                # Given, not read from IMDS: pods cannot reach it (hop limit 1).
                "region": region,
                "vpcId": vpc_id,
                "replicaCount": LOAD_BALANCER_CONTROLLER_REPLICAS,
                "serviceAccount": {"create": True, "name": CONTROLLER_SERVICE_ACCOUNT},
                "resources": {"requests": LOAD_BALANCER_CONTROLLER_REQUESTS.as_kubernetes()},
                # It binds targets only: leave Services of type LoadBalancer to whatever else runs.
                "enableServiceMutatorWebhook": False,
                # The chart's defaults lack a seccomp profile; these replace them whole.
                "podSecurityContext": RESTRICTED_POD_SECURITY_CONTEXT,
                "securityContext": RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            },
            # A replaced release (a new namespace, say) would find its cluster-scoped objects still
            # owned by the old one, which Helm refuses: the old release goes first. CRDs stay (Helm
            # never deletes what a chart's crds/ installed), and so do the objects made from them.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[association], delete_before_replace=True),
        )
        self.register_outputs({"roleName": self.role_name})


class GatewayLoadBalancerArgs(TypedDict, total=False):
    """One gateway's Application Load Balancer: its settings, the gateway it serves, and where it goes."""

    load_balancer: LoadBalancerSection
    """kind (alb; none is refused: leave the component out), scheme, domain or certificateArn,
    tlsPolicy, allowedCidrs, healthCheck, stickiness, accessLogs, waf, ..."""
    gateway: Required[GatewaySection]
    """The gateway it sends traffic to, as the workload is given it: its port, healthPath and
    shutdown timings (the target group's port, health check and deregistration delay follow them)."""
    vpc_id: Required[pulumi.Input[str]]
    """The VPC of the target group and the load balancer's security group."""
    subnet_ids: Required[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """The load balancer's subnets, in two or more zones: public ones for internet-facing
    (a GatewayCluster handle's publicSubnetIds), private ones for internal."""
    target_security_group_id: Required[pulumi.Input[str]]
    """The security group of the nodes whose ENIs carry the pod IPs (a handle's
    nodeSecurityGroupId): it gets the rule admitting the load balancer on the gateway's port."""
    load_balancer_controller_role_name: pulumi.Input[str]
    """The cluster's AWS Load Balancer Controller role (a handle's loadBalancerControllerRoleName):
    it is allowed to register and deregister this load balancer's targets. Unset: grant it yourself."""
    instance: str
    """Names this installation (the `stack` tag scoping the controller's write access, the access
    log bucket); default: the stack name."""


class GatewayLoadBalancer(pulumi.ComponentResource):
    """An Application Load Balancer for one RunMCP gateway: listeners (HTTPS with a redirect from
    HTTP when a certificate or domain is given), security groups, an ip target group checked on
    the gateway's health path, access logs, certificate, DNS alias and WAF as its settings say.
    Bind the gateway's pods to `targetGroupArn` (ScaledGatewayWorkload's `targetGroupArn`)."""

    url: pulumi.Output[str]
    """The gateway's MCP endpoint behind the load balancer (https with a certificate or domain)."""
    dns_name: pulumi.Output[str]
    """The load balancer's DNS name."""
    arn: pulumi.Output[str]
    """The load balancer's ARN."""
    arn_suffix: pulumi.Output[str]
    """The load balancer's ARN suffix (app/<name>/<id>): the CloudWatch LoadBalancer dimension."""
    target_group_arn: pulumi.Output[str]
    """The target group's ARN, known once a listener forwards to it and the controller may bind it:
    a TargetGroupBinding made from it waits for both (until a listener uses the group its targets
    stay Target.NotInUse and the pods' readiness gates false)."""
    target_group_arn_suffix: pulumi.Output[str]
    """The target group's ARN suffix (targetgroup/<name>/<id>): the CloudWatch TargetGroup dimension."""
    security_group_id: pulumi.Output[str]
    """The load balancer's own security group."""
    certificate_arn: pulumi.Output[str | None]
    """The ACM certificate made here for loadBalancer.domain (unset when given by ARN or absent)."""
    if TYPE_CHECKING:  # Python only (the analyzer reads the class's annotations as outputs)
        target_group: aws.lb.TargetGroup
        load_balancer: aws.lb.LoadBalancer
        listeners: list[aws.lb.Listener]
        """What must exist before targets can be healthy: a target group no listener uses reports
        Target.NotInUse, so readiness gates stay false until its listener exists."""
        target_groups: TargetGroupScope
        binds: aws.iam.RolePolicy | None
        made_certificate_arn: pulumi.Output[str] | None
        """The certificate made here for ``domain`` (None when given by ARN or absent)."""

    def __init__(
        self,
        name: str,
        args: GatewayLoadBalancerArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        account: AwsAccount | None = None,
    ) -> None:
        """``account``: the AWS account a caller asked already (Python only; default: asked here)."""
        check = ArgsCheck(TYPE_TOKEN, name)
        instance = args.get("instance") or pulumi.get_stack()
        problem = component_name_problem(instance, PLATFORM_NAME_LIMIT)
        check.add([Problem("instance", problem)] if problem is not None else [])
        missing = [key for key in ("vpc_id", "subnet_ids", "target_security_group_id") if args.get(key) is None]
        check.add([Problem(to_camel(key), "is required") for key in missing])
        check.add(alb_subnets_problem("subnetIds", args.get("subnet_ids")))
        if args.get("gateway") is None:
            check.add([Problem("gateway", "is required: the gateway this load balancer serves")])
        gateway = check.settings(GatewaySettings, args.get("gateway", {}), "gateway")
        settings = check.settings(LoadBalancerSettings, args.get("load_balancer", {}), "loadBalancer")
        check.add(shutdown_behind_alb_problems(gateway.shutdown), "gateway.shutdown")
        if settings.kind == "none":
            check.switched_off("loadBalancer.kind", "is none: there is no load balancer to make")
        if settings.zonal_autoshift:
            # Its practice runs need outcome alarms, which watch this load balancer: they come after it.
            check.add(
                [
                    Problem(
                        "loadBalancer.zonalAutoshift",
                        "is made by Gateway, after the alarms that judge its practice runs; with "
                        "GatewayLoadBalancer, make an aws.arczonalshift.ZonalAutoshiftConfiguration for its `arn` "
                        "with your availability alarms (components/zonal_autoshift.py)",
                    )
                ]
            )
        check.done()
        super().__init__(TYPE_TOKEN, name, None, opts)
        placement = Placement(args["vpc_id"], args["subnet_ids"], args["target_security_group_id"])
        port, health_path, shutdown = gateway.port, gateway.health_path, gateway.shutdown
        account = account if account is not None else AwsAccount(parent=self)
        tags = aws_tags(instance)
        self._name = name
        self._account = account
        self._tags = dict(tags)
        child = pulumi.ResourceOptions(parent=self)
        self.made_certificate_arn: pulumi.Output[str] | None = None

        security_group = self._security_groups(settings, placement, port)
        # What forces a target group's replacement (terraform-provider-aws, aws_lb_target_group:
        # port, protocol, protocol_version, target_type, vpc_id are ForceNew); a deterministic name
        # changes with them, so the replacement can be created before the old group is deleted.
        replacing = (str(port), TARGET_PROTOCOL, TARGET_PROTOCOL_VERSION, TARGET_TYPE)
        group = f"{name}-tg"
        group_name: pulumi.Input[str] | None = None
        if not auto_name_fits(group, ELB_NAME):
            group_name = pulumi.Output.from_input(placement.vpc_id).apply(
                lambda vpc: deterministic_name(group, ELB_NAME, *replacing, vpc)
            )
        self.target_groups = TargetGroupScope(
            arn_pattern=account.arn("elasticloadbalancing", f"targetgroup/{name_stem(group, ELB_NAME)}-*/*"),
            owner=self._tags[OWNER_TAG],
        )
        self.target_group = aws.lb.TargetGroup(
            group,
            name=group_name,
            target_type=TARGET_TYPE,
            protocol=TARGET_PROTOCOL,
            protocol_version=TARGET_PROTOCOL_VERSION,
            port=port,
            vpc_id=placement.vpc_id,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                protocol="HTTP",
                # The same path and port as the readiness probe: one fact, two checkers.
                path=health_path,
                port="traffic-port",
                matcher="200",
                interval=settings.health_check.interval_seconds,
                timeout=settings.health_check.timeout_seconds,
                healthy_threshold=settings.health_check.healthy_threshold,
                unhealthy_threshold=settings.health_check.unhealthy_threshold,
            ),
            deregistration_delay=shutdown.deregistration_delay_seconds,
            # Every open stream is an outstanding request: new work goes to the pod with the fewest.
            load_balancing_algorithm_type="least_outstanding_requests",
            stickiness=aws.lb.TargetGroupStickinessArgs(
                type="lb_cookie",
                enabled=settings.stickiness.enabled,
                cookie_duration=settings.stickiness.duration_seconds,
            ),
            tags=self._tags,
            opts=child,
        )

        depends: list[pulumi.Resource] = []
        access_logs = None
        if settings.access_logs.enabled:
            bucket, bucket_ready = self._log_bucket(settings.access_logs.retention_days)
            depends += bucket_ready
            access_logs = aws.lb.LoadBalancerAccessLogsArgs(bucket=bucket.bucket, prefix=LOG_PREFIX, enabled=True)
        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            # The scheme forces a replacement (aws_lb: internal is ForceNew).
            name=fitted_name(f"{name}-alb", ELB_NAME, settings.scheme),
            load_balancer_type="application",
            internal=settings.scheme == "internal",
            security_groups=[security_group.id],
            subnets=placement.subnet_ids,
            ip_address_type="ipv4",
            idle_timeout=settings.idle_timeout_seconds,
            drop_invalid_header_fields=settings.drop_invalid_header_fields,
            desync_mitigation_mode=settings.desync_mitigation_mode,
            enable_deletion_protection=settings.deletion_protection,
            enable_zonal_shift=settings.zonal_shift,
            enable_http2=True,
            access_logs=access_logs,
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        self._listeners(settings)
        if settings.waf.enabled:
            self._waf(settings.waf.requests_per_five_minutes)

        self.binds = None
        role = args.get("load_balancer_controller_role_name")
        if role is not None:
            self.binds = aws.iam.RolePolicy(
                f"{name}-controller-binds",
                role=role,
                policy=bind_policy(self.target_groups),
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.dns_name = self.load_balancer.dns_name
        self.arn = self.load_balancer.arn
        self.arn_suffix = self.load_balancer.arn_suffix
        self.target_group_arn_suffix = self.target_group.arn_suffix
        self.security_group_id = security_group.id
        ready = [listener.arn for listener in self.listeners] + ([self.binds.id] if self.binds is not None else [])
        self.target_group_arn = pulumi.Output.all(self.target_group.arn, *ready).apply(lambda known: str(known[0]))
        self.certificate_arn = pulumi.Output.from_input(self.made_certificate_arn)
        scheme = "https" if settings.https else "http"
        host: pulumi.Input[str] = settings.domain.name if settings.domain is not None else self.dns_name
        self.url = pulumi.Output.concat(scheme, "://", host, "/mcp")
        self.register_outputs(
            {
                "url": self.url,
                "dnsName": self.dns_name,
                "arn": self.arn,
                "arnSuffix": self.arn_suffix,
                "targetGroupArn": self.target_group_arn,
                "targetGroupArnSuffix": self.target_group_arn_suffix,
                "securityGroupId": self.security_group_id,
                "certificateArn": self.certificate_arn,
            }
        )

    # --- pieces ------------------------------------------------------------------------------

    def _security_groups(
        self, settings: LoadBalancerSettings, placement: Placement, port: int
    ) -> aws.ec2.SecurityGroup:
        """The ALB's own group admits the allowed clients on 80/443 and may reach only the gateway
        port on the nodes; the nodes admit the gateway port from the ALB's group alone."""
        name = self._name
        group = aws.ec2.SecurityGroup(
            f"{name}-alb",
            description="RunMCP gateway load balancer: clients in, gateway port out",
            vpc_id=placement.vpc_id,
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        listener_ports = [HTTP_PORT, HTTPS_PORT] if settings.https else [HTTP_PORT]
        for cidr in settings.allowed_cidrs:
            for listener_port in listener_ports:
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-in-{listener_port}-{cidr.replace('/', '-')}",
                    security_group_id=group.id,
                    description=f"clients on {listener_port}",
                    ip_protocol="tcp",
                    from_port=listener_port,
                    to_port=listener_port,
                    cidr_ipv4=cidr,
                    opts=pulumi.ResourceOptions(parent=group),
                )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-gateway",
            security_group_id=group.id,
            description="to the gateway pods",
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=placement.target_security_group_id,
            opts=pulumi.ResourceOptions(parent=group),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-alb",
            security_group_id=placement.target_security_group_id,
            description="gateway port from the RunMCP load balancer",
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=group.id,
            opts=pulumi.ResourceOptions(parent=group),
        )
        return group

    def _log_bucket(self, retention_days: int) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
        name = f"{self._name}-logs"
        child = pulumi.ResourceOptions(parent=self)
        # Bucket names are global across all accounts: a deterministic one carries account and region.
        bucket = aws.s3.Bucket(
            name,
            bucket=fitted_name(name, S3_BUCKET_NAME, self._account.account_id, self._account.region),
            force_destroy=False,
            tags=self._tags,
            opts=child,
        )
        under = pulumi.ResourceOptions(parent=bucket)
        ready: list[pulumi.Resource] = [
            aws.s3.BucketPublicAccessBlock(
                name,
                bucket=bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
                opts=under,
            ),
            aws.s3.BucketOwnershipControls(
                name,
                bucket=bucket.id,
                rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
                opts=under,
            ),
            aws.s3.BucketServerSideEncryptionConfiguration(
                name,
                bucket=bucket.id,
                rules=[
                    aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                        apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                            sse_algorithm="AES256"
                        )
                    )
                ],
                opts=under,
            ),
            aws.s3.BucketLifecycleConfiguration(
                name,
                bucket=bucket.id,
                rules=[
                    aws.s3.BucketLifecycleConfigurationRuleArgs(
                        id="expire-access-logs",
                        status="Enabled",
                        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=f"{LOG_PREFIX}/"),
                        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=retention_days),
                        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                            days_after_initiation=1
                        ),
                    )
                ],
                opts=under,
            ),
        ]
        account_id = self._account.account_id
        elb_account = (
            aws.elb.get_service_account(opts=pulumi.InvokeOptions(parent=self)).arn
            if self._account.region in REGIONS_WITH_ELB_LOG_ACCOUNT
            else None
        )
        ready.append(
            aws.s3.BucketPolicy(
                name,
                bucket=bucket.id,
                policy=bucket.arn.apply(lambda arn: _log_bucket_policy(arn, account_id, elb_account)),
                opts=pulumi.ResourceOptions(parent=bucket, depends_on=ready[:1]),
            )
        )
        return bucket, ready

    def _certificate(self, settings: LoadBalancerSettings) -> pulumi.Input[str] | None:
        if settings.certificate_arn is not None:
            return settings.certificate_arn
        domain = settings.domain
        if domain is None:
            return None
        name = f"{self._name}-certificate"
        certificate = aws.acm.Certificate(
            name,
            domain_name=domain.name,
            validation_method="DNS",
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{name}-validation",
            zone_id=domain.hosted_zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=60,
            allow_overwrite=True,
            opts=pulumi.ResourceOptions(parent=certificate),
        )
        validation = aws.acm.CertificateValidation(
            name,
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=pulumi.ResourceOptions(parent=certificate),
        )
        self.made_certificate_arn = certificate.arn
        # The listener takes the ARN from the validation: it waits until the certificate is issued.
        return validation.certificate_arn

    def _listeners(self, settings: LoadBalancerSettings) -> None:
        name = self._name
        forward = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=self.target_group.arn)
        certificate = self._certificate(settings)

        def listener(suffix: str, **args: Any) -> aws.lb.Listener:
            return aws.lb.Listener(
                f"{name}-{suffix}",
                load_balancer_arn=self.load_balancer.arn,
                tags=self._tags,
                opts=pulumi.ResourceOptions(parent=self),
                **args,
            )

        if certificate is None:
            self.listeners = [listener("http", port=HTTP_PORT, protocol="HTTP", default_actions=[forward])]
            return
        redirect = aws.lb.ListenerDefaultActionArgs(
            type="redirect",
            redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                protocol="HTTPS", port=str(HTTPS_PORT), status_code="HTTP_301"
            ),
        )
        self.listeners = [
            listener(
                "https",
                port=HTTPS_PORT,
                protocol="HTTPS",
                ssl_policy=settings.tls_policy,
                certificate_arn=certificate,
                default_actions=[forward],
            ),
            listener("http", port=HTTP_PORT, protocol="HTTP", default_actions=[redirect]),
        ]
        domain = settings.domain
        if domain is not None and domain.alias_record:
            aws.route53.Record(
                f"{name}-alias",
                zone_id=domain.hosted_zone_id,
                name=domain.name,
                type="A",
                aliases=[
                    aws.route53.RecordAliasArgs(
                        name=self.load_balancer.dns_name,
                        zone_id=self.load_balancer.zone_id,
                        evaluate_target_health=True,
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _waf(self, limit: int) -> None:
        name = self._name
        metric = f"{name}-rate-limit"
        acl = aws.wafv2.WebAcl(
            f"{name}-waf",
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=[
                aws.wafv2.WebAclRuleArgs(
                    name="rate-limit-per-ip",
                    priority=0,
                    action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                            limit=limit, aggregate_key_type="IP", evaluation_window_sec=300
                        )
                    ),
                    visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(
                        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
                    ),
                )
            ],
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=f"{name}-waf", sampled_requests_enabled=True
            ),
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-waf",
            resource_arn=self.load_balancer.arn,
            web_acl_arn=acl.arn,
            opts=pulumi.ResourceOptions(parent=acl),
        )


def _log_bucket_policy(bucket_arn: str, account_id: str, elb_account_arn: str | None) -> str:
    logs = f"{bucket_arn}/{LOG_PREFIX}/AWSLogs/{account_id}/*"
    principal: dict[str, str] = {"Service": ALB_LOG_DELIVERY_PRINCIPAL}
    if elb_account_arn is not None:
        principal["AWS"] = elb_account_arn
    return policy_document(
        [
            {
                "Sid": "AlbLogDelivery",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:PutObject",
                "Resource": logs,
            },
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ]
    )


def target_group_binding(
    name: str,
    *,
    target_group_arn: pulumi.Input[str],
    service_name: pulumi.Input[str],
    namespace: pulumi.Input[str],
    port: int,
    labels: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> k8s.apiextensions.CustomResource:
    """Tells the controller to keep the target group's members equal to the Service's ready pods."""
    return k8s.apiextensions.CustomResource(
        name,
        api_version=TARGET_GROUP_BINDING_API,
        kind="TargetGroupBinding",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=service_name, namespace=namespace, labels=dict(labels)),
        spec={
            "serviceRef": {"name": service_name, "port": port},
            "targetGroupARN": target_group_arn,
            "targetType": TARGET_TYPE,
        },
        # The webhook refuses to change these in place: a new target group (a changed port, say)
        # gets a new binding. Delete first: the new one has the same name, and deleting the old one
        # lets the controller deregister its targets from the old group.
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(replace_on_changes=list(TARGET_GROUP_BINDING_IMMUTABLE), delete_before_replace=True),
        ),
    )
