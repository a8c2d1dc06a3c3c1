"""The policy pack: every rule passes on prod and fails on a broken copy of it, run through the
pack's own StackValidationPolicy objects; the offline plan reports the same rules."""

from __future__ import annotations

import ast
import copy
import dataclasses
import re
import sys
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
)

from components.offline.policies import evaluate, pack_config, resources_of
from components.offline.runner import run_plan
from components.policy.rules import POLICIES, RULES, Resource, level_from_config
from tests.conftest import (
    ALL_STACKS,
    HEADROOM_COMPONENT,
    IMAGE,
    PROJECT_DIR,
    REPO_STACKS,
    WriteStack,
    cli,
    first_line_of_server,
    planned,
)


def policy_resources(resources: list[Resource]) -> list[PolicyResource]:
    """The stack as the policy SDK hands it to a StackValidationPolicy."""
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    made: dict[str, PolicyResource] = {}
    for r in resources:
        made[r.urn] = PolicyResource(r.type, r.props, r.urn, r.name, opts, None, None, [], {})
    for r in resources:
        made[r.urn].dependencies = [made[u] for u in r.dependencies if u in made]
    return list(made.values())


def run_policy(name: str, resources: list[Resource]) -> list[tuple[str, str | None]]:
    (policy,) = [p for p in POLICIES if p.name == name]
    reported: list[tuple[str, str | None]] = []
    policy.validate(
        StackValidationArgs(policy_resources(resources)), lambda message, urn=None: reported.append((message, urn))
    )
    return reported


def prod() -> list[Resource]:
    return [
        Resource(r.type, r.urn, r.name, copy.deepcopy(r.props), r.dependencies) for r in resources_of(planned("prod"))
    ]


def is_headroom(r: Resource) -> bool:
    """The headroom's placeholder Deployment (prod holds some): the edits below break the gateway's."""
    labels = r.props.get("metadata", {}).get("labels", {})
    return bool(labels.get("app.kubernetes.io/component") == HEADROOM_COMPONENT)


def edit(resources: list[Resource], type_token: str, change: Callable[[dict[str, Any]], None]) -> list[Resource]:
    for r in resources:
        if r.type == type_token and not is_headroom(r):
            change(r.props)  # type: ignore[arg-type]
    return resources


