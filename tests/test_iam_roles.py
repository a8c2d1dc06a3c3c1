"""The roles' trust policies and permissions (deploy/iam/, applied by scripts/bootstrap.py): each
role admits exactly one GitHub environment at one kind of ref, and the role a pull request's code
can reach writes nothing: not prod, not its state, not its cluster."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest

from scripts import bootstrap
from scripts.bootstrap import ROLES, Role

REPOSITORY = "octo-org/runmcp-gateway"
VALUES = {"ACCOUNT_ID": "123456789012", "REPOSITORY": REPOSITORY, "STATE_BUCKET": "runmcp-state", "REGION": "eu-west-1"}
OIDC = "token.actions.githubusercontent.com"
ROLE = {role.key: role for role in ROLES}


def document(path_role: Role, kind: str = "trust") -> dict[str, Any]:
    path = path_role.trust_file if kind == "trust" else path_role.policy_file
    assert path is not None
    doc: dict[str, Any] = json.loads(bootstrap.render(path, VALUES))
    return doc


def admits(role: Role, subject: str, audience: str = "sts.amazonaws.com") -> bool:
    """IAM's evaluation of the trust policy for a GitHub OIDC token with these claims (the
    operators it uses: StringEquals and StringLike, whose `*` matches any characters)."""
    claims = {f"{OIDC}:sub": subject, f"{OIDC}:aud": audience}
    for statement in document(role)["Statement"]:
        if statement["Effect"] != "Allow" or statement["Action"] != "sts:AssumeRoleWithWebIdentity":
            continue
        if statement["Principal"] != {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{OIDC}"}:
            continue
        met = True
        for operator, conditions in statement["Condition"].items():
            for key, wanted in conditions.items():
                values = wanted if isinstance(wanted, list) else [wanted]
                if operator == "StringEquals":
                    met &= claims.get(key) in values
                elif operator == "StringLike":
                    met &= any(fnmatch.fnmatchcase(claims.get(key, ""), v) for v in values)
                else:
                    pytest.fail(f"operator {operator} not modelled")
        if met:
            return True
    return False


def sub(context: str, ref: str) -> str:
    """The subject under the repository's template (bootstrap.SUBJECT_CLAIMS: repo, context, ref)."""
    return f"repo:{REPOSITORY}:{context}:ref:{ref}"


SUBJECTS = {
    # subject: the only role that admits it (None: no role)
    sub("environment:preview", "refs/pull/42/merge"): "preview",
    sub("environment:dev", "refs/heads/main"): "deploy-dev",
    sub("environment:production", "refs/tags/v1.2.3"): "deploy-prod",
    sub("environment:staging", "refs/tags/v1.2.3"): "deploy-staging",
    sub("environment:e2e", "refs/heads/main"): "e2e",
    # A branch job that names an environment it should not: no role.
    sub("environment:dev", "refs/heads/feature"): None,
    sub("environment:production", "refs/heads/main"): None,
    sub("environment:staging", "refs/heads/main"): None,
    sub("environment:production", "refs/pull/42/merge"): None,
    sub("environment:e2e", "refs/heads/feature"): None,
    sub("environment:preview", "refs/heads/main"): None,
    # No environment, or GitHub's default template: no role.
    sub("pull_request", "refs/pull/42/merge"): None,
    sub("ref:refs/heads/main", "refs/heads/main"): None,
    f"repo:{REPOSITORY}:environment:production": None,
    f"repo:{REPOSITORY}:pull_request": None,
    # Another repository.
    "repo:someone/fork:environment:production:ref:refs/tags/v1.2.3": None,
}


@pytest.mark.parametrize(("subject", "only"), SUBJECTS.items())
def test_each_subject_is_admitted_by_exactly_its_role(subject: str, only: str | None) -> None:
    assert [role.key for role in ROLES if admits(role, subject)] == ([only] if only else [])


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.key)
def test_trust_needs_the_sts_audience_and_names_the_environment_and_ref_of_its_role(role: Role) -> None:
    good = sub(f"environment:{role.environment}", role.ref.replace("*", "1"))
    assert admits(role, good)
    assert not admits(role, good, audience="https://github.com/octo-org")
    (statement,) = document(role)["Statement"]
    (subject,) = [v for c in statement["Condition"].values() for k, v in c.items() if k.endswith(":sub")]
    assert subject == f"repo:{REPOSITORY}:environment:{role.environment}:ref:{role.ref}"


