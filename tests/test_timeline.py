"""The scaling and failover timeline (components/timeline.py): the arithmetic term by term, what a
settings change moves, the prod and dev figures the README shows, and the plan's text and JSON."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import re
from typing import Any

import pytest

from components.config import read_stack_file, settings_from_stack_file
from components.gateway import STARTUP_PROBE_PERIOD_SECONDS
from components.settings import ScalingPolicy, ScalingRules, StackSettings
from components.timeline import (
    Chain,
    Figure,
    inputs_of,
    markdown,
    ramp_seconds,
    request_scale_out_chain,
    requests_behind_seconds,
    sources_markdown,
    text_lines,
    timeline,
    timeline_of,
)
from components.timeline import main as timeline_main
from tests.conftest import PROJECT_DIR, cli, stack_config, stack_path

PLAIN = PROJECT_DIR / "tests" / "programs" / "plain-ids"


def settings(stack: str, **changes: Any) -> StackSettings:
    """The stack file's settings with ``changes`` ("loadBalancer.healthCheck.intervalSeconds": 30) applied."""
    config = copy.deepcopy(stack_config(stack))
    for dotted, value in changes.items():
        node = config
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return StackSettings.model_validate(config)


def worked(stack: str, **changes: Any) -> StackSettings:
    """The worked examples' base: the stack file's settings with the ALB's default health check
    (every 10 s, 5 s timeout; prod and staging check every 5 s), so the ALB's and the readiness
    probe's chains end a failed pod's figure at different ends."""
    default_check = {"loadBalancer.healthCheck": {"intervalSeconds": 10, "timeoutSeconds": 5}}
    return settings(stack, **default_check, **changes)


def terms(path: Chain) -> dict[str, tuple[int, int]]:
    return {t.name: (t.best, t.worst) for t in path.terms}


def chain_named(figure: Figure, name: str) -> Chain:
    (found,) = [p for p in figure.chains if p.name == name]
    return found


def span(figure: Figure) -> tuple[int | None, int | None]:
    return figure.best, figure.worst


# --- The arithmetic, term by term ---------------------------------------------------------------


def test_a_failed_pod_leaves_by_the_first_of_readiness_and_alb_checks_each_from_its_settings() -> None:
    # prod: readiness every 5 s, 3 failures, 2 s timeout; ALB checks every 10 s, 2 failures, 5 s timeout.
    figure = timeline(worked("prod")).pod_failure
    readiness = chain_named(figure, "readiness probe fails")
    assert terms(readiness) == {
        "3 x 5 s readiness failures": (2 * 5, 3 * 5),  # the failure just after, or just before, a probe
        "probe timeout": (0, 2),
        "deregistration": (1, 10),
    }
    alb = chain_named(figure, "ALB health checks fail")
    assert terms(alb) == {"2 x 10 s ALB check failures": (1 * 10, 2 * 10), "check timeout": (0, 5)}
    assert (readiness.best, readiness.worst) == (11, 27)
    assert (alb.best, alb.worst) == (10, 25)
    # Both run side by side from the failure: the figure is the earlier of the two, at each end.
    assert span(figure) == (10, 25)
    assert figure.first is alb


def test_scale_out_sums_metrics_hpa_and_pod_start_and_a_new_node_adds_the_autoscaler_and_boot() -> None:
    t = timeline(worked("prod"))
    (room,) = t.scale_out_with_room.chains
    assert list(terms(room).items()) == [
        ("metrics window", (15, 30)),  # a whole 15 s metrics-server window after the crossing
        ("HPA sync", (0, 15)),
        ("scale-up stabilization", (0, 0)),
        ("schedule", (0, 2)),
        ("image pull", (0, 15)),  # the node may hold the image already
        ("container start", (1, 3)),
        ("gateway start", (1, 5)),
        ("startup probe", (0, 1)),  # every second while the gateway starts (components/gateway.py)
        ("readiness probe", (0, 2)),  # the kubelet runs it once the startup probe passes (<= 2 s)
        ("target registration", (1, 10)),
        ("first ALB check", (0, 10)),  # loadBalancer.healthCheck.intervalSeconds
    ]
    assert span(t.scale_out_with_room) == (18, 93)
    (new_node,) = t.scale_out_new_node.chains
    added = terms(new_node)
    assert added["node autoscaler"] == (0, 30)
    assert added["node boot"] == (40, 90)
    assert added["image pull"] == (2, 15)  # a fresh node has no image
    assert span(t.scale_out_new_node) == (18 + 0 + 40 + 2, 93 + 30 + 90)


