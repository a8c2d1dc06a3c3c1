"""The session store (issue 14, item 5): settings and refusals, the resources of a made Valkey store,
the gateway's variables, NetworkPolicy and alarms, the AWS mocks' refusals, the plan's advisory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import MockResourceArgs
from pydantic import ValidationError

from components.offline.aws_mocks import AwsAnswers, AwsRefusal
from components.offline.cli import plan_document
from components.offline.mocks import CloudMocks
from components.offline.runner import SECRET, run_plan
from components.session_store import (
    DEFAULT_ACCESS,
    GATEWAY_ACCESS,
    GENERATED_PASSWORD_LENGTH,
    GENERATED_PASSWORD_SPECIALS,
    store_url,
)
from components.settings import (
    PASSWORD_FORBIDDEN,
    VALKEY_PORT,
    VALKEY_READER_PORT,
    StackSettings,
    password_problems,
)
from tests.conftest import IMAGE, PROJECT_DIR, REPO_STACKS, assert_refused, container, of_type, one, planned, single

STORE = {"kind": "valkey", "password": "a-long-enough-password-1", "env": {"url": "REDIS_URL"}}


def settings(**sections: Any) -> StackSettings:
    return StackSettings.model_validate({"gateway": {"image": IMAGE}, **sections})


def refused(**sections: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(**sections)
    return str(caught.value)


def test_shipped_stacks_have_no_store_and_dev_stays_small() -> None:
    for stack in REPO_STACKS:
        plan = planned(stack)
        assert plan.settings.session_store is None
        assert not of_type(plan, "aws:elasticache/serverlessCache:ServerlessCache")


def test_a_store_refuses_stickiness() -> None:
    message = refused(sessionStore=STORE, loadBalancer={"stickiness": {"enabled": True}})
    assert "the store serves every session from any pod" in message
    settings(sessionStore=STORE, loadBalancer={"stickiness": {"enabled": False}})


def test_the_kinds_do_not_mix() -> None:
    assert "cidrs" in refused(sessionStore={**STORE, "cidrs": ["10.0.0.0/24"]})
    assert "host" in refused(sessionStore={**STORE, "kind": "existing"})


def test_valkey_on_an_existing_cluster_needs_its_private_subnets_vpc_and_node_group(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(
        json.dumps(
            {
                "config": {
                    "runmcp-gateway:cluster": {"existing": {"context": "c"}},
                    "runmcp-gateway:gateway": {"image": IMAGE},
                    "runmcp-gateway:loadBalancer": {"kind": "none"},
                    "runmcp-gateway:alarms": {"enabled": False},
                    "runmcp-gateway:sessionStore": {**STORE, "password": {"secure": "v1:AAAA:x"}},
                }
            }
        )
    )
    assert_refused(path, "cluster.existing.privateSubnetIds", "two or more zones")
    assert_refused(path, "cluster.existing.vpcId", "sessionStore.kind: valkey")
    assert_refused(path, "cluster.existing.nodeSecurityGroupId", "the only one the store admits")


def test_the_password_must_be_a_secret_in_the_stack_file(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(
        json.dumps(
            {
                "config": {
                    "aws:region": "us-east-1",
                    "runmcp-gateway:gateway": {"image": IMAGE},
                    "runmcp-gateway:sessionStore": STORE,
                }
            }
        )
    )
    assert_refused(path, "sessionStore.password", "must be a Pulumi secret")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short", "16 to 128"),
        ("x" * 129, "16 to 128"),
        ("has a space in it ok", "printable"),
        ("with@at-sign-0123", "@"),
    ],
)
def test_passwords_elasticache_refuses_are_refused(password: str, fragment: str) -> None:
    message = refused(sessionStore={**STORE, "password": password})
    assert fragment in message
    assert password not in message or len(password) < 16


def test_env_names_must_name_something_and_not_clash() -> None:
    assert "names no variable" in refused(sessionStore={**STORE, "env": {}})
    assert "also set in gateway.env" in refused(gateway={"image": IMAGE, "env": {"REDIS_URL": "x"}}, sessionStore=STORE)
    existing = {"kind": "existing", "host": "cache.internal", "cidrs": ["10.0.0.0/24"], "env": {"password": "P"}}
    assert "sessionStore.password is unset" in refused(sessionStore=existing)


def test_the_plan_says_stickiness_stays_off() -> None:
    assert any("stickiness stays off" in note for note in settings(sessionStore=STORE).advisories())
    assert not any("stickiness" in note for note in settings().advisories())
    assert any("stickiness stays off" in warning for warning in planned("sessions").warnings)


def test_the_cache_is_valkey_in_the_private_subnets_with_its_own_security_group() -> None:
    plan = planned("sessions")
    cache = single(plan, "aws:elasticache/serverlessCache:ServerlessCache").inputs
    assert cache["engine"] == "valkey"
    assert cache["majorEngineVersion"] == "8"
    assert cache["cacheUsageLimits"]["dataStorage"] == {"maximum": 2, "unit": "GB"}
    assert cache["cacheUsageLimits"]["ecpuPerSeconds"] == [{"maximum": 10000}]
    private = {r.resource_id for r in of_type(plan, "aws:ec2/subnet:Subnet") if "-private-" in r.name}
    assert set(cache["subnetIds"]) == private
    assert len(private) == 3
    (group,) = [g for g in of_type(plan, "aws:ec2/securityGroup:SecurityGroup") if g.name.endswith("-store")]
    assert cache["securityGroupIds"] == [group.resource_id]
    rules = [r.inputs for r in of_type(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    store_rules = [r for r in rules if r["securityGroupId"] == group.resource_id]
    assert sorted(r["fromPort"] for r in store_rules) == [VALKEY_PORT, VALKEY_READER_PORT]
    # The nodes' group: the one that admits the load balancer to the pods.
    nodes = {
        r["securityGroupId"]
        for r in rules
        if r["securityGroupId"] != group.resource_id and "referencedSecurityGroupId" in r
    }
    assert len(nodes) == 1
    assert {r["referencedSecurityGroupId"] for r in store_rules} == nodes
    assert not any("cidrIpv4" in r for r in store_rules)


def test_rbac_a_disabled_default_user_and_the_gateway_user_with_the_secret_password() -> None:
    plan = planned("sessions")
    users = {r.inputs["userName"]: r.inputs for r in of_type(plan, "aws:elasticache/user:User")}
    assert set(users) == {"default", "gateway"}
    assert users["default"]["accessString"] == DEFAULT_ACCESS
    assert DEFAULT_ACCESS.startswith("off")
    assert users["gateway"]["accessString"] == GATEWAY_ACCESS
    assert GATEWAY_ACCESS.startswith("on")
    for user in users.values():
        assert user["engine"] == "valkey"
        assert user["authenticationMode"] == {"type": "password", "passwords": [SECRET]}  # never shown
    group = single(plan, "aws:elasticache/userGroup:UserGroup").inputs
    assert sorted(group["userIds"]) == sorted(u["userId"] for u in users.values())
    cache = single(plan, "aws:elasticache/serverlessCache:ServerlessCache").inputs
    assert cache["userGroupId"] == group["userGroupId"]
    # 0 is sent, not left out: the provider keeps its state's value for an unset (Computed) one,
    # so a stack going back to no snapshots would keep taking them.
    assert cache["snapshotRetentionLimit"] == 0


def test_the_gateway_gets_the_store_through_the_names_the_stack_sets() -> None:
    plan = planned("sessions")
    env = {e["name"]: e for e in container(plan)["env"]}
    secret = one(plan, "Secret")
    assert env["REDIS_URL"]["valueFrom"]["secretKeyRef"] == {"name": secret["metadata"]["name"], "key": "REDIS_URL"}
    assert "value" not in env["REDIS_URL"]
    assert secret["stringData"]["REDIS_URL"] == SECRET
    cache = single(plan, "aws:elasticache/serverlessCache:ServerlessCache").resource_id
    assert env["CACHE_HOST"]["value"].startswith(cache)
    assert env["CACHE_HOST"]["value"].endswith(".amazonaws.com")
    assert env["CACHE_PORT"]["value"] == str(VALKEY_PORT)
    assert env["CACHE_TLS"]["value"] == "true"
    assert "checkov.io/skip3" in one(plan, "Deployment")["metadata"]["annotations"]


def test_the_url_carries_tls_and_percent_encoded_credentials() -> None:
    assert store_url(True, "h", 6379, "gateway", "p:w%d") == "rediss://gateway:p%3Aw%25d@h:6379"
    assert store_url(False, "h", 6380, None, None) == "redis://h:6380"


def test_the_network_policy_lets_the_pods_reach_the_store_in_its_subnets_only() -> None:
    plan = planned("sessions")
    policy = [
        p for p in of_type(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy") if p.name.endswith("-network-policy")
    ]
    egress = policy[0].inputs["spec"]["egress"]
    store = [rule for rule in egress if {p["port"] for p in rule["ports"]} == {VALKEY_PORT, VALKEY_READER_PORT}]
    assert len(store) == 1
    private = sorted(r.inputs["cidrBlock"] for r in of_type(plan, "aws:ec2/subnet:Subnet") if "-private-" in r.name)
    assert sorted(peer["ipBlock"]["cidr"] for peer in store[0]["to"]) == private


def test_the_store_has_alarms_on_its_limits() -> None:
    plan = planned("sessions")
    alarms = {
        r.name.rsplit("sessions-", 1)[-1]: r.inputs for r in of_type(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    keys = {"store-throttled", "store-ecpu-near-limit", "store-storage-near-limit", "store-auth-failures"}
    assert keys <= set(alarms)
    cache = single(plan, "aws:elasticache/serverlessCache:ServerlessCache").resource_id
    for key in keys:
        assert alarms[key]["namespace"] == "AWS/ElastiCache"
        assert alarms[key]["dimensions"] == {"clusterId": cache}
    assert alarms["store-ecpu-near-limit"]["threshold"] == 10000 * 60 * 0.8
    assert alarms["store-storage-near-limit"]["threshold"] == 2 * 10**9 * 0.8
    runbook = (Path(__file__).resolve().parents[1] / "docs" / "runbooks.md").read_text()
    for key in keys:
        assert f"## {key}\n" in runbook, key


def test_no_password_in_the_plan_document() -> None:
    text = json.dumps(plan_document(planned("sessions")))
    assert "offline-placeholder-secret" not in text
    generated = generated_by_the_mock("runmcp-sessions-password")
    assert generated not in text


def generated_by_the_mock(name: str) -> str:
    args = MockResourceArgs(
        typ=PASSWORD,
        name=name,
        inputs={"length": GENERATED_PASSWORD_LENGTH, "special": True, "overrideSpecial": GENERATED_PASSWORD_SPECIALS},
        custom=True,
    )
    return str(CloudMocks(region="us-east-1").new_resource(args)[1]["result"])


PASSWORD = "random:index/randomPassword:RandomPassword"


def test_without_a_password_one_is_generated_that_elasticache_accepts_and_stays_secret() -> None:
    plan = planned("sessions")
    (password,) = of_type(plan, PASSWORD)
    assert password.name == "runmcp-sessions-password"
    assert password.inputs["length"] == GENERATED_PASSWORD_LENGTH
    assert password.inputs["special"] is True
    # Every character a generated password may hold is one ElastiCache takes (16-128 printable, no , " / @).
    assert not set(GENERATED_PASSWORD_SPECIALS) & PASSWORD_FORBIDDEN
    assert password_problems("Aa1" + GENERATED_PASSWORD_SPECIALS + "x" * (GENERATED_PASSWORD_LENGTH - 23)) == []
    assert 16 <= GENERATED_PASSWORD_LENGTH <= 128
    # The users and the Secret the gateway reads get it as a secret, never its value.
    for user in of_type(plan, "aws:elasticache/user:User"):
        assert user.inputs["authenticationMode"]["passwords"] == [SECRET]
        assert password.urn in user.dependencies
    assert generated_by_the_mock(password.name) not in json.dumps(plan_document(plan))


def test_a_password_given_in_the_stack_file_is_used_and_nothing_is_generated(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "stacks" / "Pulumi.sessions.yaml").read_text()
    given = text.replace(
        "    username: gateway\n",
        "    username: gateway\n    password:\n      secure: v1:AAAAAAAAAAAAAAAA:store-password-ciphertext\n",
    )
    assert given != text
    path = tmp_path / "Pulumi.sessions.yaml"
    path.write_text(given)
    plan = run_plan(PROJECT_DIR, "sessions", path)
    assert not of_type(plan, PASSWORD)
    for user in of_type(plan, "aws:elasticache/user:User"):
        assert user.inputs["authenticationMode"]["passwords"] == [SECRET]


def test_the_mock_refuses_what_elasticache_refuses() -> None:
    aws = AwsAnswers("us-east-1")
    from pulumi.runtime import MockResourceArgs

    def subnet(name: str, zone: str) -> str:
        sid, _ = aws.new_resource(
            MockResourceArgs(
                typ="aws:ec2/subnet:Subnet",
                name=name,
                inputs={"availabilityZone": zone, "cidrBlock": "10.0.0.0/24"},
                custom=True,
            )
        )
        return sid

    a, b, c = subnet("a", "us-east-1a"), subnet("a2", "us-east-1a"), subnet("b", "us-east-1b")
    cache = "aws:elasticache/serverlessCache:ServerlessCache"
    with pytest.raises(AwsRefusal, match="two subnets in one availability zone"):
        aws.new_resource(
            MockResourceArgs(typ=cache, name="c", inputs={"engine": "valkey", "subnetIds": [a, b, c]}, custom=True)
        )
    _, state = aws.new_resource(
        MockResourceArgs(typ=cache, name="c", inputs={"engine": "valkey", "subnetIds": [a, c]}, custom=True)
    )
    assert state["endpoints"][0]["port"] == VALKEY_PORT
    assert state["readerEndpoints"][0]["port"] == VALKEY_READER_PORT
    assert state["arn"].startswith("arn:aws:elasticache:us-east-1:")
    user = "aws:elasticache/user:User"
    aws.new_resource(
        MockResourceArgs(
            typ=user,
            name="u",
            inputs={"userId": "u1", "userName": "gw", "engine": "valkey", "authenticationMode": {"type": "password"}},
            custom=True,
        )
    )
    with pytest.raises(AwsRefusal, match="a user named default"):
        aws.new_resource(
            MockResourceArgs(
                typ="aws:elasticache/userGroup:UserGroup",
                name="g",
                inputs={"userGroupId": "g", "engine": "valkey", "userIds": ["u1"]},
                custom=True,
            )
        )
    with pytest.raises(AwsRefusal, match="password or IAM"):
        aws.new_resource(
            MockResourceArgs(
                typ=user,
                name="d",
                inputs={
                    "userId": "d",
                    "userName": "default",
                    "engine": "valkey",
                    "authenticationMode": {"type": "no-password-required"},
                },
                custom=True,
            )
        )
