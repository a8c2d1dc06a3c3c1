"""runmcp-gateway:sessionStore: where a gateway keeps its MCP sessions outside its pods
(components/session_store.py): a Valkey serverless cache made here (``kind: valkey``), or a store
that exists already (``kind: existing``). Absent: none.

One store per gateway: it belongs to the gateway's scope, as its namespace and load balancer do.
Which environment variables carry the connection is the stack's to say (``env``), since gateway
images differ: one reads ``REDIS_URL``, another ``CACHE_CONNECTION_STRING``, a third host, port and
password apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator

from ..outputs import OrOutput, SecretValue
from .base import Problem, _Model, _refuse
from .cluster import KmsKeyArn
from .fields import UNIQUE_ENTRIES, Cidr, _matches
from .gateway import EnvName

VALKEY_PORT = 6379
"""The serverless cache's endpoint port (reads and writes); docs.aws.amazon.com/AmazonElastiCache/
latest/dg/WhatIs.corecomponents.html#WhatIs.Components.Endpoints."""
VALKEY_READER_PORT = 6380
"""The serverless cache's reader endpoint port (reads from replicas in the client's zone)."""

ValkeyMajorVersion = Literal["7", "8"]
"""Valkey major engine versions ElastiCache Serverless runs (CreateServerlessCache MajorEngineVersion)."""
StoreUserName = Annotated[
    str,
    _matches(
        r"[a-z][a-z0-9-]{0,39}",
        "is not a store user name: lower-case letters, digits and '-', starting with a letter, at most 40",
    ),
]
HostName = OrOutput[
    Annotated[
        str,
        _matches(
            r"[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?", "is not a host name such as 'cache.example.internal'"
        ),
    ]
]


class SessionStoreEnv(_Model):
    """The environment variables that hand the store to the gateway: set the names your gateway
    image reads, leave the others unset. The URL and the password reach the pod only through a
    Kubernetes Secret; host, port, TLS and user name are plain values."""

    url: EnvName | None = None
    """A URL with everything in it: ``rediss://<user>:<password>@<host>:<port>`` (``redis://``
    without TLS), the password percent-encoded."""
    host: EnvName | None = None
    port: EnvName | None = None
    tls: EnvName | None = None
    """``true`` or ``false``."""
    username: EnvName | None = None
    password: EnvName | None = None

    @model_validator(mode="after")
    def _some(self) -> SessionStoreEnv:
        names = [name for name in self.model_dump().values() if name is not None]
        if not names:
            _refuse([Problem("", "names no variable: set url, or host and port (and the credentials) the image reads")])
        for name in sorted({n for n in names if names.count(n) > 1}):
            _refuse([Problem("", f"{name} is named twice; one variable carries one value")])
        return self

    def names(self) -> dict[str, str]:
        """What each set variable carries (url, host, ...) by its name."""
        return {name: what for what, name in self.model_dump().items() if name is not None}