def test_a_lost_node_waits_for_the_grace_period_and_the_toleration_then_starts_a_pod() -> None:
    t = timeline(worked("prod"))
    (path,) = t.node_loss.chains
    got = terms(path)
    # Kubernetes 1.33: 50 s grace; the last heartbeat 0-10 s before the loss, seen within 5 s after.
    assert got["node Unknown"] == (50 - 10, 50 + 5)
    # prod's gateway.nodeFailureTolerationSeconds: 30 (Kubernetes' default, dev's, is 300).
    assert got["toleration"] == (30, 30)
    # At best another node has room; at worst a node is added first.
    assert (got["node autoscaler"], got["node boot"]) == ((0, 30), (0, 90))
    assert span(t.node_loss) == (40 + 30 + 3, 55 + 30 + 2 + 30 + 90 + 15 + 3 + 5 + 1 + 2 + 10 + 10)
    (dev,) = timeline(settings("dev")).node_loss.chains
    assert terms(dev)["toleration"] == (300, 300)
    # Each names where its number comes from: prod's setting, dev's Kubernetes default.
    source = {c: next(t.source for t in c.terms if t.name == "toleration") for c in (path, dev)}
    assert source[path].endswith(": gateway.nodeFailureTolerationSeconds")
    assert "DefaultTolerationSeconds" in source[dev]


def test_a_lost_zone_leaves_by_alb_checks_or_the_node_lifecycle_controller() -> None:
    figure = timeline(worked("prod")).zone_loss
    assert terms(chain_named(figure, "node lifecycle controller")) == {
        "node Unknown": (40, 55),
        "deregistration": (1, 10),
    }
    assert span(figure) == (10, 25)


def test_every_path_is_the_sum_of_its_terms_and_every_term_names_its_source() -> None:
    for stack in ("prod", "dev"):
        for figure in timeline(settings(stack)).figures:
            for path in figure.chains:
                assert path.best == sum(t.best for t in path.terms)
                assert path.worst == sum(t.worst for t in path.terms)
                assert all(0 <= t.best <= t.worst and t.source for t in path.terms), path
                assert path.best <= path.typical <= path.worst


def test_the_typical_figure_is_the_sum_of_the_terms_midpoints_rounded_up() -> None:
    t = timeline(worked("prod"))
    # Worked by hand from the term list above: 22.5 + 7.5 + 0 + 1 + 7.5 + 2 + 3 + 0.5 + 1 + 5.5 + 5 = 55.5 -> 56.
    assert t.scale_out_with_room.typical == 56  # half seconds round up
    # prod's own check (every 5 s, its first check 0-5): 2.5 s less, 53.
    assert timeline(settings("prod")).scale_out_with_room.typical == 53
    # Racing mechanisms: the least of the chains' (readiness 11-27 -> 19, ALB 10-25 -> 17.5 -> 18).
    figure = t.pod_failure
    assert [c.typical for c in figure.chains] == [19, 18]
    assert figure.typical == 18
    # A lost node's pods find room or wait for a node: two cases, not a timer's phase. The typical
    # case is room where headroom holds it (prod), else a node added (dev):
    # 47.5 + 30 + 1 + 0 + 0 + 7.5 + 2 + 3 + 0.5 + 1 + 5.5 + 2.5 = 100.5 -> 101.
    assert timeline(settings("prod")).node_loss.typical == 101
    # 47.5 + 300 + 1 + 15 + 65 + 7.5 + 2 + 3 + 0.5 + 1 + 5.5 + 5 = 453.
    assert timeline(settings("dev")).node_loss.typical == 453
    # Each of the two terms says which case it counts.
    for stack, case in (("prod", "; typical: 0, headroom holds room"), ("dev", "; typical: a node is added")):
        (chain,) = timeline(settings(stack)).node_loss.chains
        node_terms = [t for t in chain.terms if t.name in ("node autoscaler", "node boot")]
        assert len(node_terms) == 2
        assert all(case in t.source for t in node_terms), stack
    # The plan prints it after the range.
    assert "10-25 s, about 18 s" in "\n".join(text_lines(t))


