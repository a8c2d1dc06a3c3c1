"""The gateway's session store: an ElastiCache Serverless cache running Valkey, made in the
cluster's private subnets (``sessionStore.kind: valkey``), or a store that exists already
(``kind: existing``); and how the gateway is handed it (environment variables the stack names).

What a made store is, and why:

- ``aws.elasticache.ServerlessCache`` (engine valkey): serverless caches take TLS connections only
  and are reached through a VPC endpoint in the given subnets, which must be in distinct zones
  (the cache spans them). Its engine, name, major version, KMS key and subnets force a replacement
  (terraform-provider-aws internal/service/elasticache/serverless_cache.go: RequiresReplace); a
  replacement or a destroy deletes it without a final snapshot, so its sessions are gone and
  clients start new ones. It is not protected: sessions are recoverable, and a replacement
  must be able to proceed.
- Authentication: RBAC, the only access control serverless caches have (ElastiCache user guide,
  "Role-Based Access Control"). A user group (engine valkey) holds a user named ``default``, which
  every user group must hold and which is switched ``off`` here, and the gateway's user, with the
  password from the stack's secrets. A Valkey user group holds only users with an authentication
  mechanism, so the disabled default user has the password too. IAM authentication was passed
  over: it needs a client that signs a token every 15 minutes, which gateway images do not do.
- A security group admitting 6379 (endpoint) and 6380 (reader endpoint) from the nodes' security
  group only: pods take their addresses on the nodes' ENIs (VPC CNI), so the nodes' group is theirs.
- The gateway's NetworkPolicy may send to those ports in the store's subnets' ranges (known from the
  settings for a network made here, else looked up): a NetworkPolicy names addresses, not host
  names, and the endpoint's addresses are in those subnets.
- Alarms on the store (AWS/ElastiCache, dimension clusterId): throttled commands, ECPUs and data
  near the limits this stack sets, failed authentications.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from .alarms import AlarmSpec, Metric, metric_alarm
from .outputs import secret_text
from .settings import AlarmSettings, ExistingStoreSettings, ValkeyStoreSettings
from .settings.session_store import VALKEY_PORT, VALKEY_READER_PORT

TYPE_TOKEN = "runmcp:index:SessionStore"
ELASTICACHE = "AWS/ElastiCache"
ENGINE = "valkey"
GATEWAY_ACCESS = "on ~* &* +@all -@dangerous"
"""The gateway's user: every key and channel, every command but the dangerous ones (FLUSHALL,
CONFIG, KEYS, DEBUG, ...): a session store reads, writes, expires and publishes."""
DEFAULT_ACCESS = "off -@all"
"""The ``default`` user every user group must hold, switched off: no anonymous or default login."""
NEAR_LIMIT_PERCENT = 80
BYTES_PER_GB = 10**9
"""CacheUsageLimits.DataStorage is in GB (unit "GB")."""


def store_alarm_specs(settings: ValkeyStoreSettings, cache_name: pulumi.Input[str]) -> list[AlarmSpec]:
    """The alarms of a made store, from the limits this stack gives it."""
    dims: dict[str, pulumi.Input[str]] = {"clusterId": cache_name}
    ecpu_per_minute = settings.max_ecpu_per_second * 60 * NEAR_LIMIT_PERCENT / 100
    return [
        AlarmSpec(
            "store-throttled",
            "Session store throttling commands",
            "The session store throttled commands: the load grew faster than it scales, or reached maxEcpuPerSecond.",
            "GreaterThanThreshold",
            0,
            5,
            3,
            "notBreaching",
            metric=Metric(ELASTICACHE, "ThrottledCmds", dims, "Sum"),
        ),
        AlarmSpec(
            "store-ecpu-near-limit",
            "Session store near its ECPU limit",
            f"The session store uses more than {NEAR_LIMIT_PERCENT} % of its {settings.max_ecpu_per_second} ECPUs "
            "a second (sessionStore.maxEcpuPerSecond); beyond it commands are throttled.",
            "GreaterThanThreshold",
            ecpu_per_minute,
            5,
            5,
            "notBreaching",
            metric=Metric(ELASTICACHE, "ElastiCacheProcessingUnits", dims, "Sum"),
        ),
        AlarmSpec(
            "store-storage-near-limit",
            "Session store near its data limit",
            f"The session store holds more than {NEAR_LIMIT_PERCENT} % of its {settings.max_data_storage_gb} GB "
            "(sessionStore.maxDataStorageGb); beyond it writes fail.",
            "GreaterThanThreshold",
            settings.max_data_storage_gb * BYTES_PER_GB * NEAR_LIMIT_PERCENT / 100,
            3,
            3,
            "notBreaching",
            metric=Metric(ELASTICACHE, "BytesUsedForCache", dims, "Maximum"),
        ),
        AlarmSpec(
            "store-auth-failures",
            "Session store refusing logins",
            "Clients fail to authenticate to the session store (a password changed under running pods, or a "
            "client that should not be there).",
            "GreaterThanThreshold",
            0,
            5,
            2,
            "notBreaching",
            metric=Metric(ELASTICACHE, "AuthenticationFailures", dims, "Sum"),
        ),
    ]


def _id_part(text: str) -> str:
    """A user or user group ID part: letters, digits and single '-' (stored lower-case by AWS)."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")