def test_the_subject_template_is_the_one_the_trust_policies_expect() -> None:
    assert bootstrap.SUBJECT_CLAIMS == ["repo", "context", "ref"]


def test_the_preview_role_writes_nothing() -> None:
    """What a pull request's code can reach: AWS's read-only policy, decrypting the stacks' secrets,
    and explicit denials of state writes, cluster access changes and encryption."""
    role = ROLE["preview"]
    assert role.managed_policies == (bootstrap.READ_ONLY,)
    statements = document(role, "policy")["Statement"]
    allowed = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Action"] for s in allowed] == ["kms:Decrypt"]
    denied = {
        a
        for s in statements
        if s["Effect"] == "Deny"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {
        "s3:PutObject",
        "s3:DeleteObject",
        "eks:CreateAccessEntry",
        "eks:AssociateAccessPolicy",
        "kms:Encrypt",
    } <= denied
    state = next(s for s in statements if "s3:PutObject" in s["Action"])
    assert "arn:aws:s3:::runmcp-state/*" in state["Resource"]


@pytest.mark.parametrize("key", ["deploy-dev", "deploy-staging", "e2e"])
def test_roles_that_are_not_prod_s_are_denied_prod_s_resources_state_and_key(key: str) -> None:
    statements = {s["Sid"]: s for s in document(ROLE[key], "policy")["Statement"]}
    assert all(s["Effect"] == "Deny" for s in statements.values())
    assert "prod" in statements["NoResourcesOfOtherStacks"]["Condition"]["StringEquals"]["aws:ResourceTag/stack"]
    assert "prod" in statements["NoTaggingAsOtherStacks"]["Condition"]["StringEquals"]["aws:RequestTag/stack"]
    assert (
        "arn:aws:s3:::runmcp-state/.pulumi/stacks/runmcp-gateway/prod.json*"
        in statements["NoStateOfOtherStacks"]["Resource"]
    )
    aliases = statements["NoSecretsKeyOfOtherStacks"]["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"]
    assert bootstrap.kms_alias("prod") in aliases


def test_the_stack_tag_the_denials_use_is_the_one_resources_carry() -> None:
    from components.labels import aws_tags

    assert aws_tags("prod")["stack"] == "prod"


def test_only_the_release_environment_has_reviewers_and_deploy_environments_are_ref_bound() -> None:
    assert [r.environment for r in ROLES if r.reviewers] == ["production"]
    assert ROLE["deploy-prod"].deployment_refs == (("tag", "v*.*.*"),)
    assert ROLE["deploy-staging"].deployment_refs == (("tag", "v*.*.*"),)
    assert ROLE["deploy-dev"].deployment_refs == (("branch", "main"),)
    assert ROLE["e2e"].deployment_refs == (("branch", "main"),)


def test_a_template_with_a_placeholder_left_unfilled_is_refused() -> None:
    with pytest.raises(SystemExit, match="ACCOUNT_ID"):
        bootstrap.render(ROLE["preview"].trust_file, {k: v for k, v in VALUES.items() if k != "ACCOUNT_ID"})


@pytest.mark.parametrize("environment", sorted({r.environment for r in ROLES} | {"staging", "*"}))
def test_pull_request_code_reaches_the_preview_role_only_whatever_environment_it_names(environment: str) -> None:
    """A pull request may rewrite its workflows and name any environment; its jobs still run at
    refs/pull/<n>/merge, which only the read-only preview role admits (and only with `preview`)."""
    admitted = [r.key for r in ROLES if admits(r, sub(f"environment:{environment}", "refs/pull/42/merge"))]
    assert admitted == (["preview"] if environment == "preview" else [])