# --- A settings change that makes a figure worse shows ------------------------------------------


def test_a_longer_health_check_interval_makes_a_failed_pod_linger_until_readiness_wins() -> None:
    base = timeline(worked("prod")).pod_failure
    slower = timeline(worked("prod", **{"loadBalancer.healthCheck.intervalSeconds": 15})).pod_failure
    assert span(slower) == (11, 27)  # ALB checks 15-35 s; readiness (11-27 s) now ends it at both ends
    assert slower.worst is not None
    assert base.worst is not None
    assert slower.worst > base.worst
    assert slower.first is not None
    assert slower.first.name == "readiness probe fails"


def test_slower_readiness_probes_do_not_move_a_figure_the_alb_ends_first() -> None:
    slower = worked("prod", **{"gateway.probes.readinessPeriodSeconds": 10})
    assert span(timeline(slower).pod_failure) == span(timeline(worked("prod")).pod_failure)
    # ... nor a new pod's start: the kubelet probes readiness as soon as the startup probe passes
    # (kubernetes/kubernetes pkg/kubelet/prober/prober_manager.go, UpdatePodStatus), not a period later.
    assert timeline(slower).scale_out_with_room == timeline(worked("prod")).scale_out_with_room
    # What does move it: the startup probe's own period (components/gateway.py), once per new pod.
    (chain,) = timeline(slower).scale_out_with_room.chains
    assert terms(chain)["startup probe"] == (0, STARTUP_PROBE_PERIOD_SECONDS)


def test_a_scale_up_stabilization_window_delays_every_scale_out() -> None:
    windowed = worked(
        "prod",
        **{
            "scaling.scaleUp": {
                "stabilizationWindowSeconds": 60,
                "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15}],
            }
        },
    )
    for figure in ("scale_out_with_room", "scale_out_new_node"):
        before, after = getattr(timeline(worked("prod")), figure), getattr(timeline(windowed), figure)
        assert (after.best - before.best, after.worst - before.worst) == (60, 60)


def test_shorter_tolerations_replace_a_lost_nodes_pods_sooner_by_the_difference() -> None:
    i = inputs_of(settings("dev"))
    assert i.toleration == 300
    default, short = timeline_of(i).node_loss, timeline_of(dataclasses.replace(i, toleration_setting=30)).node_loss
    assert (default.best - short.best, default.worst - short.worst) == (270, 270)
    # The setting reaches the timeline as it reaches the pods.
    assert inputs_of(settings("dev", **{"gateway.nodeFailureTolerationSeconds": 30})).toleration == 30


def test_clusters_before_kubernetes_1_32_mark_a_node_unknown_after_40_s() -> None:
    old = timeline(worked("prod", **{"cluster.kubernetesVersion": "1.31"}))
    assert terms(chain_named(old.zone_loss, "node lifecycle controller"))["node Unknown"] == (30, 45)


# --- Stacks without a part ------------------------------------------------------------------------