def container(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["spec"]["containers"][0]


DEPLOYMENT = "kubernetes:apps/v1:Deployment"
# rule -> (how to break prod, a fragment of the message)
BREAK: dict[str, tuple[Callable[[list[Resource]], list[Resource]], str]] = {
    "gateway-autoscaled-ha": (
        # prod scales through KEDA: its ScaledObject carries the bounds the HPA gets.
        lambda rs: edit(rs, "kubernetes:keda.sh/v1alpha1:ScaledObject", lambda p: p["spec"].update(minReplicaCount=1)),
        "minReplicas is 1",
    ),
    "gateway-disruption-budget": (
        lambda rs: [r for r in rs if r.type != "kubernetes:policy/v1:PodDisruptionBudget"],
        "no PodDisruptionBudget",
    ),
    "gateway-zone-spread": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: p["spec"]["template"]["spec"].pop("topologySpreadConstraints")),
        "not spread across zones",
    ),
    # (the headroom's pause container has no probe to take away)
    "gateway-probes": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p).pop("startupProbe", None)),
        "no startupProbe",
    ),
    "health-check-matches-readiness": (
        lambda rs: edit(rs, "aws:lb/targetGroup:TargetGroup", lambda p: p["healthCheck"].update(path="/")),
        "matches no readiness probe",
    ),
    "pod-requests": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p)["resources"]["requests"].pop("cpu")),
        "no cpu request",
    ),
    "pod-non-root": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p)["securityContext"].update(runAsNonRoot=False)),
        "may run as root",
    ),
    "pod-read-only-root-filesystem": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p)["securityContext"].update(readOnlyRootFilesystem=False)),
        "writable",
    ),
    "pod-no-privilege-escalation": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p)["securityContext"].pop("allowPrivilegeEscalation")),
        "allowPrivilegeEscalation",
    ),
    "pod-security-restricted": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p)["securityContext"].update(privileged=True)),
        'Privileged Containers: container "gateway" sets securityContext.privileged=true',
    ),
    "pod-pinned-image": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p).update(image="hapimcp/hapi-cli:latest")),
        "not pinned",
    ),
    "https-tls13": (
        lambda rs: edit(
            rs,
            "aws:lb/listener:Listener",
            lambda p: p.update(sslPolicy="ELBSecurityPolicy-2016-08") if p["protocol"] == "HTTPS" else None,
        ),
        "not a TLS 1.3 policy",
    ),
    "alb-access-logs": (
        lambda rs: edit(rs, "aws:lb/loadBalancer:LoadBalancer", lambda p: p["accessLogs"].update(enabled=False)),
        "access logs are off",
    ),
    "alb-deletion-protection": (
        lambda rs: edit(rs, "aws:lb/loadBalancer:LoadBalancer", lambda p: p.update(enableDeletionProtection=False)),
        "deletion protection is off",
    ),
    "s3-no-public-buckets": (
        lambda rs: edit(
            rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", lambda p: p.update(blockPublicPolicy=False)
        ),
        "public access block",
    ),
    "encryption-at-rest": (
        lambda rs: edit(rs, "aws:sns/topic:Topic", lambda p: p.pop("kmsMasterKeyId")),
        "SNS topic is not encrypted",
    ),
    "eks-secrets-encryption": (
        lambda rs: edit(rs, "aws:eks/cluster:Cluster", lambda p: p.pop("encryptionConfig")),
        "not envelope-encrypted",
    ),
    "nodes-require-imdsv2": (
        lambda rs: edit(
            rs, "aws:ec2/launchTemplate:LaunchTemplate", lambda p: p["metadataOptions"].update(httpTokens="optional")
        ),
        "IMDSv1",
    ),
    "core-alb-alarms": (
        lambda rs: [
            r
            for r in rs
            if not (
                r.type == "aws:cloudwatch/metricAlarm:MetricAlarm" and r.props.get("metricName") == "HealthyHostCount"
            )
        ],
        "HealthyHostCount",
    ),
}


def test_every_rule_has_a_failing_case() -> None:
    assert set(BREAK) == {r.name for r in RULES}


@pytest.mark.parametrize("rule", [r.name for r in RULES])
def test_rule_passes_on_prod(rule: str) -> None:
    assert run_policy(rule, prod()) == []


@pytest.mark.parametrize("rule", [r.name for r in RULES])
def test_rule_fails_on_a_broken_stack(rule: str) -> None:
    breaker, fragment = BREAK[rule]
    reported = run_policy(rule, breaker(prod()))
    assert reported, f"{rule} reported nothing"
    assert any(fragment in message for message, _ in reported), reported


def test_more_failing_cases_for_the_edge() -> None:
    # HTTP serving beside HTTPS instead of redirecting.
    broken = edit(
        prod(),
        "aws:lb/listener:Listener",
        lambda p: (
            p.update(defaultActions=[{"type": "forward", "targetGroupArn": "arn"}]) if p["protocol"] == "HTTP" else None
        ),
    )
    assert any("instead of redirecting" in m for m, _ in run_policy("https-tls13", broken))
    # A bucket without its encryption configuration.
    broken = [r for r in prod() if "bucketServerSideEncryption" not in r.type]
    assert any("no server-side encryption" in m for m, _ in run_policy("encryption-at-rest", broken))
    # An alarm that notifies no one.
    broken = edit(prod(), "aws:cloudwatch/metricAlarm:MetricAlarm", lambda p: p.update(alarmActions=[]))
    assert any("notifies no one" in m for m, _ in run_policy("core-alb-alarms", broken))


