"""The guardrails of the RunMCP gateway, as CrossGuard policies.

Each rule is a plain function over the stack's resources (type, URN, name, properties as the engine
sees them: camelCase), wrapped as a ``StackValidationPolicy``. The pack (``__main__.py`` beside this
file) serves them to `pulumi preview --policy-pack components/policy`; the offline plan and the tests import the
same rules from here. This module needs only ``pulumi_policy``: the pack runs in its own virtualenv.

During a real preview a property that is not known yet (an output of a resource still to be made)
raises inside the policy SDK, which then skips the check for that run rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

PACK_NAME = "runmcp-gateway-guardrails"

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
"""KEDA's ScaledObject: KEDA makes the HPA from it (minReplicaCount, maxReplicaCount)."""
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
TOPIC = "aws:sns/topic:Topic"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ZONE = "topology.kubernetes.io/zone"
CORE_ALB_METRICS = ("HealthyHostCount", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "TargetResponseTime")


@dataclass(frozen=True)
class Resource:
    """One resource as a rule sees it."""

    type: str
    urn: str
    name: str
    props: Mapping[str, Any]
    dependencies: frozenset[str] = field(default_factory=frozenset)
    """URNs this resource depends on."""


Finding = tuple[str, str | None]
"""A violation: the message, and the URN of the resource it is about (None: the stack)."""


@dataclass(frozen=True)
class Rule:
    name: str
    group: str
    description: str
    level: EnforcementLevel
    check: Callable[[Sequence[Resource]], Iterable[Finding]]


def _of(resources: Sequence[Resource], type_token: str) -> list[Resource]:
    return [r for r in resources if r.type == type_token]


def _pod(deployment: Resource) -> Mapping[str, Any]:
    pod: Mapping[str, Any] = deployment.props.get("spec", {}).get("template", {}).get("spec", {})
    return pod


def _containers(deployment: Resource) -> Iterator[Mapping[str, Any]]:
    yield from _pod(deployment).get("containers", [])


def _pod_labels(deployment: Resource) -> Mapping[str, str]:
    labels: Mapping[str, str] = (
        deployment.props.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    )
    return labels


PLACEHOLDER_COMPONENT = "headroom"
"""The app.kubernetes.io/component of placeholder pods (components/headroom.py COMPONENT, which a test
compares): pause containers at a fixed count that serve nothing, so the serving rules (autoscaled,
disruption budget, probes) do not apply to them; the security rules do."""


def _serving(resources: Sequence[Resource]) -> list[Resource]:
    """The Deployments whose pods serve: all but the headroom's placeholders."""
    return [
        d
        for d in _of(resources, DEPLOYMENT)
        if _pod_labels(d).get("app.kubernetes.io/component") != PLACEHOLDER_COMPONENT
    ]


# --- HA --------------------------------------------------------------------------------------------


def autoscaled_ha(resources: Sequence[Resource]) -> Iterable[Finding]:
    # An HPA, or a ScaledObject (KEDA makes the HPA; its bounds are minReplicaCount and maxReplicaCount).
    scalers = [(h, "minReplicas", "maxReplicas") for h in _of(resources, HPA)]
    scalers += [(o, "minReplicaCount", "maxReplicaCount") for o in _of(resources, SCALED_OBJECT)]
    for deployment in _serving(resources):
        name = deployment.props.get("metadata", {}).get("name")
        mine = [
            (h, low_key, high_key)
            for h, low_key, high_key in scalers
            if h.props.get("spec", {}).get("scaleTargetRef", {}).get("kind") == "Deployment"
            and h.props["spec"]["scaleTargetRef"].get("name") == name
        ]
        if not mine:
            yield f"Deployment {name} has no HorizontalPodAutoscaler", deployment.urn
        for hpa, low_key, high_key in mine:
            spec = hpa.props["spec"]
            # KEDA's defaults: minReplicaCount 0, maxReplicaCount 100; the HPA's minReplicas 1.
            low = spec.get(low_key, 1 if low_key == "minReplicas" else 0)
            high = spec.get(high_key, 100)
            if low < 2:
                yield f"minReplicas is {low}: one pod is not highly available; use 2 or more", hpa.urn
            if high <= low:
                yield f"maxReplicas ({high}) leaves the HPA no room above minReplicas ({low})", hpa.urn