def test_without_a_node_autoscaler_a_pod_that_needs_a_node_has_no_figure() -> None:
    t = timeline(settings("dev", **{"cluster.eks.clusterAutoscaler.enabled": False}))
    assert t.scale_out_new_node.chains == ()
    assert t.scale_out_new_node.unavailable == (
        "cluster.eks.clusterAutoscaler is off: a pod that needs a new node stays Pending"
    )
    assert "node autoscaler" not in terms(t.node_loss.chains[0])


def test_disabled_scale_up_has_no_scale_out_figures() -> None:
    rules = {
        "stabilizationWindowSeconds": 0,
        "selectPolicy": "Disabled",
        "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}],
    }
    t = timeline(worked("prod", **{"scaling.scaleUp": rules}))
    assert t.scale_out_with_room.unavailable == t.scale_out_new_node.unavailable
    assert t.scale_out_with_room.best is None
    assert t.scale_out_with_room.unavailable == (
        "scaling.scaleUp.selectPolicy is Disabled: the HPA never adds replicas"
    )
    # No promise of how fast the HPA would ramp up: it never does; nor a figure on requests.
    assert not [note for note in t.scale_out_with_room.notes if "maxReplicas" in note]
    assert t.scale_out_on_requests.chains == ()
    assert request_scale_out_chain(inputs_of(worked("prod", **{"scaling.scaleUp": rules})), new_node=False) is None


def test_without_a_load_balancer_readiness_alone_takes_a_pod_out() -> None:
    config = copy.deepcopy(stack_config("dev"))
    config["loadBalancer"] = {"kind": "none"}
    t = timeline(StackSettings.model_validate(config))
    assert [p.name for p in t.pod_failure.chains] == ["readiness probe fails"]
    (room,) = t.scale_out_with_room.chains
    assert "first ALB check" not in terms(room)
    assert terms(room)["endpoint update"] == (0, 2)


def test_dev_with_one_replica_says_the_alb_fails_open() -> None:
    assert any("fails open" in note for note in timeline(settings("dev")).pod_failure.notes)
    assert not any("fails open" in note for note in timeline(worked("prod")).pod_failure.notes)


# --- The HPA's ramp to maxReplicas ----------------------------------------------------------------


def test_the_default_policies_reach_max_replicas_one_period_after_the_first_step() -> None:
    # prod: 2 -> max(2 x 2, 2 + 4) = 6 at once; 30 s later the period has passed: 6 -> 12, capped at 10.
    assert ramp_seconds(inputs_of(worked("prod"))) == 30


def test_the_ramp_follows_the_hpas_rule_for_min_select_policies() -> None:
    rules = ScalingRules(
        stabilization_window_seconds=0,
        select_policy="Min",
        policies=[
            ScalingPolicy(type="Pods", value=4, period_seconds=60),
            ScalingPolicy(type="Percent", value=50, period_seconds=30),
        ],
    )
    # Worked by hand from calculateScaleUpLimitWithScalingRules, syncs every 15 s:
    # t=0: min(2+4, ceil(2*1.5)) = 3; t=30: min(2+4, ceil(3*1.5)) = 5; t=60: min(3+4, ceil(5*1.5)) = 7;
    # t=90: min(5+4, ceil(7*1.5)) = 9; t=120: min(7+4, ceil(9*1.5)) = 11 -> 10.
    assert ramp_seconds(dataclasses.replace(inputs_of(worked("prod")), scale_up=rules)) == 120


def test_the_ramp_rounds_percent_steps_up_and_waits_out_a_policys_period() -> None:
    i = inputs_of(worked("prod"))

    def ramp(low: int, high: int, *policies: ScalingPolicy) -> int | None:
        rules = ScalingRules(stabilization_window_seconds=0, select_policy="Max", policies=list(policies))
        return ramp_seconds(dataclasses.replace(i, min_replicas=low, max_replicas=high, scale_up=rules))

    # +10 % of 2 is 2.2 replicas, rounded up to 3 (the HPA's math.Ceil); then 3.3 -> 4: one sync later.
    assert ramp(2, 4, ScalingPolicy(type="Percent", value=10, period_seconds=15)) == 15
    # One pod per 60 s, synced every 15 s: 3 at once, 4 once the first step leaves the period.
    assert ramp(2, 4, ScalingPolicy(type="Pods", value=1, period_seconds=60)) == 60
    # Nothing to ramp when the floor is the ceiling.
    assert ramp(3, 3, ScalingPolicy(type="Pods", value=1, period_seconds=15)) == 0


