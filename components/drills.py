"""Drills as resources: the AWS FIS experiment templates that take a share of the gateway's pods,
node group instances and one zone away, the role FIS runs them with, what pod actions need inside
the cluster, and the load generator the drill runner (`runmcp-infra drill`) starts.

Sources: the FIS action reference (action ids, target types and parameters):
https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html ; targets and selection
modes: https://docs.aws.amazon.com/fis/latest/userguide/targets.html ; EKS pod actions (access entry
user `fis-experiment`, ServiceAccount, Role verbs):
https://docs.aws.amazon.com/fis/latest/userguide/eks-pod-actions.html ; the experiment role's trust
(aws:SourceAccount, aws:SourceArn):
https://docs.aws.amazon.com/fis/latest/userguide/getting-started-iam-service-role.html

Choices:
- Stop conditions: the stack's own availability alarms (no healthy targets, 5xx rate), at most 5
  per template (FIS quotas).
- emptyTargetResolutionMode `fail`: a drill that finds no gateway pod, node group or subnet is a
  broken drill, never a pass (with `skip` it would complete having injected nothing).
- The FIS pod for pod-delete runs in the gateway's namespace, which enforces Pod Security
  `restricted`: `fisPodSecurityPolicy=restricted` (pod-delete allows it; the network pod actions
  need privileged and are not used). The namespace denies all traffic by default; one
  NetworkPolicy lets every pod there that is not the gateway reach the Kubernetes API (443 to the
  API server's addresses) and DNS, which is all pod-delete needs (inferred: AWS documents no
  egress needs of the FIS pod).
- The load generator (k6, pinned) runs in its own namespace under `restricted`, as a suspended
  CronJob: `pulumi up` starts nothing; the runner creates one Job per drill from it. Its egress is
  DNS and 443 to the load balancer's addresses (a NetworkPolicy cannot name a load balancer: the
  caller gives the CIDRs, e.g. the public internet without the VPC for an internet-facing ALB).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .block_args import ArgsCheck
from .gateway import image_pull_policy
from .iam import AwsAccount, policy_document
from .kube import pod_security_labels
from .labels import recommended_labels
from .names import IAM_ROLE_NAME, fitted_name
from .settings import DrillSettings, LoadSettings, Problem

TYPE_TOKEN = "runmcp:index:GatewayDrills"
COMPONENT = "drills"
"""The app.kubernetes.io/component label of every Kubernetes object the drills make."""
FIS_PRINCIPAL = "fis.amazonaws.com"
FIS_USER = "fis-experiment"
"""The Kubernetes user name FIS acts as; the access entry maps the experiment role to it."""
SERVICE_ACCOUNT = "fis-pod-actions"
LOAD_NAMESPACE = "runmcp-drills"
LOAD_CRON_JOB = "runmcp-load"
MAX_STOP_CONDITIONS = 5

POD_ACTION_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("", "configmaps", ("get", "create", "patch", "delete")),
    ("", "pods", ("create", "list", "get", "delete", "deletecollection")),
    ("", "pods/ephemeralcontainers", ("update",)),
    ("", "pods/exec", ("create",)),
    ("apps", "deployments", ("get",)),
)
"""Exactly the Role the FIS user guide gives for EKS pod actions: (API group, resource, verbs)."""


SKIP_LOAD_TAG_PINNED = (
    "CKV_K8S_43=The load generator's image is pinned to a version tag and pulled with imagePullPolicy "
    "Always; pin a digest in drills.load.image to pin the bytes too"
)


def _duration(minutes: int) -> str:
    return f"PT{minutes}M"


def fis_trust_policy(partition: str, region: str, account_id: str) -> str:
    """FIS assumes the role only for this account's experiments (confused-deputy conditions)."""
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": FIS_PRINCIPAL},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:fis:{region}:{account_id}:experiment/*"},
                },
            }
        ]
    )