def disruption_budget(resources: Sequence[Resource]) -> Iterable[Finding]:
    budgets = [p.props.get("spec", {}).get("selector", {}).get("matchLabels", {}) for p in _of(resources, PDB)]
    for deployment in _serving(resources):
        labels = _pod_labels(deployment)
        if not any(selector and selector.items() <= labels.items() for selector in budgets):
            yield (
                "no PodDisruptionBudget selects this Deployment's pods: a node drain may take them all",
                deployment.urn,
            )


def zone_spread(resources: Sequence[Resource]) -> Iterable[Finding]:
    for deployment in _of(resources, DEPLOYMENT):
        keys = [c.get("topologyKey") for c in _pod(deployment).get("topologySpreadConstraints", [])]
        if ZONE not in keys:
            yield f"pods are not spread across zones (no topologySpreadConstraint on {ZONE})", deployment.urn


# --- Health ----------------------------------------------------------------------------------------


def probes(resources: Sequence[Resource]) -> Iterable[Finding]:
    for deployment in _serving(resources):
        for container in _containers(deployment):
            missing = [p for p in ("startupProbe", "readinessProbe", "livenessProbe") if p not in container]
            if missing:
                yield f"container {container.get('name')} has no {', '.join(missing)}", deployment.urn


def health_check_matches_readiness(resources: Sequence[Resource]) -> Iterable[Finding]:
    readiness = [
        c["readinessProbe"].get("httpGet", {})
        for d in _of(resources, DEPLOYMENT)
        for c in _containers(d)
        if "readinessProbe" in c
    ]
    for group in _of(resources, TARGET_GROUP):
        check = group.props.get("healthCheck", {})
        port = group.props.get("port") if check.get("port", "traffic-port") == "traffic-port" else check.get("port")
        if not any(check.get("path") == p.get("path") and str(port) == str(p.get("port")) for p in readiness):
            yield (
                f"the health check ({check.get('path')} on port {port}) matches no readiness probe: the load "
                "balancer and Kubernetes would judge the pods differently",
                group.urn,
            )


# --- Pods ------------------------------------------------------------------------------------------


def _per_container(
    test: Callable[[Mapping[str, Any], Mapping[str, Any]], str | None],
) -> Callable[[Sequence[Resource]], Iterable[Finding]]:
    def check(resources: Sequence[Resource]) -> Iterable[Finding]:
        for deployment in _of(resources, DEPLOYMENT):
            pod_context = _pod(deployment).get("securityContext", {})
            for container in _containers(deployment):
                problem = test(container, pod_context)
                if problem:
                    yield f"container {container.get('name')}: {problem}", deployment.urn

    return check