def test_the_request_figure_has_a_node_note_only_where_a_node_can_be_added() -> None:
    i = inputs_of(settings("prod"))
    with_node = request_scale_out_chain(i, new_node=True)
    assert with_node is not None
    assert with_node.name == "scale out on requests onto a new node"
    assert f"when a node must be added: {with_node.best}-{with_node.worst} s" in (
        timeline_of(i).scale_out_on_requests.notes
    )
    alone = timeline_of(dataclasses.replace(i, node_autoscaler=None)).scale_out_on_requests
    assert alone.chains
    assert not [note for note in alone.notes if "node must be added" in note]


def test_kedas_polling_interval_reaches_the_request_figure() -> None:
    slower = inputs_of(settings("prod", **{"scaling.pollingIntervalSeconds": 60}))
    chain = request_scale_out_chain(slower, new_node=False)
    assert chain is not None
    assert terms(chain)["KEDA poll"] == (0, 60)


def test_the_plans_width_is_110_columns() -> None:
    lines = text_lines(timeline(settings("prod")))
    assert max(len(line) for line in lines if line.startswith("    ")) in range(100, 111)


def test_requests_are_behind_after_the_worst_scale_out_a_node_or_room_allows() -> None:
    i = inputs_of(settings("prod"))
    with_node = request_scale_out_chain(i, new_node=True)
    assert with_node is not None
    assert requests_behind_seconds(i) == with_node.worst
    # Nobody adds nodes: the worst with room is what scaling can do.
    alone = dataclasses.replace(i, node_autoscaler=None)
    room = request_scale_out_chain(alone, new_node=False)
    assert room is not None
    assert requests_behind_seconds(alone) == room.worst < with_node.worst
    assert requests_behind_seconds(inputs_of(settings("dev"))) is None


def test_an_existing_clusters_node_autoscaler_is_assumed_to_add_nodes() -> None:
    t = timeline(settings_from_stack_file(read_stack_file(stack_path("existing"))))
    assert t.scale_out_new_node.unavailable is None
    (chain,) = t.scale_out_new_node.chains
    assert next(term for term in chain.terms if term.name == "node autoscaler").source.startswith(
        "the existing cluster's node autoscaler"
    )


def test_the_json_states_the_figures_assumptions() -> None:
    doc = timeline(settings("prod")).as_json()
    assert [f["key"] for f in doc["figures"]][:2] == ["scaleOutWithRoom", "scaleOutNewNode"]
    assert any("10 % tolerance" in a for a in doc["assumptions"])
    assert any("estimate" in a for a in doc["assumptions"])
    room = doc["figures"][0]
    assert (room["best"], room["typical"], room["worst"]) == (18, 53, 88)
    assert (room["key"], room["title"], room["unavailable"]) == (
        "scaleOutWithRoom",
        "a new replica serves, with room on a node",
        None,
    )
    assert room["notes"][0].startswith("headroom holds room for 2")
    (chain,) = room["chains"]
    assert (chain["name"], chain["best"], chain["typical"], chain["worst"]) == ("scale out", 18, 53, 88)
    assert chain["terms"][0] == {
        "name": "metrics window",
        "best": 15,
        "typical": 22.5,
        "worst": 30,
        "source": "a whole metrics-server window after the crossing: --metric-resolution=15s "
        "(the EKS add-on, as the upstream manifests)",
    }
    # A figure this stack lacks says why.
    dev = {f["key"]: f for f in timeline(settings("dev")).as_json()["figures"]}["scaleOutOnRequests"]
    assert (dev["best"], dev["typical"], dev["chains"]) == (None, None, [])
    assert dev["unavailable"].startswith("scaling.requestsPerReplica is unset")