def fis_permissions(
    partition: str, cluster_name: str, cluster_arn: str, node_group_arns: Sequence[str], subnet_arns: Sequence[str]
) -> str:
    """What the three actions need (FIS action reference, per action), on this stack's resources."""
    nacl = f"arn:{partition}:ec2:*:*:network-acl/*"
    fis_tag = {"StringEquals": {"aws:RequestTag/managedByFIS": "true"}}
    return policy_document(
        [
            # Discovery and target resolution: Describe and tag:GetResources take no resource.
            {
                "Effect": "Allow",
                "Action": [
                    "ec2:DescribeInstances",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeNetworkAcls",
                    "ec2:DescribeVpcs",
                    "ec2:DescribeManagedPrefixLists",
                    "ec2:GetManagedPrefixListEntries",
                    "tag:GetResources",
                ],
                "Resource": "*",
            },
            # aws:eks:pod-delete
            {"Effect": "Allow", "Action": "eks:DescribeCluster", "Resource": cluster_arn},
            # aws:eks:terminate-nodegroup-instances: this cluster's node groups and their instances.
            {"Effect": "Allow", "Action": "eks:DescribeNodegroup", "Resource": sorted(node_group_arns)},
            {
                "Effect": "Allow",
                "Action": "ec2:TerminateInstances",
                "Resource": f"arn:{partition}:ec2:*:*:instance/*",
                "Condition": {"StringEquals": {"aws:ResourceTag/eks:cluster-name": cluster_name}},
            },
            # aws:network:disrupt-connectivity: a clone of the subnet's network ACL, tagged
            # managedByFIS=true, swapped in and out (modelled on AWSFaultInjectionSimulatorNetworkAccess).
            {"Effect": "Allow", "Action": "ec2:CreateNetworkAcl", "Resource": nacl, "Condition": fis_tag},
            {
                "Effect": "Allow",
                "Action": "ec2:CreateTags",
                "Resource": nacl,
                "Condition": {"StringEquals": {"ec2:CreateAction": "CreateNetworkAcl", **fis_tag["StringEquals"]}},
            },
            {"Effect": "Allow", "Action": "ec2:CreateNetworkAcl", "Resource": f"arn:{partition}:ec2:*:*:vpc/*"},
            {
                "Effect": "Allow",
                "Action": ["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"],
                "Resource": nacl,
                "Condition": {"StringEquals": {"ec2:ResourceTag/managedByFIS": "true"}},
            },
            {
                "Effect": "Allow",
                "Action": "ec2:ReplaceNetworkAclAssociation",
                "Resource": [*sorted(subnet_arns), nacl],
            },
            # Experiment logs to CloudWatch Logs (vended logs).
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogDelivery",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                "Resource": "*",
            },
        ]
    )


K6_SCRIPT = """\
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    drill: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE), timeUnit: '1s', duration: __ENV.DURATION,
      preAllocatedVUs: Number(__ENV.RATE) * 2, maxVUs: Number(__ENV.RATE) * 10,
    },
  },
};

const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

// One MCP session per iteration (Streamable HTTP): initialize, initialized, tools/list.
export default function () {
  const init = http.post(__ENV.TARGET, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'runmcp-drill', version: '1' } } }),
    { headers });
  check(init, { initialized: (r) => r.status === 200 });
  const session = { ...headers, 'Mcp-Session-Id': init.headers['Mcp-Session-Id'] || '' };
  http.post(__ENV.TARGET, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    { headers: session });
  const tools = http.post(__ENV.TARGET, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    { headers: session });
  check(tools, { listed: (r) => r.status === 200 });
}
"""