def test_the_pack_builds_and_serves_its_policies() -> None:
    """`__main__.py` builds the pack, which starts the analyzer and prints the port Pulumi connects to."""
    first = first_line_of_server(
        sys.executable, str(PROJECT_DIR / "components" / "policy" / "__main__.py"), cwd=PROJECT_DIR
    )
    assert first.isdigit(), f"no port printed: {first!r}"


# --- In the offline plan -----------------------------------------------------------------------


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_offline_plan_reports_no_mandatory_violation(stack: str) -> None:
    results = evaluate(planned(stack), pack_config(PROJECT_DIR, stack))
    assert [r for r in results if r.mandatory] == []


def test_dev_reports_its_single_replica_as_advisory() -> None:
    results = evaluate(planned("dev"), pack_config(PROJECT_DIR, "dev"))
    assert [(r.rule, r.level.value) for r in results] == [("gateway-autoscaled-ha", "advisory")]
    # Without dev's pack config the same stack breaks three mandatory rules.
    strict = {r.rule for r in evaluate(planned("dev"), {}) if r.mandatory}
    assert strict == {"gateway-autoscaled-ha", "alb-access-logs", "alb-deletion-protection", "eks-secrets-encryption"}


def test_plan_exits_non_zero_on_a_mandatory_violation(write_stack: WriteStack) -> None:
    path = write_stack({"gateway": {"image": IMAGE}, "loadBalancer": {"deletionProtection": False}})
    result = cli("plan", "bad", "--stack-file", str(path))
    assert result.returncode == 4, result.stderr
    assert "[mandatory]  alb-deletion-protection" in result.stdout
    assert "mandatory policy violation" in result.stderr
    assert run_plan(PROJECT_DIR, "bad", path).resources  # the plan itself is fine; the policy says no