# --- The documented figures and the README -------------------------------------------------------

DOCUMENTED = {
    "prod": {
        "scaleOutWithRoom": (18, 88),
        "scaleOutNewNode": (60, 208),
        "scaleOutOnRequests": (123, 268),
        "podFailure": (5, 13),
        "nodeLoss": (73, 248),
        "zoneLoss": (5, 13),
    },
    "dev": {
        "scaleOutWithRoom": (18, 93),
        "scaleOutNewNode": (60, 213),
        "scaleOutOnRequests": (None, None),
        "podFailure": (10, 25),
        "nodeLoss": (343, 523),
        "zoneLoss": (10, 25),
    },
}


@pytest.mark.parametrize("stack", sorted(DOCUMENTED))
def test_the_stacks_figures_are_the_documented_ones(stack: str) -> None:
    assert {f.key: span(f) for f in timeline(settings(stack)).figures} == DOCUMENTED[stack]


def readme_block(name: str) -> str:
    text = (PROJECT_DIR / "README.md").read_text()
    found = re.search(rf"<!-- timeline:{name} -->\n(.*?)\n<!-- /timeline:{name} -->", text, re.S)
    assert found, f"README.md has no <!-- timeline:{name} --> block"
    return found.group(1)


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_readme_shows_the_timeline_the_code_computes(stack: str) -> None:
    assert readme_block(stack) == markdown(timeline(settings(stack))), (
        f"README.md's {stack} timeline is stale: replace its block with "
        f"`python -m components.timeline Pulumi.{stack}.yaml`"
    )


def test_the_readmes_regeneration_command_prints_the_block(capsys: pytest.CaptureFixture[str]) -> None:
    assert timeline_main([str(PROJECT_DIR / "Pulumi.prod.yaml")]) == 0
    assert capsys.readouterr().out == readme_block("prod") + "\n"


def test_the_readme_lists_every_terms_source() -> None:
    assert readme_block("sources") == sources_markdown(timeline(settings("prod")))


# --- The plan -------------------------------------------------------------------------------------


def test_the_plan_prints_the_timeline_and_puts_it_in_the_json() -> None:
    text = cli("plan", "prod")
    assert text.returncode == 0, text.stderr
    section = text.stdout.split("\nTimeline", 1)[1].split("\nChecks:", 1)[0]
    assert re.search(r"a failed pod \(stops answering\) gets no new requests +5-13 s", section)
    assert "2 x 5 s ALB check failures 5-10 + check timeout 0-3" in section
    doc = json.loads(cli("plan", "prod", "--format", "json").stdout)
    figures = {f["key"]: f for f in doc["timeline"]["figures"]}
    assert (figures["podFailure"]["best"], figures["podFailure"]["worst"]) == (5, 13)
    alb = next(p for p in figures["podFailure"]["chains"] if p["name"] == "ALB health checks fail")
    assert alb["terms"][0] == {
        "name": "2 x 5 s ALB check failures",
        "best": 5,
        "worst": 10,
        "typical": 7.5,
        "source": "loadBalancer.healthCheck.unhealthyThreshold x loadBalancer.healthCheck.intervalSeconds",
    }