class GatewayDrills(pulumi.ComponentResource):
    """The drills of one gateway: FIS templates, their role, pod-action access, the load generator.

    Arguments: ``cluster_name``/``cluster_arn`` the EKS cluster; ``namespace`` and
    ``deployment_name`` the gateway's (pod-delete selects its pods by Deployment);
    ``node_group_arns`` the managed node groups (1-5); ``zone`` one of ``zones`` and
    ``zone_subnet_arns`` that zone's subnets, the ones cut off; ``stop_alarm_arns`` and
    ``stop_alarm_names`` the availability alarms (1-5) that stop every experiment;
    ``latency_p99_seconds`` the p99 bound the runner judges on (the alarms' threshold);
    ``gateway_url`` the MCP endpoint through the load balancer (the stack's ``url``);
    ``load_balancer_cidrs`` where the load generator may connect (443); ``api_server_cidrs``
    where the FIS pod reaches the Kubernetes API (443); ``account`` the AWS account
    (``iam.AwsAccount``); ``tags`` for every AWS resource.
    """

    templates: dict[str, aws.fis.ExperimentTemplate]
    """By the runner's output key: podLoss, nodeLoss, zoneLoss."""
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    outputs: pulumi.Output[dict[str, Any]]
    """The `drills` stack output the runner reads (components/drill/contract.py)."""

    def __init__(
        self,
        name: str,
        settings: DrillSettings | Mapping[str, Any],
        *,
        cluster_name: pulumi.Input[str],
        cluster_arn: pulumi.Input[str],
        namespace: str,
        deployment_name: str,
        node_group_arns: Sequence[pulumi.Input[str]],
        zone: str,
        zone_subnet_arns: Sequence[pulumi.Input[str]],
        zones: Sequence[str],
        stop_alarm_arns: Sequence[pulumi.Input[str]],
        stop_alarm_names: Sequence[pulumi.Input[str]],
        latency_p99_seconds: float,
        gateway_url: pulumi.Input[str],
        load_balancer_cidrs: Sequence[str],
        api_server_cidrs: Sequence[str],
        kubernetes_version: str,
        account: AwsAccount,
        tags: Mapping[str, str],
        instance: str = "",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``instance``: the installation its Kubernetes objects are labelled with (default: the stack)."""
        check = ArgsCheck(TYPE_TOKEN, name)
        settings = check.settings(DrillSettings, settings)
        # Every Kubernetes object carries the recommended labels, as the gateway's do.
        self._labels = recommended_labels(instance or pulumi.get_stack(), settings.load.image, component=COMPONENT)
        if not settings.enabled:
            check.switched_off("enabled", "is false: there are no drills to make")
        problems = []
        if not 1 <= len(stop_alarm_arns) <= MAX_STOP_CONDITIONS:
            problems.append(Problem("stopAlarmArns", f"needs 1 to {MAX_STOP_CONDITIONS} alarms (FIS quota)"))
        if len(stop_alarm_names) != len(stop_alarm_arns):
            problems.append(Problem("stopAlarmNames", "needs one name per stop alarm ARN"))
        if not node_group_arns or len(node_group_arns) > 5:
            problems.append(Problem("nodeGroupArns", "needs 1 to 5 node groups (a target takes at most 5 ARNs)"))
        if not zone_subnet_arns or zone not in zones:
            problems.append(Problem("zone", f"must be one of {', '.join(zones)}, with its subnets given"))
        if not deployment_name:
            problems.append(Problem("deploymentName", "is needed to select the gateway's pods"))
        check.add(problems)
        check.done()
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        partition, region, account_id = account.partition, account.region, account.account_id

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-fis-logs", retention_in_days=settings.log_retention_days, tags=dict(tags), opts=child
        )
        self.role = aws.iam.Role(
            f"{name}-fis",
            name=fitted_name(f"{name}-fis", IAM_ROLE_NAME),
            assume_role_policy=fis_trust_policy(partition, region, account_id),
            tags=dict(tags),
            opts=child,
        )
        permissions = aws.iam.RolePolicy(
            f"{name}-fis-actions",
            role=self.role.name,
            policy=pulumi.Output.all(
                cluster_name, cluster_arn, pulumi.Output.all(*node_group_arns), pulumi.Output.all(*zone_subnet_arns)
            ).apply(lambda a: fis_permissions(partition, a[0], a[1], a[2], a[3])),
            opts=pulumi.ResourceOptions(parent=self.role),
        )
        pod_access = self._pod_access(name, cluster_name, namespace, api_server_cidrs, child)
        ready = pulumi.ResourceOptions(parent=self, depends_on=[permissions, *pod_access])
        self.templates = {
            "podLoss": self._template(
                f"{name}-pod-loss",
                f"Delete {settings.pod_loss_percent}% of the gateway's pods",
                aws.fis.ExperimentTemplateTargetArgs(
                    name="Pods",
                    resource_type="aws:eks:pod",
                    selection_mode=f"PERCENT({settings.pod_loss_percent})",
                    parameters={
                        "clusterIdentifier": cluster_name,
                        "namespace": namespace,
                        # By Deployment: one value (the API's pattern for parameter values has no
                        # comma, so a selector of several labels cannot be given).
                        "selectorType": "deploymentName",
                        "selectorValue": deployment_name,
                    },
                ),
                "aws:eks:pod-delete",
                {"kubernetesServiceAccount": SERVICE_ACCOUNT, "fisPodSecurityPolicy": "restricted"},
                stop_alarm_arns,
                tags,
                ready,
            ),
            "nodeLoss": self._template(
                f"{name}-node-loss",
                f"Terminate {settings.node_termination_percent}% of every node group's instances",
                aws.fis.ExperimentTemplateTargetArgs(
                    name="Nodegroups",
                    resource_type="aws:eks:nodegroup",
                    selection_mode="ALL",
                    resource_arns=list(node_group_arns),
                ),
                "aws:eks:terminate-nodegroup-instances",
                {"instanceTerminationPercentage": str(settings.node_termination_percent)},
                stop_alarm_arns,
                tags,
                ready,
            ),
            "zoneLoss": self._template(
                f"{name}-zone-loss",
                f"Cut {zone}'s subnets off for {settings.zone_loss_minutes} minutes",
                aws.fis.ExperimentTemplateTargetArgs(
                    name="Subnets",
                    resource_type="aws:ec2:subnet",
                    selection_mode="ALL",
                    resource_arns=list(zone_subnet_arns),
                ),
                "aws:network:disrupt-connectivity",
                # scope all: every flow into and out of the subnets stops, as when a zone is lost.
                {"duration": _duration(settings.zone_loss_minutes), "scope": "all"},
                stop_alarm_arns,
                tags,
                ready,
            ),
        }
        self._load_generator(name, settings.load, gateway_url, load_balancer_cidrs, kubernetes_version, child)
        predicted = settings.predicted
        self.outputs = pulumi.Output.all(
            pulumi.Output.all(*stop_alarm_names), *(t.id for t in self.templates.values())
        ).apply(
            lambda values: {
                "zones": list(zones),
                "stopAlarmNames": values[0],
                "objectives": {
                    "availabilityPercent": settings.availability_objective_percent,
                    "latencyP99Seconds": latency_p99_seconds,
                },
                "loadGenerator": {
                    "namespace": LOAD_NAMESPACE,
                    "cronJob": LOAD_CRON_JOB,
                    "warmupSeconds": settings.load.warmup_seconds,
                    "cooldownSeconds": settings.load.cooldown_seconds,
                },
                "scaleOut": {"replicas": predicted.scale_out_replicas, "withinSeconds": predicted.scale_out_seconds},
                "podLoss": {"experimentTemplateId": values[1], "recoverWithinSeconds": predicted.pod_loss_seconds},
                "nodeLoss": {"experimentTemplateId": values[2], "recoverWithinSeconds": predicted.node_loss_seconds},
                "zoneLoss": {"experimentTemplateId": values[3], "recoverWithinSeconds": predicted.zone_loss_seconds},
            }
        )
        self.register_outputs({"drills": self.outputs})

    def _template(
        self,
        name: str,
        description: str,
        target: aws.fis.ExperimentTemplateTargetArgs,
        action_id: str,
        parameters: Mapping[str, str],
        stop_alarm_arns: Sequence[pulumi.Input[str]],
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions,
    ) -> aws.fis.ExperimentTemplate:
        slot = {"aws:eks:pod": "Pods", "aws:eks:nodegroup": "Nodegroups", "aws:ec2:subnet": "Subnets"}
        return aws.fis.ExperimentTemplate(
            name,
            description=description,
            role_arn=self.role.arn,
            stop_conditions=[
                aws.fis.ExperimentTemplateStopConditionArgs(source="aws:cloudwatch:alarm", value=arn)
                for arn in stop_alarm_arns
            ],
            targets=[target],
            actions=[
                aws.fis.ExperimentTemplateActionArgs(
                    name="fault",
                    action_id=action_id,
                    description=description,
                    parameters=[
                        aws.fis.ExperimentTemplateActionParameterArgs(key=k, value=v) for k, v in parameters.items()
                    ],
                    target=aws.fis.ExperimentTemplateActionTargetArgs(
                        key=slot[str(target.resource_type)], value=str(target.name)
                    ),
                )
            ],
            log_configuration=aws.fis.ExperimentTemplateLogConfigurationArgs(
                log_schema_version=2,
                # The log group's ARN with ":*", as the Terraform provider's documentation writes it.
                cloudwatch_logs_configuration=aws.fis.ExperimentTemplateLogConfigurationCloudwatchLogsConfigurationArgs(
                    log_group_arn=self.log_group.arn.apply(lambda arn: f"{arn}:*")
                ),
            ),
            experiment_options=aws.fis.ExperimentTemplateExperimentOptionsArgs(
                account_targeting="single-account", empty_target_resolution_mode="fail"
            ),
            tags={**tags, "Name": name},
            opts=opts,
        )

    def _pod_access(
        self,
        name: str,
        cluster_name: pulumi.Input[str],
        namespace: str,
        api_server_cidrs: Sequence[str],
        child: pulumi.ResourceOptions,
    ) -> list[pulumi.Resource]:
        """The experiment role as Kubernetes user fis-experiment, the ServiceAccount its pod runs
        as, the Role with the documented verbs bound to both, and the FIS pod's way to the API."""
        entry = aws.eks.AccessEntry(
            f"{name}-fis-access",
            cluster_name=cluster_name,
            principal_arn=self.role.arn,
            user_name=FIS_USER,
            type="STANDARD",
            opts=child,
        )
        meta = k8s.meta.v1.ObjectMetaArgs(name=SERVICE_ACCOUNT, namespace=namespace, labels=self._labels)
        account = k8s.core.v1.ServiceAccount(f"{name}-fis-sa", metadata=meta, opts=child)
        role = k8s.rbac.v1.Role(
            f"{name}-fis-role",
            metadata=meta,
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(api_groups=[group], resources=[resource], verbs=list(verbs))
                for group, resource, verbs in POD_ACTION_RULES
            ],
            opts=child,
        )
        binding = k8s.rbac.v1.RoleBinding(
            f"{name}-fis-binding",
            metadata=meta,
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="Role", name=SERVICE_ACCOUNT),
            subjects=[
                k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=SERVICE_ACCOUNT, namespace=namespace),
                k8s.rbac.v1.SubjectArgs(kind="User", name=FIS_USER, api_group="rbac.authorization.k8s.io"),
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role, account]),
        )
        np = k8s.networking.v1
        api = np.NetworkPolicy(
            f"{name}-fis-pod-egress",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="fis-pod-egress", namespace=namespace, labels=self._labels),
            spec=np.NetworkPolicySpecArgs(
                # Every pod of the namespace but the gateway's: only FIS pods run there besides it.
                pod_selector=k8s.meta.v1.LabelSelectorArgs(
                    match_expressions=[
                        k8s.meta.v1.LabelSelectorRequirementArgs(
                            key="app.kubernetes.io/component", operator="NotIn", values=["gateway"]
                        )
                    ]
                ),
                policy_types=["Egress"],
                egress=[
                    _dns_egress(),
                    np.NetworkPolicyEgressRuleArgs(
                        to=[np.NetworkPolicyPeerArgs(ip_block=np.IPBlockArgs(cidr=c)) for c in api_server_cidrs],
                        ports=[np.NetworkPolicyPortArgs(port=443, protocol="TCP")],
                    ),
                ],
            ),
            opts=child,
        )
        return [entry, binding, api]

    def _load_generator(
        self,
        name: str,
        load: LoadSettings,
        gateway_url: pulumi.Input[str],
        load_balancer_cidrs: Sequence[str],
        kubernetes_version: str,
        child: pulumi.ResourceOptions,
    ) -> None:
        # Its own name: the load pods are not the gateway's, whatever selects by name.
        labels = {**self._labels, "app.kubernetes.io/name": LOAD_CRON_JOB}
        namespace = k8s.core.v1.Namespace(
            f"{name}-load-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=LOAD_NAMESPACE, labels={**labels, **pod_security_labels(kubernetes_version)}
            ),
            opts=child,
        )
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        meta = k8s.meta.v1.ObjectMetaArgs(name=LOAD_CRON_JOB, namespace=LOAD_NAMESPACE, labels=labels)
        script = k8s.core.v1.ConfigMap(
            f"{name}-load-script", metadata=meta, data={"drill.js": K6_SCRIPT}, opts=in_namespace
        )
        np = k8s.networking.v1
        np.NetworkPolicy(
            f"{name}-load-network-policy",
            metadata=meta,
            spec=np.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(),
                policy_types=["Ingress", "Egress"],
                egress=[
                    _dns_egress(),
                    np.NetworkPolicyEgressRuleArgs(
                        to=[np.NetworkPolicyPeerArgs(ip_block=np.IPBlockArgs(cidr=c)) for c in load_balancer_cidrs],
                        ports=[np.NetworkPolicyPortArgs(port=443, protocol="TCP")],
                    ),
                ],
            ),
            opts=in_namespace,
        )
        seconds = load.duration_minutes * 60
        container = k8s.core.v1.ContainerArgs(
            name="k6",
            image=load.image,
            image_pull_policy=image_pull_policy(load.image),
            # No usage report to Grafana: the pod reaches nothing but the load balancer.
            args=["run", "--quiet", "--no-usage-report", "/scripts/drill.js"],
            env=[
                k8s.core.v1.EnvVarArgs(name="TARGET", value=gateway_url),
                k8s.core.v1.EnvVarArgs(name="RATE", value=str(load.requests_per_second)),
                k8s.core.v1.EnvVarArgs(name="DURATION", value=f"{seconds}s"),
            ],
            resources=k8s.core.v1.ResourceRequirementsArgs(
                # A CPU limit here (not on the gateway): the load generator must not take the CPU the
                # gateway pods it measures would scale on.
                requests={"cpu": "500m", "memory": "256Mi"},
                limits={"cpu": "1", "memory": "512Mi"},
            ),
            security_context=k8s.core.v1.SecurityContextArgs(
                allow_privilege_escalation=False,
                read_only_root_filesystem=True,
                run_as_non_root=True,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
            ),
            volume_mounts=[
                k8s.core.v1.VolumeMountArgs(name="script", mount_path="/scripts", read_only=True),
                k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
            ],
        )
        skips = {} if "@" in load.image else {"checkov.io/skip1": SKIP_LOAD_TAG_PINNED}
        k8s.batch.v1.CronJob(
            f"{name}-load",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=LOAD_CRON_JOB, namespace=LOAD_NAMESPACE, labels=labels, annotations=skips
            ),
            spec=k8s.batch.v1.CronJobSpecArgs(
                # Never runs on its schedule: the drill runner creates a Job from it.
                suspend=True,
                schedule="0 0 1 1 *",
                concurrency_policy="Forbid",
                job_template=k8s.batch.v1.JobTemplateSpecArgs(
                    spec=k8s.batch.v1.JobSpecArgs(
                        backoff_limit=0,
                        # The Job ends on its own should the runner die: the run plus a margin.
                        active_deadline_seconds=seconds + 120,
                        ttl_seconds_after_finished=3600,
                        template=k8s.core.v1.PodTemplateSpecArgs(
                            metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                            spec=k8s.core.v1.PodSpecArgs(
                                restart_policy="Never",
                                automount_service_account_token=False,
                                security_context=k8s.core.v1.PodSecurityContextArgs(
                                    run_as_non_root=True,
                                    run_as_user=65534,
                                    run_as_group=65534,
                                    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                                ),
                                containers=[container],
                                volumes=[
                                    k8s.core.v1.VolumeArgs(
                                        name="script",
                                        config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(name=LOAD_CRON_JOB),
                                    ),
                                    k8s.core.v1.VolumeArgs(
                                        name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()
                                    ),
                                ],
                            ),
                        ),
                    )
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace, script]),
        )


def _dns_egress() -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    np = k8s.networking.v1
    return np.NetworkPolicyEgressRuleArgs(
        to=[
            np.NetworkPolicyPeerArgs(
                namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels={"kubernetes.io/metadata.name": "kube-system"}
                ),
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
            )
        ],
        ports=[np.NetworkPolicyPortArgs(port=53, protocol=p) for p in ("UDP", "TCP")],
    )