class ValkeyStoreSettings(_Model):
    """An ElastiCache Serverless cache running Valkey, made for this gateway in the cluster's
    private subnets: TLS always (serverless caches accept nothing else), a user of its own with a
    password (RBAC), reachable only from the cluster's nodes."""

    kind: Literal["valkey"]
    major_engine_version: ValkeyMajorVersion = "8"
    """Changing it replaces the cache (its sessions are lost; clients start new ones)."""
    max_data_storage_gb: Annotated[int, Field(ge=1, le=5000)] = 1
    """The most data the cache holds (CacheUsageLimits.DataStorage.Maximum, GB); writes beyond it
    fail. Sessions take kilobytes each: 1 GB holds hundreds of thousands."""
    max_ecpu_per_second: Annotated[int, Field(ge=1000, le=15000000)] = 5000
    """The most ElastiCache Processing Units a second it may use (CacheUsageLimits.ECPUPerSecond);
    commands beyond it are throttled."""
    snapshot_retention_days: Annotated[int, Field(ge=0, le=35)] = 0
    """Daily snapshots kept (0: none). Sessions are short-lived and clients start new ones, so none
    by default."""
    kms_key_arn: KmsKeyArn | None = None
    """A customer-managed KMS key for the data at rest (unset: an AWS-owned key). Changing it
    replaces the cache."""
    username: StoreUserName = "gateway"
    """The name the gateway authenticates as (Valkey's AUTH <user> <password>)."""
    password: SecretValue | None = None
    """The gateway user's password. Unset (the default): one is generated (pulumi-random's
    RandomPassword, 32 characters ElastiCache accepts) and kept in the stack's state as a secret.
    Set: a Pulumi secret (`pulumi config set --secret --path sessionStore.password`) of 16 to 128
    printable characters. Either way it goes to the ElastiCache user and a Kubernetes Secret, never
    into the plan's output; changing it updates the user in place (pods roll with the new Secret)."""
    env: SessionStoreEnv

    @model_validator(mode="after")
    def _password_rules(self) -> ValkeyStoreSettings:
        if isinstance(self.password, SecretStr):
            _refuse(password_problems(self.password.get_secret_value()))
        return self


PASSWORD_FORBIDDEN = frozenset(',"/@')
"""Characters an ElastiCache RBAC user's password may not hold; it is 16 to 128 printable
characters otherwise (ElastiCache user guide, Role-Based Access Control: "Specifying Permissions
Using an Access String" / CreateUser Passwords)."""


def password_problems(text: str) -> list[Problem]:
    """What ElastiCache refuses of a user's password (never quoting the password itself)."""
    if not 16 <= len(text) <= 128:
        return [Problem("password", f"is {len(text)} characters; ElastiCache takes 16 to 128")]
    if any(not (c.isascii() and c.isprintable()) or c == " " for c in text):
        return [Problem("password", "holds a space or a character that is not printable ASCII")]
    if set(text) & PASSWORD_FORBIDDEN:
        return [Problem("password", 'holds one of , " / @, which ElastiCache refuses in a password')]
    return []


class ExistingStoreSettings(_Model):
    """A Redis-protocol store that exists already (a Valkey or Redis cache made elsewhere): its
    endpoint and credentials are handed to the gateway; nothing is made in AWS."""

    kind: Literal["existing"]
    host: HostName
    port: Annotated[int, Field(ge=1, le=65535)] = VALKEY_PORT
    tls: bool = True
    username: Annotated[str, _matches(r"\S+", "must not be empty")] | None = None
    password: SecretValue | None = None
    """A Pulumi secret (`pulumi config set --secret --path sessionStore.password`)."""
    cidrs: list[Cidr] = Field(min_length=1, json_schema_extra=UNIQUE_ENTRIES)
    """Where the store's addresses are (its subnets): the gateway's NetworkPolicy admits egress to
    ``port`` there. A NetworkPolicy names addresses, never host names."""
    env: SessionStoreEnv

    @model_validator(mode="after")
    def _credentials_for_env(self) -> ExistingStoreSettings:
        _refuse(_existing_problems(self))
        return self


def _existing_problems(store: ExistingStoreSettings) -> Iterable[Problem]:
    for what in ("username", "password"):
        if getattr(store.env, what) is not None and getattr(store, what) is None:
            yield Problem(f"env.{what}", f"names a variable for the {what}, but sessionStore.{what} is unset")


SessionStoreSettings = Annotated[ValkeyStoreSettings | ExistingStoreSettings, Field(discriminator="kind")]
"""``kind`` says which: the two kinds' keys do not mix (the stack-file schema and the model refuse it)."""


def store_env_problems(
    store: ValkeyStoreSettings | ExistingStoreSettings, gateway_env: Iterable[str]
) -> Iterable[Problem]:
    """The store's variables against the gateway's own env and secretEnv (keys below sessionStore.env)."""
    taken = set(gateway_env)
    for name, what in store.env.names().items():
        if name in taken:
            yield Problem(f"env.{what}", f"{name} is also set in gateway.env or gateway.secretEnv; keep one")