def test_the_plans_text_gives_each_figure_a_line_and_its_chains_wrapped_between_terms() -> None:
    t = timeline(settings("prod"))
    lines = text_lines(t, width=110)
    column = max(len(f.title) for f in t.figures)
    assert lines[0] == f"{t.scale_out_with_room.title:<{column}}  18-88 s, about 53 s"
    # A chain: "= " then its terms joined by " + ", broken between terms (never inside one), each line
    # within the width.
    (chain,) = t.scale_out_with_room.chains
    end = next(i for i in range(2, len(lines)) if not lines[i].startswith("        "))
    body = lines[1:end]
    assert len(body) > 1
    assert body[0].startswith("    = metrics window 15-30 + HPA sync 0-15 + ")
    assert all(line.startswith("        ") and not line.startswith("         ") for line in body[1:])
    assert all(line.endswith(" +") for line in body[:-1])
    assert " ".join(line.strip() for line in body).removeprefix("= ") == " + ".join(
        f"{term.name} {term.best}-{term.worst}" for term in chain.terms
    )
    for width in (80, 110):
        chains = [line for line in text_lines(t, width=width) if line.startswith("    ")]
        assert max(len(line) for line in chains) <= width
        # ... and as full as the terms allow: no broken line could have taken the next line's first
        # term (with the " +" it would then end with, unless that term ends the chain).
        for line, following in itertools.pairwise(chains):
            if following.startswith("        "):
                first, *rest = following.strip().removesuffix(" +").split(" + ")
                ends = not rest and not following.endswith(" +")
                assert len(line.removesuffix(" +") + " + " + first + ("" if ends else " +")) > width
    # Racing chains are each named with their own range.
    assert "    or readiness probe fails 11-27 s = 3 x 5 s readiness failures 10-15 + probe timeout 0-2 +" in lines
    assert "    or ALB health checks fail 5-13 s = 2 x 5 s ALB check failures 5-10 + check timeout 0-3" in lines
    # A figure a stack does not have says why, on its own line.
    dev = timeline(settings("dev"))
    assert (
        f"{dev.scale_out_on_requests.title:<{column}}  none: scaling.requestsPerReplica is unset: "
        "the gateway scales on CPU and memory only"
    ) in text_lines(dev)
    # ... and the figures after it still follow: one unindented line each.
    assert len([line for line in text_lines(dev) if not line.startswith(" ")]) == len(dev.figures) == 6


def test_a_consumer_programs_plan_has_no_timeline() -> None:
    """A consumer's program has no stack settings of this project to compute it from: omitted, said so."""
    as_json = cli("plan", "dev", "--program", str(PLAIN), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert "timeline" not in json.loads(as_json.stdout)
    as_text = cli("plan", "dev", "--program", str(PLAIN))
    assert "Timeline: not computed for a program of another project" in as_text.stdout


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_prod_and_staging_take_a_failed_pod_out_of_rotation_within_15_s(stack: str) -> None:
    # Issue 14's bound: the ALB checks every 5 s (its minimum), 3 s timeout, 2 failures: 5-13 s.
    figure = timeline(settings(stack)).pod_failure
    assert span(figure) == (5, 13)
    assert figure.first is not None
    assert figure.first.name == "ALB health checks fail"
    # The default check (10 s / 5 s) would not hold the bound.
    assert (timeline(worked(stack)).pod_failure.worst or 0) > 15


def test_headroom_is_named_in_the_room_figure_when_held() -> None:
    i = inputs_of(settings("prod"))
    assert i.headroom_replicas == 2  # scaling.headroomReplicas in Pulumi.prod.yaml
    assert timeline_of(i).scale_out_with_room.notes[0].startswith("headroom holds room for 2 new replica(s)")
    assert inputs_of(settings("dev")).headroom_replicas == 0
    none = timeline_of(dataclasses.replace(i, headroom_replicas=0)).scale_out_with_room
    assert "no headroom is held" in none.notes[0]


def test_prods_new_replica_with_room_serves_in_about_60_s_or_less_and_the_worst_case_is_stated() -> None:
    # What the README says of prod against issue 14's 60 s goal: kept true by this test.
    figure = timeline(settings("prod")).scale_out_with_room
    (chain,) = figure.chains
    assert figure.typical is not None
    assert chain.best <= figure.typical <= 60 < chain.worst
    # 45 s of the worst case is the metrics pipeline, which EKS does not let a stack shorten.
    pipeline = [t for t in chain.terms if t.name in ("metrics window", "HPA sync")]
    assert sum(t.worst for t in pipeline) == 45