def store_url(tls: bool, host: str, port: int, username: str | None, password: str | None) -> str:
    """The connection as one URL (redis-py, ioredis, go-redis and Lettuce read this form)."""
    credentials = ""
    if password is not None:
        user = urllib.parse.quote(username or "", safe="")
        credentials = f"{user}:{urllib.parse.quote(password, safe='')}@"
    return f"{'rediss' if tls else 'redis'}://{credentials}{host}:{port}"


GENERATED_PASSWORD_LENGTH = 32
GENERATED_PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?"
"""The punctuation a generated password may hold: printable, none of , " / @ (PASSWORD_FORBIDDEN)."""


def generated_password(name: str, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """A password ElastiCache accepts, made once and kept in the stack's state; a later `pulumi up`
    keeps it (pulumi-random makes a new one only when its inputs change). Secret here too: the
    engine honours the provider's additional secret outputs, a mock need not."""
    password = random.RandomPassword(
        name,
        length=GENERATED_PASSWORD_LENGTH,
        special=True,
        override_special=GENERATED_PASSWORD_SPECIALS,
        min_lower=1,
        min_upper=1,
        min_numeric=1,
        opts=opts,
    )
    return pulumi.Output.secret(password.result)


@dataclass(frozen=True)
class StorePlacement:
    """Where a made store goes: the cluster's VPC, private subnets and nodes' security group."""

    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    node_security_group_id: pulumi.Input[str]
    subnet_cidrs: Sequence[str] | None = None
    """The private subnets' ranges when the network is made here (known from its settings); None:
    they are looked up."""


@dataclass(frozen=True)
class StoreAlarms:
    settings: AlarmSettings
    actions: pulumi.Input[Sequence[pulumi.Input[str]]]


def _store_ranges(placement: StorePlacement, invoke: pulumi.InvokeOptions) -> pulumi.Output[list[str]]:
    """Where the store's addresses are, for the gateway's NetworkPolicy: the private subnets' ranges,
    known from the settings when the network is made here (no lookup, so a preview shows them too),
    else looked up (a list given as one Output once it resolves)."""
    if placement.subnet_cidrs is not None:
        return pulumi.Output.from_input(list(placement.subnet_cidrs))
    ids = placement.subnet_ids
    if isinstance(ids, Sequence):
        return pulumi.Output.all(*[aws.ec2.get_subnet_output(id=i, opts=invoke).cidr_block for i in ids])
    return pulumi.Output.from_input(placement.subnet_ids).apply(
        lambda known: pulumi.Output.all(*[aws.ec2.get_subnet_output(id=i, opts=invoke).cidr_block for i in known])
    )


class SessionStore(pulumi.ComponentResource):
    """A gateway's session store and what the gateway needs of it: the connection's values (plain
    and secret) and where its NetworkPolicy may send."""

    host: pulumi.Output[str]
    port: int
    tls: bool
    username: str | None
    password: pulumi.Output[str] | None
    """A secret."""
    egress_cidrs: pulumi.Output[list[str]]
    """Where the store's addresses are (its subnets' ranges)."""
    ports: list[int]
    cache: aws.elasticache.ServerlessCache | None
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self,
        name: str,
        settings: ValkeyStoreSettings | ExistingStoreSettings,
        *,
        instance: str,
        placement: StorePlacement | None,
        alarms: StoreAlarms | None,
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if isinstance(settings, ValkeyStoreSettings) and placement is None:
            raise pulumi.RunError(f"{TYPE_TOKEN} {name}: a Valkey store needs the cluster's subnets (placement)")
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.cache, self.alarms = None, {}
        if isinstance(settings, ExistingStoreSettings):
            self.host = pulumi.Output.from_input(settings.host)
            self.port, self.tls, self.username = settings.port, settings.tls, settings.username
            self.password = secret_text(settings.password) if settings.password is not None else None
            self.egress_cidrs = pulumi.Output.from_input(list(settings.cidrs))
            self.ports = [settings.port]
        else:
            assert placement is not None
            self._made(name, settings, instance, placement, alarms, dict(tags))
        self.register_outputs({"host": self.host, "port": self.port, "tls": self.tls})

    def _made(
        self,
        name: str,
        settings: ValkeyStoreSettings,
        instance: str,
        placement: StorePlacement,
        alarms: StoreAlarms | None,
        tags: dict[str, str],
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        self.ports = [VALKEY_PORT, VALKEY_READER_PORT]
        group = aws.ec2.SecurityGroup(
            f"{name}-store",
            description="Session store of the gateway: Valkey from the cluster nodes only",
            vpc_id=placement.vpc_id,
            tags={**tags, "Name": f"{name}-store"},
            opts=child,
        )
        for port in self.ports:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-store-from-nodes-{port}",
                security_group_id=group.id,
                referenced_security_group_id=placement.node_security_group_id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description="Valkey from the gateway nodes and pods",
                tags=tags,
                opts=pulumi.ResourceOptions(parent=group),
            )
        password = (
            secret_text(settings.password)
            if settings.password is not None
            else generated_password(f"{name}-password", pulumi.ResourceOptions(parent=self))
        )
        prefix = _id_part(f"{name}-{instance}")

        def user(key: str, user_name: str, access: str) -> aws.elasticache.User:
            return aws.elasticache.User(
                f"{name}-{key}",
                user_id=f"{prefix}-{key}",
                user_name=user_name,
                engine=ENGINE,
                access_string=access,
                authentication_mode=aws.elasticache.UserAuthenticationModeArgs(type="password", passwords=[password]),
                tags=tags,
                opts=child,
            )

        default = user("default", "default", DEFAULT_ACCESS)
        gateway = user("gateway", settings.username, GATEWAY_ACCESS)
        users = aws.elasticache.UserGroup(
            f"{name}-users",
            user_group_id=prefix,
            engine=ENGINE,
            user_ids=[default.user_id, gateway.user_id],
            tags=tags,
            opts=child,
        )
        snapshots = settings.snapshot_retention_days
        self.cache = aws.elasticache.ServerlessCache(
            f"{name}-cache",
            engine=ENGINE,
            major_engine_version=settings.major_engine_version,
            description=f"MCP sessions of the RunMCP gateway ({instance})",
            cache_usage_limits=aws.elasticache.ServerlessCacheCacheUsageLimitsArgs(
                data_storage=aws.elasticache.ServerlessCacheCacheUsageLimitsDataStorageArgs(
                    maximum=settings.max_data_storage_gb, unit="GB"
                ),
                ecpu_per_seconds=[
                    aws.elasticache.ServerlessCacheCacheUsageLimitsEcpuPerSecondArgs(
                        maximum=settings.max_ecpu_per_second
                    )
                ],
            ),
            subnet_ids=placement.subnet_ids,
            security_group_ids=[group.id],
            user_group_id=users.user_group_id,
            kms_key_id=settings.kms_key_arn,
            # Always given, 0 too: the provider keeps the state's value for an unset one (Optional,
            # Computed, UseStateForUnknown in terraform-provider-aws serverless_cache.go), so going
            # back to 0 would change nothing.
            snapshot_retention_limit=snapshots,
            tags=tags,
            opts=child,
        )
        endpoint = self.cache.endpoints.apply(lambda found: found[0] if found else None)
        self.host = endpoint.apply(lambda e: e.address if e is not None and e.address else "")
        self.port, self.tls, self.username = VALKEY_PORT, True, settings.username
        self.password = password
        self.egress_cidrs = _store_ranges(placement, pulumi.InvokeOptions(parent=self))
        if alarms is not None:
            self.alarms = {
                spec.key: metric_alarm(name, spec, alarms.settings.runbook_url, alarms.actions, tags, child)
                for spec in store_alarm_specs(settings, self.cache.name)
            }

    def env(self, names: Mapping[str, str]) -> tuple[dict[str, pulumi.Input[str]], dict[str, pulumi.Input[str]]]:
        """The variables the stack names (``sessionStore.env``), as (plain, secret) name -> value:
        the URL and the password are secrets."""
        plain: dict[str, pulumi.Input[str]] = {}
        secret: dict[str, pulumi.Input[str]] = {}
        password = self.password
        for variable, what in names.items():
            if what == "url":
                secret[variable] = pulumi.Output.secret(
                    pulumi.Output.all(self.host, password).apply(
                        lambda hp: store_url(self.tls, hp[0], self.port, self.username, hp[1])
                    )
                )
            elif what == "password":
                assert password is not None  # the settings refuse a password variable without one
                secret[variable] = password
            elif what == "host":
                plain[variable] = self.host
            elif what == "port":
                plain[variable] = str(self.port)
            elif what == "tls":
                plain[variable] = "true" if self.tls else "false"
            else:
                assert self.username is not None
                plain[variable] = self.username
        return plain, secret