def test_the_pack_installs_on_its_own() -> None:
    """`pulumi preview --policy-pack <pack>` runs the pack in its own virtualenv made from its
    requirements.txt: the rules import nothing but pulumi-policy (pinned as the lock pins it) and the
    standard library, so the pack needs neither the project's virtualenv nor the component package."""
    pack = PROJECT_DIR / "components" / "policy"
    spec = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
    assert spec["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    (requirement,) = (pack / "requirements.txt").read_text().split()

    def normalized(pin: str) -> str:  # PEP 503: pulumi_policy and pulumi-policy are one name
        return re.sub(r"[-_.]+", "-", pin.partition("==")[0]).lower() + "==" + pin.partition("==")[2]

    locked = {normalized(line) for line in (PROJECT_DIR / "requirements.lock").read_text().split() if "==" in line}
    assert normalized(requirement) in locked
    imported = set()
    for node in ast.walk(ast.parse((pack / "rules.py").read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - sys.stdlib_module_names == {"pulumi_policy"}


# --- Pod Security Standards: restricted ----------------------------------------------------------
#
# Each control of https://kubernetes.io/docs/concepts/security/pod-security-standards/ (restricted,
# which includes baseline), as kubernetes/pod-security-admission policy/check_*.go implements it
# (commit 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8): a copy of prod's Deployment broken in exactly
# that way fails, with a message naming the control and the container or field.

PodChange = Callable[[dict[str, Any]], None]
"""Changes a Deployment's properties in place."""


def pod_spec(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["spec"]


def context_of(props: dict[str, Any]) -> dict[str, Any]:
    return container(props)["securityContext"]


def pod_security(change: PodChange, version: str | None = None) -> list[str]:
    """The restricted rule's messages on prod with its Deployment changed, and with the namespace's
    enforce-version label set to ``version``."""
    resources = edit(prod(), DEPLOYMENT, change)
    if version is not None:
        edit(
            resources,
            "kubernetes:core/v1:Namespace",
            lambda p: p["metadata"]["labels"].update({"pod-security.kubernetes.io/enforce-version": version}),
        )
    return [message for message, _ in run_policy("pod-security-restricted", resources)]


def add_volume(volume: dict[str, Any]) -> PodChange:
    return lambda p: pod_spec(p)["volumes"].append(volume)


def set_context(**values: Any) -> PodChange:
    return lambda p: context_of(p).update(values)


def set_pod_context(**values: Any) -> PodChange:
    return lambda p: pod_spec(p)["securityContext"].update(values)


def add_init_container(**context: Any) -> PodChange:
    """An init container: a copy of the gateway container named "setup", its securityContext updated."""

    def change(p: dict[str, Any]) -> None:
        init = copy.deepcopy(container(p))
        init["name"] = "setup"
        init["securityContext"].update(context)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe", "lifecycle"):
            init.pop(probe, None)
        pod_spec(p)["initContainers"] = [init]

    return change


# control -> (the breakage, what the message must say after "<control>: ")
CONTROLS: dict[str, tuple[PodChange, str]] = {
    "HostProcess": (
        set_context(windowsOptions={"hostProcess": True}),
        'container "gateway" sets securityContext.windowsOptions.hostProcess=true',
    ),
    "HostProcess (pod)": (
        set_pod_context(windowsOptions={"hostProcess": True}),
        "pod sets securityContext.windowsOptions.hostProcess=true",
    ),
    "Host Namespaces": (lambda p: pod_spec(p).update(hostNetwork=True), "pod sets hostNetwork=true"),
    "Host Namespaces (PID)": (lambda p: pod_spec(p).update(hostPID=True), "pod sets hostPID=true"),
    "Host Namespaces (IPC)": (lambda p: pod_spec(p).update(hostIPC=True), "pod sets hostIPC=true"),
    "Privileged Containers": (set_context(privileged=True), 'container "gateway" sets securityContext.privileged=true'),
    "Capabilities": (
        lambda p: context_of(p).pop("capabilities"),
        'container "gateway" does not set securityContext.capabilities.drop=["ALL"]',
    ),
    "Capabilities (beyond baseline)": (
        set_context(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
        'container "gateway" adds SYS_ADMIN in securityContext.capabilities.add (restricted allows only '
        "NET_BIND_SERVICE, nor baseline)",
    ),
    "Capabilities (baseline, not restricted)": (
        set_context(capabilities={"drop": ["ALL"], "add": ["CHOWN"]}),
        'container "gateway" adds CHOWN in securityContext.capabilities.add (restricted allows only NET_BIND_SERVICE)',
    ),
    "HostPath Volumes": (add_volume({"name": "host", "hostPath": {"path": "/"}}), 'volume "host" is a hostPath volume'),
    "Host Ports": (
        lambda p: container(p)["ports"][0].update(hostPort=3030),
        'container "gateway" sets ports[].hostPort=3030',
    ),
    "AppArmor": (
        lambda p: p["spec"]["template"]["metadata"].update(
            annotations={"container.apparmor.security.beta.kubernetes.io/gateway": "unconfined"}
        ),
        "annotation container.apparmor.security.beta.kubernetes.io/gateway=unconfined",
    ),
    "AppArmor (field)": (
        set_context(appArmorProfile={"type": "Unconfined"}),
        'container "gateway" sets securityContext.appArmorProfile.type=Unconfined',
    ),
    "AppArmor (pod)": (
        set_pod_context(appArmorProfile={"type": "Unconfined"}),
        "pod sets securityContext.appArmorProfile.type=Unconfined",
    ),
    "SELinux": (
        set_context(seLinuxOptions={"type": "spc_t"}),
        'container "gateway" sets securityContext.seLinuxOptions.type=spc_t',
    ),
    "SELinux (user)": (
        set_pod_context(seLinuxOptions={"user": "system_u"}),
        "pod sets securityContext.seLinuxOptions.user=system_u (must be unset)",
    ),
    "SELinux (role)": (
        set_context(seLinuxOptions={"type": "container_t", "role": "system_r"}),
        'container "gateway" sets securityContext.seLinuxOptions.role=system_r (must be unset)',
    ),
    "/proc Mount Type": (
        set_context(procMount="Unmasked"),
        'container "gateway" sets securityContext.procMount=Unmasked',
    ),
    "Seccomp": (
        set_pod_context(seccompProfile={"type": "Unconfined"}),
        "pod sets securityContext.seccompProfile.type=Unconfined",
    ),
    "Seccomp (unset)": (
        lambda p: pod_spec(p)["securityContext"].pop("seccompProfile"),
        'neither the pod nor container "gateway" sets securityContext.seccompProfile.type to RuntimeDefault or '
        "Localhost",
    ),
    "Sysctls": (
        set_pod_context(sysctls=[{"name": "kernel.msgmax", "value": "65536"}]),
        "pod sets securityContext.sysctls kernel.msgmax (not a safe sysctl in v1.33)",
    ),
    "Volume Types": (
        add_volume({"name": "share", "nfs": {"server": "10.0.0.1", "path": "/"}}),
        'volume "share" uses nfs, not a volume type restricted allows',
    ),
    "Privilege Escalation": (
        lambda p: context_of(p).pop("allowPrivilegeEscalation"),
        'container "gateway" does not set securityContext.allowPrivilegeEscalation=false',
    ),
    "Running as Non-root": (
        set_context(runAsNonRoot=False),
        'container "gateway" sets securityContext.runAsNonRoot=false',
    ),
    "Running as Non-root (unset)": (
        lambda p: (context_of(p).pop("runAsNonRoot"), pod_spec(p)["securityContext"].pop("runAsNonRoot")),
        'neither the pod nor container "gateway" sets securityContext.runAsNonRoot=true',
    ),
    "Running as Non-root user": (set_context(runAsUser=0), 'container "gateway" sets securityContext.runAsUser=0'),
    "Running as Non-root user (pod)": (set_pod_context(runAsUser=0), "pod sets securityContext.runAsUser=0"),
    "Privileged Containers (init)": (
        add_init_container(privileged=True),
        'initContainer "setup" sets securityContext.privileged=true',
    ),
}


def test_every_control_of_the_standard_has_a_failing_case() -> None:
    from components.policy.rules import POD_SECURITY_CONTROLS

    # Host Probes / Lifecycle Hooks is version-dependent (1.34+): see its own test below.
    covered = {case.split(" (")[0] for case in CONTROLS} | {"Host Probes / Lifecycle Hooks"}
    assert covered == {control for control, _, _ in POD_SECURITY_CONTROLS}


def test_the_programs_pods_meet_restricted() -> None:
    for stack in ALL_STACKS:
        resources = resources_of(planned(stack))
        assert any(r.type == DEPLOYMENT for r in resources)
        assert run_policy("pod-security-restricted", resources) == []


@pytest.mark.parametrize("case", list(CONTROLS))
def test_a_pod_broken_in_one_control_fails(case: str) -> None:
    change, detail = CONTROLS[case]
    control = case.split(" (")[0]
    messages = pod_security(change)
    expected = f"Deployment runmcp-gateway: Pod Security restricted, {control}: {detail}"
    assert expected in messages, messages


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("runAsNonRoot at pod level only", lambda p: context_of(p).pop("runAsNonRoot")),
        ("runAsNonRoot on the container only", lambda p: pod_spec(p)["securityContext"].pop("runAsNonRoot")),
        ("seccomp at pod level only", lambda p: context_of(p).pop("seccompProfile", None)),
        (
            "seccomp on the container only",
            lambda p: (
                pod_spec(p)["securityContext"].pop("seccompProfile"),
                context_of(p).update(seccompProfile={"type": "Localhost", "localhostProfile": "gw.json"}),
            ),
        ),
        ("NET_BIND_SERVICE added", set_context(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})),
        ("AppArmor RuntimeDefault", set_pod_context(appArmorProfile={"type": "RuntimeDefault"})),
        (
            "AppArmor localhost annotation",
            lambda p: p["spec"]["template"]["metadata"].update(
                annotations={"container.apparmor.security.beta.kubernetes.io/gateway": "localhost/gw"}
            ),
        ),
        ("SELinux container_init_t", set_context(seLinuxOptions={"type": "container_init_t", "level": "s0:c1"})),
        ("procMount Default", set_context(procMount="Default")),
        ("a safe sysctl", set_pod_context(sysctls=[{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}])),
        (
            "allowed volume types",
            lambda p: pod_spec(p)["volumes"].extend(
                [
                    {"name": "d", "downwardAPI": {"items": []}},
                    {"name": "c", "csi": {"driver": "x"}},
                    {"name": "v", "persistentVolumeClaim": {"claimName": "x"}},
                    {"name": "p", "projected": {"sources": []}},
                    {"name": "s", "secret": {"secretName": "x"}},
                    {"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
                ]
            ),
        ),
        ("hostPort 0", lambda p: container(p)["ports"][0].update(hostPort=0)),
        ("privileged false, hostNetwork false", lambda p: pod_spec(p).update(hostNetwork=False)),
        ("a clean init container", add_init_container()),
    ],
)
def test_what_the_standard_allows_passes(case: str, change: PodChange) -> None:
    assert pod_security(change) == [], case


def test_a_container_value_wins_over_the_pods() -> None:
    # seccomp Unconfined on one container fails even with RuntimeDefault at pod level.
    messages = pod_security(set_context(seccompProfile={"type": "Unconfined"}))
    assert messages == [
        "Deployment runmcp-gateway: Pod Security restricted, Seccomp: "
        'container "gateway" sets securityContext.seccompProfile.type=Unconfined'
    ]
    # runAsNonRoot false on the container fails even with true at pod level.
    assert pod_security(set_context(runAsNonRoot=False)) == [
        "Deployment runmcp-gateway: Pod Security restricted, Running as Non-root: "
        'container "gateway" sets securityContext.runAsNonRoot=false'
    ]
    # A container's true does not excuse a pod-level false.
    messages = pod_security(set_pod_context(runAsNonRoot=False))
    assert any("Running as Non-root: pod sets securityContext.runAsNonRoot=false" in m for m in messages)


def test_pod_level_values_cover_only_containers_that_set_none() -> None:
    # Without a pod-level seccomp profile, an init container without its own fails while the
    # gateway container (which sets one) passes.
    def change(p: dict[str, Any]) -> None:
        pod_spec(p)["securityContext"].pop("seccompProfile")
        context_of(p)["seccompProfile"] = {"type": "RuntimeDefault"}
        add_init_container()(p)
        pod_spec(p)["initContainers"][0]["securityContext"].pop("seccompProfile", None)

    assert pod_security(change) == [
        "Deployment runmcp-gateway: Pod Security restricted, Seccomp: neither the pod nor "
        'initContainer "setup" sets securityContext.seccompProfile.type to RuntimeDefault or Localhost'
    ]


def test_ephemeral_containers_are_checked_too() -> None:
    debug = {"name": "debug", "image": "busybox:1.36"}
    messages = pod_security(lambda p: pod_spec(p).update(ephemeralContainers=[debug]))
    # The pod-level context covers non-root and seccomp; capabilities and privilege escalation are
    # per container only.
    assert messages == [
        "Deployment runmcp-gateway: Pod Security restricted, Capabilities: "
        'ephemeralContainer "debug" does not set securityContext.capabilities.drop=["ALL"]',
        "Deployment runmcp-gateway: Pod Security restricted, Privilege Escalation: "
        'ephemeralContainer "debug" does not set securityContext.allowPrivilegeEscalation=false',
    ]


@pytest.mark.parametrize(
    ("change", "passes_at", "fails_at", "fragment"),
    [
        # check_sysctls.go: net.ipv4.tcp_rmem is safe from 1.32.
        (
            set_pod_context(sysctls=[{"name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"}]),
            "v1.32",
            "v1.31",
            "Sysctls",
        ),
        # check_sysctls.go: net.ipv4.tcp_keepalive_time from 1.29.
        (
            set_pod_context(sysctls=[{"name": "net.ipv4.tcp_keepalive_time", "value": "60"}]),
            "v1.29",
            "v1.28",
            "Sysctls",
        ),
        # check_seLinuxOptions.go: container_engine_t from 1.31.
        (set_context(seLinuxOptions={"type": "container_engine_t"}), "v1.31", "v1.30", "SELinux"),
        # check_hostProbesAndhostLifecycle.go: probe and lifecycle hosts are refused from 1.34.
        (
            lambda p: container(p)["readinessProbe"]["httpGet"].update(host="169.254.169.254"),
            "v1.33",
            "v1.34",
            'Host Probes / Lifecycle Hooks: container "gateway" sets readinessProbe.httpGet.host=169.254.169.254',
        ),
        (
            lambda p: container(p)["lifecycle"].update(postStart={"tcpSocket": {"port": 22, "host": "10.0.0.1"}}),
            "v1.33",
            "v1.34",
            'container "gateway" sets lifecycle.postStart.tcpSocket.host=10.0.0.1',
        ),
        # check_runAsUser.go, helpers.go: from 1.35 a pod in a user namespace may run as UID 0.
        (
            lambda p: (pod_spec(p).update(hostUsers=False), context_of(p).update(runAsUser=0)),
            "v1.35",
            "v1.34",
            'Running as Non-root user: container "gateway" sets securityContext.runAsUser=0',
        ),
        (
            lambda p: (
                pod_spec(p).update(hostUsers=False),
                context_of(p).update(runAsNonRoot=False),
                pod_spec(p)["securityContext"].update(runAsNonRoot=False),
            ),
            "v1.35",
            "v1.34",
            "Running as Non-root: pod sets securityContext.runAsNonRoot=false",
        ),
    ],
)
def test_controls_that_change_with_the_version(change: PodChange, passes_at: str, fails_at: str, fragment: str) -> None:
    assert pod_security(change, passes_at) == []
    assert any(fragment in m for m in pod_security(change, fails_at)), pod_security(change, fails_at)


def test_proc_mount_stays_checked_in_a_user_namespace() -> None:
    """check_procMount_restricted.go: restricted keeps refusing Unmasked in 1.35+, where baseline relaxes."""
    messages = pod_security(
        lambda p: (pod_spec(p).update(hostUsers=False), set_context(procMount="Unmasked")(p)), "v1.35"
    )
    assert any("/proc Mount Type" in m for m in messages), messages


def test_latest_means_the_clusters_version() -> None:
    change = set_context(seLinuxOptions={"type": "container_engine_t"})
    resources = edit(prod(), DEPLOYMENT, change)
    edit(
        resources,
        "kubernetes:core/v1:Namespace",
        lambda p: p["metadata"]["labels"].update({"pod-security.kubernetes.io/enforce-version": "latest"}),
    )
    assert run_policy("pod-security-restricted", resources) == []  # the cluster is 1.33
    edit(resources, "aws:eks/cluster:Cluster", lambda p: p.update(version="1.30"))
    assert any("SELinux" in m for m, _ in run_policy("pod-security-restricted", resources))


def test_windows_pods_are_exempt_where_the_standard_exempts_them() -> None:
    """From 1.25 capabilities, seccomp and allowPrivilegeEscalation are not checked on Windows pods;
    the rest still are."""

    def windows(p: dict[str, Any]) -> None:
        pod_spec(p)["os"] = {"name": "windows"}
        pod_spec(p)["securityContext"].pop("seccompProfile")
        for key in ("capabilities", "allowPrivilegeEscalation", "runAsNonRoot"):
            context_of(p).pop(key)
        pod_spec(p)["securityContext"].pop("runAsNonRoot")

    messages = pod_security(windows)
    assert [m.split(", ", 1)[1].split(":")[0] for m in messages] == ["Running as Non-root"]


WORKLOADS = {
    "kubernetes:batch/v1:Job": lambda template: {"spec": {"template": template}},
    "kubernetes:batch/v1:CronJob": lambda template: {
        "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}}
    },
    "kubernetes:apps/v1:DaemonSet": lambda template: {"spec": {"template": template}},
    "kubernetes:apps/v1:StatefulSet": lambda template: {"spec": {"template": template}},
    "kubernetes:apps/v1:ReplicaSet": lambda template: {"spec": {"template": template}},
    "kubernetes:core/v1:Pod": lambda template: {"spec": template["spec"], "metadata": template["metadata"]},
}


@pytest.mark.parametrize("type_token", list(WORKLOADS))
def test_every_pod_bearing_kind_is_checked(type_token: str) -> None:
    (deployment,) = [r for r in prod() if r.type == DEPLOYMENT and not is_headroom(r)]
    template = copy.deepcopy(deployment.props["spec"]["template"])
    props = WORKLOADS[type_token](template)
    props["metadata"] = {**props.get("metadata", {}), "name": "other", "namespace": "runmcp-gateway"}
    workload = Resource(type_token, f"urn:pulumi:prod::p::{type_token}::other", "other", props)
    assert run_policy("pod-security-restricted", [*prod(), workload]) == []
    container(deployment.props)  # the same shape
    template["spec"]["containers"][0]["securityContext"]["privileged"] = True
    kind = type_token.rsplit(":", 1)[1]
    messages = [m for m, urn in run_policy("pod-security-restricted", [*prod(), workload]) if urn == workload.urn]
    assert messages == [
        f'{kind} other: Pod Security restricted, Privileged Containers: container "gateway" sets '
        "securityContext.privileged=true"
    ]


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_pod_security_is_mandatory_in_every_stack(stack: str) -> None:
    (rule,) = [r for r in RULES if r.name == "pod-security-restricted"]
    assert level_from_config(rule, pack_config(PROJECT_DIR, stack)) == EnforcementLevel.MANDATORY
    # ...so the offline plan refuses a pod that breaks it (runmcp-infra exits 4 on a mandatory result).
    plan = planned(stack)
    broken = copy.deepcopy(plan.resources)
    for r in broken:
        if (
            r.type == DEPLOYMENT
            and (r.inputs["metadata"].get("labels") or {}).get("app.kubernetes.io/component") != HEADROOM_COMPONENT
        ):
            container(r.inputs)["securityContext"]["privileged"] = True
    results = evaluate(dataclasses.replace(plan, resources=broken), pack_config(PROJECT_DIR, stack))
    assert [r.rule for r in results if r.mandatory] == ["pod-security-restricted"]


def test_the_readmes_list_every_rule() -> None:
    """The pack's README has a row per rule with its group and default level; README.md counts them."""
    table = (PROJECT_DIR / "components" / "policy" / "README.md").read_text()
    rows = {line.split("|")[1].strip().strip("`"): line for line in table.splitlines() if line.startswith("| `")}
    assert set(rows) == {r.name for r in RULES}
    for rule in RULES:
        cells = [c.strip() for c in rows[rule.name].split("|")]
        assert (cells[2], cells[3]) == (rule.group, rule.level.value), rule.name
    assert f"{len(RULES)} rules in `components/policy/rules.py`" in (PROJECT_DIR / "README.md").read_text()