def _requests(container: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    requests = container.get("resources", {}).get("requests", {})
    missing = [r for r in ("cpu", "memory") if r not in requests]
    return f"no {' or '.join(missing)} request (the HPA and the scheduler need both)" if missing else None


def _non_root(container: Mapping[str, Any], pod: Mapping[str, Any]) -> str | None:
    context = {**pod, **container.get("securityContext", {})}
    if context.get("runAsNonRoot") is not True or context.get("runAsUser") == 0:
        return "may run as root (set runAsNonRoot: true and a non-zero runAsUser)"
    return None


def _read_only(container: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    if container.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
        return "root filesystem is writable"
    return None


def _no_escalation(container: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    if container.get("securityContext", {}).get("allowPrivilegeEscalation") is not False:
        return "allowPrivilegeEscalation is not false"
    return None


def _pinned(container: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    image = str(container.get("image", ""))
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        return f"image {image!r} is not pinned to a version or digest"
    return None


# --- Pod Security Standards: restricted ------------------------------------------------------------
#
# Every control of the `restricted` profile (which includes all of `baseline`), as defined on
# https://kubernetes.io/docs/concepts/security/pod-security-standards/ and implemented by the
# reference admission controller, kubernetes/pod-security-admission, policy/check_*.go (read at
# commit 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Where the profile differs by Kubernetes version,
# the version is the one Pod Security Admission would use for the pod: its namespace's
# `pod-security.kubernetes.io/enforce-version` label, else the cluster's version.
#
# Containers means initContainers, containers and ephemeralContainers (policy/visitor.go). Pod-level
# securityContext fields are inherited where the standard says so: runAsNonRoot and seccompProfile
# at pod level satisfy containers that leave them unset; a container's own value always counts, so
# an explicit bad value on one container fails even under a good pod-level value.

PSS_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version"
NAMESPACE = "kubernetes:core/v1:Namespace"

# Where each kind keeps its pod template (metadata and spec), by the kind's name in its type token.
_POD_TEMPLATE_PATHS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("core", "Pod"): (),
    ("core", "PodTemplate"): ("template",),
    ("core", "ReplicationController"): ("spec", "template"),
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("apps", "ReplicaSet"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
}
_KUBERNETES_TYPE = re.compile(r"kubernetes:(?P<group>[a-z0-9.]+)/(?P<version>v[a-z0-9]+):(?P<kind>[A-Za-z]+)")

Version = tuple[int, int]
LATEST_KNOWN: Version = (1, 37)
"""The newest version the tables below know (check_sysctls.go at the commit above goes to 1.37)."""

# check_capabilities_baseline.go: what baseline lets a container add.
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
# check_selinuxOptions.go: allowed seLinuxOptions.type values ("" is unset), by minimum version.
SELINUX_TYPES: tuple[tuple[Version, frozenset[str]], ...] = (
    ((1, 0), frozenset({"", "container_t", "container_init_t", "container_kvm_t"})),
    ((1, 31), frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})),
)
# check_sysctls.go: the safe sysctls, a set that grows by version.
_SYSCTLS_1_0 = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
_SYSCTLS_1_27 = _SYSCTLS_1_0 | {"net.ipv4.ip_local_reserved_ports"}
_SYSCTLS_1_29 = _SYSCTLS_1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
_SYSCTLS_1_32 = _SYSCTLS_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
_SYSCTLS_1_37 = _SYSCTLS_1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}
SAFE_SYSCTLS: tuple[tuple[Version, frozenset[str]], ...] = (
    ((1, 0), _SYSCTLS_1_0),
    ((1, 27), _SYSCTLS_1_27),
    ((1, 29), _SYSCTLS_1_29),
    ((1, 32), _SYSCTLS_1_32),
    ((1, 37), _SYSCTLS_1_37),
)
# check_restrictedVolumes.go: the only inline volume sources restricted allows. `image` is allowed
# too since the check was changed for image volumes (commit ca569ec, first released in 1.33), at
# every policy version.
RESTRICTED_VOLUME_SOURCES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
SECCOMP_TYPES = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_TYPES = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def _at(table: tuple[tuple[Version, frozenset[str]], ...], version: Version) -> frozenset[str]:
    return [values for since, values in table if since <= version][-1]


@dataclass(frozen=True)
class PodTemplate:
    """A pod as Pod Security Admission sees it: its metadata, its spec and the policy version."""

    metadata: Mapping[str, Any]
    spec: Mapping[str, Any]
    version: Version

    @property
    def context(self) -> Mapping[str, Any]:
        context: Mapping[str, Any] = self.spec.get("securityContext") or {}
        return context

    def containers(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(how to name it in a message, the container) for every container of every kind."""
        for field_name, label in (
            ("initContainers", "initContainer"),
            ("containers", "container"),
            ("ephemeralContainers", "ephemeralContainer"),
        ):
            for container in self.spec.get(field_name) or []:
                yield f'{label} "{container.get("name")}"', container

    @property
    def windows(self) -> bool:
        """Windows pods are exempt from some restricted checks from 1.25 (spec.os.name)."""
        return (self.spec.get("os") or {}).get("name") == "windows"

    @property
    def user_namespace(self) -> bool:
        """From 1.35, a pod in a user namespace (hostUsers: false) may run as root (helpers.go)."""
        return self.version >= (1, 35) and self.spec.get("hostUsers") is False


def _context(container: Mapping[str, Any]) -> Mapping[str, Any]:
    context: Mapping[str, Any] = container.get("securityContext") or {}
    return context


def _host_process(pod: PodTemplate) -> Iterator[str]:
    if (pod.context.get("windowsOptions") or {}).get("hostProcess") is True:
        yield "pod sets securityContext.windowsOptions.hostProcess=true"
    for who, c in pod.containers():
        if (_context(c).get("windowsOptions") or {}).get("hostProcess") is True:
            yield f"{who} sets securityContext.windowsOptions.hostProcess=true"


def _host_namespaces(pod: PodTemplate) -> Iterator[str]:
    for field_name in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.spec.get(field_name) is True:
            yield f"pod sets {field_name}=true"


def _privileged(pod: PodTemplate) -> Iterator[str]:
    for who, c in pod.containers():
        if _context(c).get("privileged") is True:
            yield f"{who} sets securityContext.privileged=true"


def _capabilities(pod: PodTemplate) -> Iterator[str]:
    # Restricted (check_capabilities_restricted.go) overrides baseline's list of allowed adds.
    if pod.windows:
        return
    for who, c in pod.containers():
        capabilities = _context(c).get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            yield f'{who} does not set securityContext.capabilities.drop=["ALL"]'
        for added in capabilities.get("add") or []:
            if added != "NET_BIND_SERVICE":
                beyond = "" if added in BASELINE_CAPABILITIES else ", nor baseline"
                yield (
                    f"{who} adds {added} in securityContext.capabilities.add "
                    f"(restricted allows only NET_BIND_SERVICE{beyond})"
                )


def _host_path_volumes(pod: PodTemplate) -> Iterator[str]:
    for volume in pod.spec.get("volumes") or []:
        if volume.get("hostPath") is not None:
            yield f'volume "{volume.get("name")}" is a hostPath volume'


def _host_ports(pod: PodTemplate) -> Iterator[str]:
    for who, c in pod.containers():
        for port in c.get("ports") or []:
            if port.get("hostPort"):
                yield f"{who} sets ports[].hostPort={port['hostPort']}"


def _host_probes_and_lifecycle(pod: PodTemplate) -> Iterator[str]:
    # check_hostProbesAndhostLifecycle.go: from 1.34.
    if pod.version < (1, 34):
        return
    for who, c in pod.containers():
        handlers = [(p, c.get(p)) for p in ("livenessProbe", "readinessProbe", "startupProbe")]
        handlers += [(f"lifecycle.{h}", (c.get("lifecycle") or {}).get(h)) for h in ("postStart", "preStop")]
        for where, handler in handlers:
            for action in ("httpGet", "tcpSocket"):
                host = ((handler or {}).get(action) or {}).get("host")
                if host:
                    yield f"{who} sets {where}.{action}.host={host}"


def _app_armor(pod: PodTemplate) -> Iterator[str]:
    annotations = pod.metadata.get("annotations") or {}
    for key, value in sorted(annotations.items()):
        if key.startswith(APPARMOR_ANNOTATION) and not (
            value in ("", "runtime/default") or str(value).startswith("localhost/")
        ):
            yield f"annotation {key}={value}"
    profile = pod.context.get("appArmorProfile")
    if profile is not None and profile.get("type") not in APPARMOR_TYPES:
        yield f"pod sets securityContext.appArmorProfile.type={profile.get('type')}"
    for who, c in pod.containers():
        profile = _context(c).get("appArmorProfile")
        if profile is not None and profile.get("type") not in APPARMOR_TYPES:
            yield f"{who} sets securityContext.appArmorProfile.type={profile.get('type')}"


def _selinux(pod: PodTemplate) -> Iterator[str]:
    allowed = _at(SELINUX_TYPES, pod.version)
    setters = [("pod", pod.context)] + [(who, _context(c)) for who, c in pod.containers()]
    for who, context in setters:
        options = context.get("seLinuxOptions")
        if options is None:
            continue
        if (options.get("type") or "") not in allowed:
            yield f"{who} sets securityContext.seLinuxOptions.type={options.get('type')}"
        for key in ("user", "role"):
            if options.get(key):
                yield f"{who} sets securityContext.seLinuxOptions.{key}={options[key]} (must be unset)"


def _proc_mount(pod: PodTemplate) -> Iterator[str]:
    # Restricted keeps the unconditional check at every version (check_procMount_restricted.go),
    # even where baseline relaxes it for user-namespaced pods (1.35+).
    for who, c in pod.containers():
        mount = _context(c).get("procMount")
        if mount is not None and mount != "Default":
            yield f"{who} sets securityContext.procMount={mount}"


def _seccomp(pod: PodTemplate) -> Iterator[str]:
    # check_seccompProfile_restricted.go: a valid pod-level type covers containers that set none;
    # an explicit bad value anywhere fails.
    if pod.windows:
        return
    pod_profile = pod.context.get("seccompProfile")
    pod_valid = pod_profile is not None and pod_profile.get("type") in SECCOMP_TYPES
    if pod_profile is not None and not pod_valid:
        yield f"pod sets securityContext.seccompProfile.type={pod_profile.get('type')}"
    for who, c in pod.containers():
        profile = _context(c).get("seccompProfile")
        if profile is not None:
            if profile.get("type") not in SECCOMP_TYPES:
                yield f"{who} sets securityContext.seccompProfile.type={profile.get('type')}"
        elif not pod_valid:
            yield f"neither the pod nor {who} sets securityContext.seccompProfile.type to RuntimeDefault or Localhost"


def _sysctls(pod: PodTemplate) -> Iterator[str]:
    safe = _at(SAFE_SYSCTLS, pod.version)
    for sysctl in pod.context.get("sysctls") or []:
        if sysctl.get("name") not in safe:
            version = "{}.{}".format(*pod.version)
            yield f"pod sets securityContext.sysctls {sysctl.get('name')} (not a safe sysctl in v{version})"


def _volume_types(pod: PodTemplate) -> Iterator[str]:
    for volume in pod.spec.get("volumes") or []:
        sources = set(volume) - {"name"}
        if "hostPath" in sources:
            continue  # reported under HostPath Volumes
        if not sources & RESTRICTED_VOLUME_SOURCES:
            kinds = ", ".join(sorted(sources)) or "unknown"
            yield f'volume "{volume.get("name")}" uses {kinds}, not a volume type restricted allows'


def _privilege_escalation(pod: PodTemplate) -> Iterator[str]:
    if pod.windows:
        return
    for who, c in pod.containers():
        if _context(c).get("allowPrivilegeEscalation") is not False:
            yield f"{who} does not set securityContext.allowPrivilegeEscalation=false"


def _run_as_non_root(pod: PodTemplate) -> Iterator[str]:
    if pod.user_namespace:
        return
    pod_value = pod.context.get("runAsNonRoot")
    if pod_value is False:
        yield "pod sets securityContext.runAsNonRoot=false"
    for who, c in pod.containers():
        value = _context(c).get("runAsNonRoot")
        if value is False:
            yield f"{who} sets securityContext.runAsNonRoot=false"
        elif value is None and pod_value is not True:
            yield f"neither the pod nor {who} sets securityContext.runAsNonRoot=true"


def _run_as_user(pod: PodTemplate) -> Iterator[str]:
    if pod.user_namespace:
        return
    if pod.context.get("runAsUser") == 0:
        yield "pod sets securityContext.runAsUser=0"
    for who, c in pod.containers():
        if _context(c).get("runAsUser") == 0:
            yield f"{who} sets securityContext.runAsUser=0"


PodControl = Callable[[PodTemplate], Iterable[str]]
POD_SECURITY_CONTROLS: tuple[tuple[str, str, PodControl], ...] = (
    # (control as the standard names it, profile, check)
    ("HostProcess", "baseline", _host_process),
    ("Host Namespaces", "baseline", _host_namespaces),
    ("Privileged Containers", "baseline", _privileged),
    ("Capabilities", "restricted", _capabilities),
    ("HostPath Volumes", "baseline", _host_path_volumes),
    ("Host Ports", "baseline", _host_ports),
    ("Host Probes / Lifecycle Hooks", "baseline", _host_probes_and_lifecycle),
    ("AppArmor", "baseline", _app_armor),
    ("SELinux", "baseline", _selinux),
    ("/proc Mount Type", "baseline", _proc_mount),
    ("Seccomp", "restricted", _seccomp),
    ("Sysctls", "baseline", _sysctls),
    ("Volume Types", "restricted", _volume_types),
    ("Privilege Escalation", "restricted", _privilege_escalation),
    ("Running as Non-root", "restricted", _run_as_non_root),
    ("Running as Non-root user", "restricted", _run_as_user),
)
"""Every control of the restricted profile; baseline's Capabilities and Seccomp controls are the
weaker forms of restricted's, which override them (OverrideCheckIDs in the reference)."""


def _parse_version(text: object) -> Version | None:
    match = re.fullmatch(r"v?(\d+)\.(\d+)", str(text))
    return (int(match[1]), int(match[2])) if match else None


def _pod_security_version(namespace: str, resources: Sequence[Resource]) -> Version:
    clusters = [_parse_version(c.props.get("version")) for c in _of(resources, EKS_CLUSTER)]
    cluster = next((v for v in clusters if v is not None), LATEST_KNOWN)
    for ns in _of(resources, NAMESPACE):
        metadata = ns.props.get("metadata") or {}
        if metadata.get("name") == namespace:
            label = (metadata.get("labels") or {}).get(PSS_VERSION_LABEL)
            # "latest" (and no label) is the version of the API server itself.
            return _parse_version(label) or cluster
    return cluster


def pod_templates(resources: Sequence[Resource]) -> Iterator[tuple[Resource, str, PodTemplate]]:
    """Every pod the stack would make, with the workload's kind."""
    for resource in resources:
        match = _KUBERNETES_TYPE.fullmatch(resource.type)
        if not match:
            continue
        path = _POD_TEMPLATE_PATHS.get((match["group"], match["kind"]))
        if path is None:
            continue
        template: Mapping[str, Any] = resource.props
        for key in path:
            template = template.get(key) or {}
        namespace = (resource.props.get("metadata") or {}).get("namespace") or "default"
        yield (
            resource,
            match["kind"],
            PodTemplate(
                template.get("metadata") or {},
                template.get("spec") or {},
                _pod_security_version(namespace, resources),
            ),
        )


def pod_security_restricted(resources: Sequence[Resource]) -> Iterable[Finding]:
    for resource, kind, pod in pod_templates(resources):
        name = (resource.props.get("metadata") or {}).get("name") or resource.name
        for control, _, check in POD_SECURITY_CONTROLS:
            for problem in check(pod):
                yield f"{kind} {name}: Pod Security restricted, {control}: {problem}", resource.urn


# --- Edge ------------------------------------------------------------------------------------------


def https_tls13(resources: Sequence[Resource]) -> Iterable[Finding]:
    listeners = _of(resources, LISTENER)
    https = [x for x in listeners if x.props.get("protocol") == "HTTPS"]
    for listener in https:
        policy = str(listener.props.get("sslPolicy", ""))
        if not policy.startswith("ELBSecurityPolicy-TLS13-"):
            yield f"HTTPS listener uses {policy or 'the API default policy'}, not a TLS 1.3 policy", listener.urn
    if https:
        for listener in listeners:
            if listener.props.get("protocol") == "HTTP":
                actions = listener.props.get("defaultActions", [])
                if not any(
                    a.get("type") == "redirect" and a.get("redirect", {}).get("protocol") == "HTTPS" for a in actions
                ):
                    yield "HTTP listener serves traffic beside HTTPS instead of redirecting to it", listener.urn


def access_logs(resources: Sequence[Resource]) -> Iterable[Finding]:
    for lb in _of(resources, LOAD_BALANCER):
        if lb.props.get("accessLogs", {}).get("enabled") is not True:
            yield "access logs are off", lb.urn


def deletion_protection(resources: Sequence[Resource]) -> Iterable[Finding]:
    for lb in _of(resources, LOAD_BALANCER):
        if lb.props.get("enableDeletionProtection") is not True:
            yield "deletion protection is off", lb.urn


def private_buckets(resources: Sequence[Resource]) -> Iterable[Finding]:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    blocks = _of(resources, PUBLIC_ACCESS_BLOCK)
    for bucket in _of(resources, BUCKET):
        mine = [b for b in blocks if bucket.urn in b.dependencies]
        if not any(all(b.props.get(f) is True for f in flags) for b in mine):
            yield "no public access block with all four settings on", bucket.urn


def encryption_at_rest(resources: Sequence[Resource]) -> Iterable[Finding]:
    for topic in _of(resources, TOPIC):
        if not topic.props.get("kmsMasterKeyId"):
            yield "SNS topic is not encrypted with a KMS key", topic.urn
    encryption = _of(resources, BUCKET_ENCRYPTION)
    for bucket in _of(resources, BUCKET):
        if not any(bucket.urn in e.dependencies for e in encryption):
            yield "S3 bucket has no server-side encryption configuration", bucket.urn


def eks_secrets_encryption(resources: Sequence[Resource]) -> Iterable[Finding]:
    for cluster in _of(resources, EKS_CLUSTER):
        config = cluster.props.get("encryptionConfig") or {}
        if "secrets" not in config.get("resources", []) or not config.get("provider", {}).get("keyArn"):
            yield "Kubernetes Secrets are not envelope-encrypted with a customer-managed KMS key", cluster.urn


# --- Nodes -----------------------------------------------------------------------------------------


def imdsv2(resources: Sequence[Resource]) -> Iterable[Finding]:
    for template in _of(resources, LAUNCH_TEMPLATE):
        if template.props.get("metadataOptions", {}).get("httpTokens") != "required":
            yield "instances may use IMDSv1 (metadataOptions.httpTokens is not 'required')", template.urn
    for group in _of(resources, NODE_GROUP):
        if "launchTemplate" not in group.props:
            yield "node group has no launch template, so IMDSv2 is not required on its nodes", group.urn


# --- Monitoring ------------------------------------------------------------------------------------


def _alarm_metrics(alarm: Resource) -> set[str]:
    names = {alarm.props.get("metricName")}
    names |= {q.get("metric", {}).get("metricName") for q in alarm.props.get("metricQueries", [])}
    return {n for n in names if n}


def core_alb_alarms(resources: Sequence[Resource]) -> Iterable[Finding]:
    if not _of(resources, LOAD_BALANCER):
        return
    alarms = _of(resources, ALARM)
    for metric in CORE_ALB_METRICS:
        mine = [a for a in alarms if metric in _alarm_metrics(a)]
        if not mine:
            yield f"no alarm watches the load balancer's {metric}", None
        for alarm in mine:
            if not alarm.props.get("alarmActions"):
                yield f"the alarm on {metric} notifies no one (no alarmActions)", alarm.urn


MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY

RULES: tuple[Rule, ...] = (
    Rule(
        "gateway-autoscaled-ha",
        "HA",
        "An HPA keeps at least 2 gateway pods, with room above.",
        MANDATORY,
        autoscaled_ha,
    ),
    Rule(
        "gateway-disruption-budget",
        "HA",
        "A PodDisruptionBudget covers the gateway's pods.",
        MANDATORY,
        disruption_budget,
    ),
    Rule("gateway-zone-spread", "HA", "Gateway pods spread across availability zones.", MANDATORY, zone_spread),
    Rule("gateway-probes", "Health", "Startup, readiness and liveness probes on every container.", MANDATORY, probes),
    Rule(
        "health-check-matches-readiness",
        "Health",
        "The target group checks the path and port the readiness probe checks.",
        MANDATORY,
        health_check_matches_readiness,
    ),
    Rule("pod-requests", "Pods", "CPU and memory requests on every container.", MANDATORY, _per_container(_requests)),
    Rule("pod-non-root", "Pods", "Containers run as a non-root user.", MANDATORY, _per_container(_non_root)),
    Rule(
        "pod-read-only-root-filesystem",
        "Pods",
        "Containers have a read-only root filesystem.",
        MANDATORY,
        _per_container(_read_only),
    ),
    Rule(
        "pod-no-privilege-escalation",
        "Pods",
        "Containers cannot gain privileges.",
        MANDATORY,
        _per_container(_no_escalation),
    ),
    Rule(
        "pod-pinned-image",
        "Pods",
        "Images are pinned to a version tag or a digest.",
        MANDATORY,
        _per_container(_pinned),
    ),
    Rule(
        "pod-security-restricted",
        "Pods",
        "Every pod template meets every control of the Pod Security Standards' restricted profile.",
        MANDATORY,
        pod_security_restricted,
    ),
    Rule(
        "https-tls13",
        "Edge",
        "HTTPS listeners use a TLS 1.3 policy; HTTP beside them redirects.",
        MANDATORY,
        https_tls13,
    ),
    Rule("alb-access-logs", "Edge", "Load balancers write access logs.", MANDATORY, access_logs),
    Rule(
        "alb-deletion-protection", "Edge", "Load balancers are protected from deletion.", MANDATORY, deletion_protection
    ),
    Rule("s3-no-public-buckets", "Edge", "Every bucket blocks public access.", MANDATORY, private_buckets),
    Rule("encryption-at-rest", "Edge", "SNS topics and S3 buckets are encrypted.", MANDATORY, encryption_at_rest),
    Rule(
        "eks-secrets-encryption",
        "Edge",
        "Kubernetes Secrets are envelope-encrypted with a customer-managed KMS key.",
        MANDATORY,
        eks_secrets_encryption,
    ),
    Rule("nodes-require-imdsv2", "Nodes", "Nodes require IMDSv2.", MANDATORY, imdsv2),
    Rule(
        "core-alb-alarms",
        "Monitoring",
        "The core load balancer alarms exist and notify someone.",
        MANDATORY,
        core_alb_alarms,
    ),
)
"""Every rule and its default level; a stack's pack config (policy/config/<stack>.json) may change levels."""


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [
            Resource(
                r.resource_type,
                r.urn,
                r.name,
                r.props,
                frozenset(d.urn for d in (r.dependencies or [])),
            )
            for r in args.resources
        ]
        for message, urn in rule.check(resources):
            report(message, urn)

    return StackValidationPolicy(
        name=rule.name,
        description=f"[{rule.group}] {rule.description}",
        enforcement_level=rule.level,
        validate=validate,
    )


POLICIES: list[StackValidationPolicy] = [_stack_policy(rule) for rule in RULES]


def level_from_config(rule: Rule, config: Mapping[str, Any]) -> EnforcementLevel:
    """A rule's level under a pack config as `--policy-pack-config` reads it: per rule a level or
    {"enforcementLevel": level}, and "all" for every rule."""
    value = config.get(rule.name, config.get("all"))
    if isinstance(value, Mapping):
        value = value.get("enforcementLevel")
    if value is None:
        return rule.level
    return EnforcementLevel(str(value))


_NAME = re.compile(r"[a-z0-9-]+")
assert all(_NAME.fullmatch(r.name) for r in RULES)
assert len({r.name for r in RULES}) == len(RULES)
