"""Check every argument the program gives an AWS resource against AWS's own models.

Each ``aws:*`` resource of the plan is turned into the API request(s) the Terraform AWS provider
(which pulumi-aws wraps) makes (``aws_requests``), and every value is checked against the botocore
service model of that API: enums, lengths, numeric ranges, patterns, required members. Then the
limits AWS states only in its API reference prose (which botocore carries as documentation strings,
not as constraints) are checked: ELB names, the documented load balancer and target group attribute
keys and values (parsed from the pinned botocore's documentation of ``LoadBalancerAttribute.Key``
and ``TargetGroupAttribute.Key``), alarm periods, log retention values, bucket, topic, node group
and tag limits. Physical names are checked whether the program gives them or Pulumi auto-names the
resource (see ``aws_requests.NameRule`` for what pulumi-aws does with auto-names).

What this cannot know: account quotas, whether an AMI, add-on version, certificate or hosted zone
exists, what an IAM policy allows, and rules AWS documents nowhere machine-readable.
"""

from __future__ import annotations

import functools
import gzip
import html
import importlib.metadata
import importlib.util
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from .aws_requests import MAPPINGS, PROVIDED, Leaf, Request, as_bool_string, auto_name, join
from .checks import CheckReport
from .fis_actions import checked_leaves, template_problems
from .runner import SECRET, UNKNOWN, Plan, PlannedResource

CHECK_NAME = "aws-api-models"


# --- the botocore models ------------------------------------------------------------------------


EXTRACT = Path(__file__).with_name("aws_models.json")
"""The shapes of the pinned botocore's models the check uses, extracted by ``make aws-models``
(``python -m components.offline.aws_models``): loading the full models costs about half a second
(ec2's alone is 4.4 MB of JSON), the extract a few milliseconds. A test regenerates it from the
installed botocore and fails while it is stale."""

KEPT_DOCUMENTATION = (
    ("elbv2", "LoadBalancerAttribute", "Key"),
    ("elbv2", "TargetGroupAttribute", "Key"),
    ("cloudwatch", "PutMetricAlarmInput", "TreatMissingData"),
    ("logs", "Days", ""),
)
"""Documentation strings the check parses (attribute keys and values, valid values); the extract
drops every other one."""

SHAPE_OVERRIDES = {("eks", "clusterName"): "ClusterName", ("ec2", "LaunchTemplateName"): "LaunchTemplateName"}
"""Members a request declares as a plain String although the same model has the shape of that name
(CreateNodegroup.clusterName vs CreateCluster.name's ClusterName; CreateLaunchTemplate's name vs
the ec2 shape LaunchTemplateName): the check applies that shape's constraints too."""


def botocore_data() -> Path:
    """botocore's data directory, found without importing botocore."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "botocore is not installed: it comes with the dev extra (pyproject.toml), to regenerate the extract"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def botocore_model(service: str) -> tuple[str, dict[str, Any]]:
    """The newest API version of one full botocore service model: (version, model)."""
    directory = botocore_data() / service
    version = max(p.name for p in directory.iterdir() if p.is_dir())
    path = directory / version / "service-2.json.gz"
    if path.exists():
        with gzip.open(path) as stream:
            return version, json.load(stream)
    return version, json.loads((directory / version / "service-2.json").read_text())


def used_operations() -> dict[str, list[str]]:
    """Every (service, operation) a mapping of ``aws_requests`` sends, per service."""
    operations: dict[str, set[str]] = {}
    for mapping in MAPPINGS.values():
        for api in mapping.apis:
            service, operation = api.split(" ")
            operations.setdefault(service, set()).add(operation)
    return {service: sorted(ops) for service, ops in sorted(operations.items())}


def extract_models() -> dict[str, Any]:
    """The extract: per used service, the input shapes of the used operations and every shape they
    reach, with their constraints (type, members, required, enum, min, max, pattern)."""
    services: dict[str, Any] = {}
    for service, operations in used_operations().items():
        version, model = botocore_model(service)
        shapes: dict[str, Any] = {}
        inputs = {op: model["operations"][op]["input"]["shape"] for op in operations}
        pending = [*inputs.values(), *(shape for (svc, _), shape in SHAPE_OVERRIDES.items() if svc == service)]
        while pending:
            name = pending.pop()
            if name in shapes:
                continue
            shape = model["shapes"][name]
            kept = {k: v for k, v in shape.items() if k in ("type", "required", "enum", "min", "max", "pattern")}
            if "members" in shape:
                kept["members"] = {m: {"shape": ref["shape"]} for m, ref in shape["members"].items()}
                pending.extend(ref["shape"] for ref in shape["members"].values())
            for part in ("member", "key", "value"):
                if part in shape:
                    kept[part] = {"shape": shape[part]["shape"]}
                    pending.append(shape[part]["shape"])
            shapes[name] = kept
        for kept_service, structure, member in KEPT_DOCUMENTATION:
            if kept_service == service and structure in shapes:
                source = model["shapes"][structure]
                if member:
                    shapes[structure]["members"][member]["documentation"] = source["members"][member]["documentation"]
                else:
                    shapes[structure]["documentation"] = source["documentation"]
        services[service] = {"apiVersion": version, "operations": inputs, "shapes": dict(sorted(shapes.items()))}
    return {"botocore": importlib.metadata.version("botocore"), "services": services}


@functools.cache
def _extract() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(EXTRACT.read_text())
    return loaded


def botocore_version() -> str:
    """The botocore release the extract was made from."""
    return str(_extract()["botocore"])


def service_model(service: str) -> dict[str, Any]:
    model: dict[str, Any] = _extract()["services"][service]
    return model


class Models:
    """The shapes of the botocore models, as ``aws_requests`` and the validator need them."""

    def input_shape(self, service: str, operation: str) -> str:
        name: str = service_model(service)["operations"][operation]
        return name

    def shape(self, service: str, name: str) -> dict[str, Any]:
        shape: dict[str, Any] = service_model(service)["shapes"][name]
        return shape

    def member_documentation(self, service: str, structure: str, member: str) -> str:
        return str(self.shape(service, structure)["members"][member].get("documentation", ""))


MODELS = Models()


def plain_text(documentation: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", documentation))).strip()


_SEPARATORS = " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""Unicode category Z (Zs, Zl, Zp), for the \\p{Z} of botocore's tag patterns."""


@functools.cache
def compiled_pattern(pattern: str) -> re.Pattern[str] | None:
    """A botocore pattern for Python's re. They are Java/ECMAScript patterns that must match the
    whole value; the only Unicode classes the used models have are \\p{L}\\p{Z}\\p{N} next to "_" in
    tag patterns, which is \\w plus the separators. Anything else unsupported returns None
    (not checked, not counted)."""
    translated = pattern.replace(r"\p{L}\p{Z}\p{N}_", r"\w" + _SEPARATORS)
    if r"\p" in translated:
        return None
    try:
        return re.compile(translated)
    except re.error:
        return None


# --- validating a request against its model -----------------------------------------------------


@dataclass
class _Context:
    resource: PlannedResource
    problems: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    """Input paths that met at least one constraint."""
    secrets: set[str] = field(default_factory=set)
    """Input paths holding a secret ("[secret]") or a value unknown at plan time: not checked."""

    def fail(self, item: Leaf, rule: str, source: str) -> None:
        r = self.resource
        where = f"input {item.path}" if item.path else (item.origin or "a value the provider sets")
        if item.path and item.origin and item.origin != "attribute key":
            where += f" ({item.origin})"
        self.problems.append(f"{r.type} {r.name}: {where} = {_show(item.value)}: {rule} ({source})")

    def note(self, item: Leaf) -> None:
        if item.path:
            self.checked.add(item.path)


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _as_leaf(value: Any) -> Leaf:
    return value if isinstance(value, Leaf) else Leaf(value, "")


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return None


def _scalar(service: str, shape: dict[str, Any], item: Leaf, where: str, ctx: _Context) -> None:
    value = item.value
    if value in (SECRET, UNKNOWN):
        if item.path:
            ctx.secrets.add(item.path)
        return
    source = f"botocore {service} {where}"
    kind = shape["type"]
    constrained = False
    if kind == "string":
        text = as_bool_string(value)
        if not isinstance(text, str):
            ctx.fail(item, "expects a string", source)
            return
        if "enum" in shape:
            constrained = True
            if text not in shape["enum"]:
                ctx.fail(item, f"not one of {', '.join(shape['enum'])}", f"{source}: enum")
        if "min" in shape:
            constrained = True
            if len(text) < shape["min"]:
                ctx.fail(item, f"shorter than {shape['min']} characters", f"{source}: min length {shape['min']}")
        if "max" in shape:
            constrained = True
            if len(text) > shape["max"]:
                ctx.fail(
                    item,
                    f"{len(text)} characters, longer than {shape['max']}",
                    f"{source}: max length {shape['max']}",
                )
        if "pattern" in shape:
            pattern = compiled_pattern(shape["pattern"])
            if pattern is not None:
                constrained = True
                if not pattern.fullmatch(text):
                    ctx.fail(item, f"does not match {shape['pattern']}", f"{source}: pattern")
    elif kind in ("integer", "long"):
        number = _integer(value)
        constrained = True
        if number is None:
            ctx.fail(item, "expects a whole number", source)
            return
        if "min" in shape and number < shape["min"]:
            ctx.fail(item, f"below the minimum {shape['min']}", f"{source}: min {shape['min']}")
        if "max" in shape and number > shape["max"]:
            ctx.fail(item, f"above the maximum {shape['max']}", f"{source}: max {shape['max']}")
    elif kind in ("double", "float"):
        constrained = True
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                float(value)
            except (TypeError, ValueError):
                ctx.fail(item, "expects a number", source)
    elif kind == "boolean":
        constrained = True
        # Terraform keeps some booleans as strings ("true"/"false") and converts them.
        if not isinstance(value, bool) and value not in ("true", "false"):
            ctx.fail(item, "expects true or false", source)
    if constrained:
        ctx.note(item)


def validate(service: str, shape_name: str, value: Any, where: str, ctx: _Context) -> None:
    """Walk a request value along its botocore shape."""
    if value is PROVIDED:
        return
    shape = MODELS.shape(service, shape_name)
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for required in shape.get("required", []):
            if required not in value:
                r = ctx.resource
                ctx.problems.append(
                    f"{r.type} {r.name}: {where}.{required} is required and no input gives it "
                    f"(botocore {service} {shape_name}: required)"
                )
        for member, item in value.items():
            if member not in shape["members"]:
                ctx.problems.append(
                    f"{ctx.resource.type} {ctx.resource.name}: the check's mapping sends {where}.{member}, which "
                    f"botocore's {service} model has no member for (a bug in components/offline/aws_requests.py)"
                )
                continue
            validate(service, shape["members"][member]["shape"], item, f"{where}.{member}", ctx)
    elif kind == "list":
        items = value if isinstance(value, list) else [value]
        if "min" in shape and len(items) < shape["min"]:
            ctx.fail(
                _as_leaf(items[0] if items else None), f"fewer than {shape['min']} items", f"botocore {service} {where}"
            )
        if "max" in shape and len(items) > shape["max"]:
            ctx.fail(_as_leaf(items[0]), f"more than {shape['max']} items", f"botocore {service} {where}")
        for n, item in enumerate(items):
            validate(service, shape["member"]["shape"], item, f"{where}[{n}]", ctx)
    elif kind == "map":
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            validate(service, shape["key"]["shape"], key, f"{where}.<key>", ctx)
            validate(service, shape["value"]["shape"], item, f"{where}.<value>", ctx)
    else:
        item = _as_leaf(value)
        _scalar(service, shape, item, where, ctx)
        if _checkable(item):
            _member_rules(service, re.sub(r"\[\d+\]$", "", where).rsplit(".", 1)[-1], item, where, ctx)


# --- limits AWS states in prose -----------------------------------------------------------------


def _get(params: Any, *path: str | int) -> Any:
    value = params
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return None
            value = value[part]
        else:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
    return value


def _leaf_value(item: Any) -> Any:
    return item.value if isinstance(item, Leaf) else item


def _checkable(item: Any) -> TypeGuard[Leaf]:
    return isinstance(item, Leaf) and item.value not in (SECRET, UNKNOWN) and item.value is not None


def _elb_name(item: Any, ctx: _Context, operation: str, load_balancer: bool) -> None:
    # botocore elbv2 CreateLoadBalancer.Name / CreateTargetGroup.Name documentation (the API
    # reference's words; the model itself sets no limit): at most 32 characters, only alphanumerics
    # or hyphens, not beginning or ending with a hyphen, a load balancer not beginning "internal-".
    if not _checkable(item):
        return
    name = str(item.value)
    source = f"botocore elbv2 {operation}.Name documentation"
    ctx.note(item)
    if len(name) > 32:
        ctx.fail(item, f"{len(name)} characters, longer than 32", f"{source}: max length 32")
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        ctx.fail(item, "only alphanumeric characters and hyphens are allowed", source)
    if name.startswith("-") or name.endswith("-"):
        ctx.fail(item, "must not begin or end with a hyphen", source)
    if load_balancer and name.startswith("internal-"):
        ctx.fail(item, 'must not begin with "internal-"', source)


@dataclass(frozen=True)
class AttributeRule:
    key: str
    values: frozenset[str] = frozenset()
    minimum: int | None = None
    maximum: int | None = None

    def allows(self, value: str) -> bool:
        if not self.values and self.minimum is None:
            return True
        if value in self.values:
            return True
        number = _integer(value)
        if self.minimum is None or number is None:
            return False
        return number >= self.minimum and (self.maximum is None or number <= self.maximum)

    def describe(self) -> str:
        parts = sorted(self.values)
        if self.minimum is not None:
            parts.append(f"{self.minimum}-{self.maximum if self.maximum is not None else 'max'}")
        return " | ".join(parts) if parts else "any"


_VALUE_PHRASE = re.compile(r"(?:possible values(?: for the attribute)? are|[Tt]he value is|valid range is|range is)")


def _attribute_rule(key: str, html_description: str) -> AttributeRule:
    """The values one attribute's documentation allows: enumerated <code> values, a range, the
    documented default; booleans for ``*.enabled`` keys that name true and false."""
    text = plain_text(html_description)
    values: set[str] = set()
    minimum = maximum = None
    found = _VALUE_PHRASE.search(html_description)
    if found:
        rest = html_description[found.end() :]
        if re.match(r"\s*:\s*</p>\s*<ul>", rest):
            span = rest[: rest.find("</ul>")]
        else:
            end = re.search(r"\.(?:\s|</p>|$)", rest)
            span = rest[: end.start()] if end else rest
        values.update(c for c in re.findall(r"<code>([^<]+)</code>", span) if c != key)
    weeks = re.search(r"range is (\d+) seconds? to [^(]*\((\d+) seconds\)", text)
    span_range = re.search(r"(?:valid range is|range is|integer from|values are) (\d+)\s*(?:-|to)\s*(\d+)", text)
    open_range = re.search(r"(?:integer from|values are) (\d+) to the maximum", text)
    if weeks:
        minimum, maximum = int(weeks.group(1)), int(weeks.group(2))
    elif open_range:
        minimum = int(open_range.group(1))
    elif span_range:
        minimum, maximum = int(span_range.group(1)), int(span_range.group(2))
    if minimum is not None:
        # A documented default outside the range is allowed too (slow_start: 30-900, default 0 = off).
        default = re.search(r"The default(?: value)? is (\d+)", text)
        if default and not minimum <= int(default.group(1)) <= (maximum if maximum is not None else 1 << 62):
            values.add(default.group(1))
    if not values and minimum is None and key.endswith(".enabled") and "<code>true</code>" in html_description:
        values = {"true", "false"}
    return AttributeRule(key, frozenset(values), minimum, maximum)


@functools.cache
def documented_attributes(structure: str) -> dict[str, AttributeRule]:
    """The attribute keys botocore's elbv2 model documents for ``structure``'s Key member
    (LoadBalancerAttribute, TargetGroupAttribute, ListenerAttribute), with their values. Every
    documented key contains a dot; nested lists of values (stickiness.type) stay in their item."""
    documentation = MODELS.member_documentation("elbv2", structure, "Key")
    items = re.split(r"<li>\s*<p>\s*(?=<code>[a-z0-9_]+\.[a-z0-9_.]+</code>\s*[-\u2013])", documentation)
    rules = {}
    for item in items[1:]:
        found = re.match(r"<code>([^<]+)</code>\s*[-\u2013]\s*", item)
        assert found is not None
        rules[found.group(1)] = _attribute_rule(found.group(1), item[found.end() :])
    return rules


def _elb_attributes(request: Request, ctx: _Context, structure: str) -> None:
    rules = documented_attributes(structure)
    source = f"botocore elbv2 {structure}.Key documentation"
    for attribute in request.params.get("Attributes", []):
        key, value = attribute.get("Key"), attribute.get("Value")
        if not _checkable(key):
            continue
        rule = rules.get(str(key.value))
        ctx.note(key)
        if rule is None:
            ctx.fail(key, f"attribute key {key.value!r} is not one AWS documents", source)
            continue
        if _checkable(value) and (rule.values or rule.minimum is not None):
            ctx.note(value)
            if not rule.allows(str(value.value)):
                ctx.fail(value, f"{rule.key} allows {rule.describe()}", source)


_EXTENDED_STATISTIC = r"(?:p|tm|tc|ts|wm)(?:\d{1,2}(?:\.\d{1,2})?|100)|IQM|(?:PR|TC|TM|TS|WM)\([^)]*\)"


def _period_ok(period: int) -> bool:
    return period in (10, 20, 30) or period % 60 == 0


def _alarm(request: Request, ctx: _Context) -> None:
    params = request.params
    periods: list[Leaf] = []
    if _checkable(params.get("Period")):
        periods.append(params["Period"])
    for metric in params.get("Metrics") or []:
        if _checkable(_get(metric, "MetricStat", "Period")):
            periods.append(metric["MetricStat"]["Period"])
        if _checkable(metric.get("Period")):
            periods.append(metric["Period"])
    # botocore cloudwatch PutMetricAlarm.Period documentation: "Valid values are 10, 20, 30, and
    # any multiple of 60."
    source = "botocore cloudwatch PutMetricAlarm.Period documentation"
    for period in periods:
        number = _integer(period.value)
        ctx.note(period)
        if number is not None and not _period_ok(number):
            ctx.fail(period, "valid periods are 10, 20, 30 and any multiple of 60", source)
    # PutMetricAlarm.Period documentation: "Period multiplied by EvaluationPeriods can't be more than
    # 604,800 seconds. For alarms with a period of less than one hour (3,600 seconds), the total
    # evaluation period can't be longer than one day (86,400 seconds)."
    evaluation = params.get("EvaluationPeriods")
    numbers = [n for n in (_integer(p.value) for p in periods) if n is not None]
    if _checkable(evaluation) and numbers and _integer(evaluation.value) is not None:
        longest = max(numbers)
        total = longest * int(_integer(evaluation.value) or 0)
        limit = 86400 if longest < 3600 else 604800
        ctx.note(evaluation)
        if total > limit:
            span = "under one hour" if longest < 3600 else "of one hour or more"
            ctx.fail(
                evaluation,
                f"{evaluation.value} periods of {longest} s are {total} s, over the {limit} s an alarm with a "
                f"period {span} may span",
                "botocore cloudwatch PutMetricAlarm.Period documentation",
            )
    datapoints = params.get("DatapointsToAlarm")
    if _checkable(datapoints) and _checkable(evaluation):
        m, n = _integer(datapoints.value), _integer(evaluation.value)
        ctx.note(datapoints)
        if m is not None and n is not None and m > n:
            ctx.fail(
                datapoints,
                f"M out of N: DatapointsToAlarm ({m}) exceeds EvaluationPeriods ({n})",
                "botocore cloudwatch PutMetricAlarm.DatapointsToAlarm documentation",
            )
    missing = params.get("TreatMissingData")
    if _checkable(missing):
        allowed = _valid_values("cloudwatch", "PutMetricAlarmInput", "TreatMissingData")
        ctx.note(missing)
        if allowed and missing.value not in allowed:
            ctx.fail(
                missing,
                f"not one of {', '.join(allowed)}",
                "botocore cloudwatch PutMetricAlarm.TreatMissingData documentation",
            )
    extended = params.get("ExtendedStatistic")
    if _checkable(extended):
        ctx.note(extended)
        # PutMetricAlarm.ExtendedStatistic documentation: p90, tm90, tc90, ts90, wm90, IQM,
        # PR(n:m), TC/TM/TS/WM(X%:X%).
        if not re.fullmatch(_EXTENDED_STATISTIC, str(extended.value)):
            ctx.fail(extended, "not a valid extended statistic", "botocore cloudwatch PutMetricAlarm.ExtendedStatistic")


@functools.cache
def _valid_values(service: str, structure: str, member: str) -> tuple[str, ...]:
    documentation = MODELS.member_documentation(service, structure, member)
    found = re.search(r"Valid Values:\s*<code>([^<]+)</code>", documentation)
    return tuple(v.strip() for v in found.group(1).split("|") if v.strip()) if found else ()


@functools.cache
def retention_days() -> frozenset[int]:
    """botocore logs model, shape Days documentation: "Possible values are: 1, 3, 5, ... and 3653"
    (the model carries no enum)."""
    text = plain_text(str(MODELS.shape("logs", "Days").get("documentation", "")))
    found = re.search(r"Possible values are: ([\d, and]+)", text)
    if not found:
        return frozenset()
    return frozenset(int(n) for n in re.findall(r"\d+", found.group(1)))


def _retention(request: Request, ctx: _Context) -> None:
    days = request.params.get("retentionInDays")
    if _checkable(days):
        allowed = retention_days()
        ctx.note(days)
        if _integer(days.value) not in allowed:
            ctx.fail(
                days,
                f"retention must be one of {', '.join(str(d) for d in sorted(allowed))} days",
                "botocore logs Days documentation",
            )


def _s3_bucket_name(item: Leaf, ctx: _Context) -> None:
    # Amazon S3 User Guide, "General purpose bucket naming rules": 3-63 characters; lower-case
    # letters, numbers, dots and hyphens; begin and end with a letter or number; no two adjacent
    # dots; not formatted as an IP address; not beginning "xn--", "sthree-" or "amzn-s3-demo-",
    # not ending "-s3alias", "--ol-s3", ".mrap" or "--x-s3".
    name = str(item.value)
    source = "Amazon S3 User Guide: bucket naming rules"
    ctx.note(item)
    if not 3 <= len(name) <= 63:
        ctx.fail(item, f"{len(name)} characters; bucket names have 3 to 63", source)
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name) or ".." in name:
        ctx.fail(item, "only lower-case letters, numbers, dots and hyphens, beginning and ending alphanumeric", source)
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        ctx.fail(item, "must not be formatted as an IP address", source)
    if name.startswith(("xn--", "sthree-", "amzn-s3-demo-")) or name.endswith(
        ("-s3alias", "--ol-s3", ".mrap", "--x-s3")
    ):
        ctx.fail(item, "uses a reserved prefix or suffix", source)


def _topic_name(request: Request, ctx: _Context) -> None:
    _topic_attributes(request, ctx)
    # botocore sns CreateTopic.Name documentation: "uppercase and lowercase ASCII letters, numbers,
    # underscores, and hyphens, and must be between 1 and 256 characters long"; FIFO: ".fifo".
    item = request.params.get("Name")
    if not _checkable(item):
        return
    ctx.note(item)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}(?:\.fifo)?", str(item.value)) or len(str(item.value)) > 256:
        ctx.fail(
            item, "1-256 ASCII letters, numbers, underscores and hyphens", "botocore sns CreateTopic.Name documentation"
        )


SNS_PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
"""botocore sns Subscribe.Protocol documentation lists these protocols (the model has no enum)."""


def _subscription(request: Request, ctx: _Context) -> None:
    item = request.params.get("Protocol")
    if _checkable(item):
        ctx.note(item)
        if item.value not in SNS_PROTOCOLS:
            ctx.fail(item, f"not one of {', '.join(SNS_PROTOCOLS)}", "botocore sns Subscribe.Protocol documentation")
    endpoint = request.params.get("Endpoint")
    if _checkable(endpoint) and _checkable(item) and item.value in ("email", "email-json"):
        # Subscribe.Endpoint documentation: "For the email protocol, the endpoint is an email address."
        ok = bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(endpoint.value)))
        _fail_unless(ok, endpoint, ctx, "not an email address", "botocore sns Subscribe.Endpoint documentation")


_KMS_KEY = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias/[a-zA-Z0-9/_-]+|arn:aws[a-z-]*:kms:.+"
)


def _topic_attributes(request: Request, ctx: _Context) -> None:
    for name, value in (request.params.get("Attributes") or {}).items():
        if not _checkable(value):
            continue
        if _leaf_value(name) == "KmsMasterKeyId":
            # KMS API reference, KeyId: a key ID, key ARN, alias name (alias/...) or alias ARN.
            ok = bool(_KMS_KEY.fullmatch(str(value.value)))
            _fail_unless(ok, value, ctx, "not a KMS key ID, key ARN, alias or alias ARN", "KMS API reference: KeyId")
        elif _leaf_value(name) in ("FifoTopic", "ContentBasedDeduplication"):
            _fail_unless(
                value.value in ("true", "false"), value, ctx, "true or false", "botocore sns CreateTopic.Attributes"
            )


def _dashboard(request: Request, ctx: _Context) -> None:
    # botocore cloudwatch PutDashboard.DashboardName documentation: "The maximum length is 255, and
    # valid characters are A-Z, a-z, 0-9, "-", and "_"".
    item = request.params.get("DashboardName")
    if _checkable(item):
        ctx.note(item)
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,255}", str(item.value)):
            ctx.fail(item, "up to 255 of A-Z, a-z, 0-9, - and _", "botocore cloudwatch PutDashboard.DashboardName")
    body = request.params.get("DashboardBody")
    if _checkable(body):
        ctx.note(body)
        try:
            json.loads(str(body.value))
        except ValueError:
            ctx.fail(
                body, "the dashboard body must be a JSON document", "botocore cloudwatch PutDashboard.DashboardBody"
            )


def _node_group(request: Request, ctx: _Context) -> None:
    # Amazon EKS User Guide, "Create a managed node group": "Node group names can't be longer than
    # 63 characters. It must start with letter or digit, but can also include hyphens and
    # underscores for the remaining characters." (The model's nodegroupName is a plain String.)
    item = request.params.get("nodegroupName")
    if _checkable(item):
        ctx.note(item)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}", str(item.value)):
            ctx.fail(
                item,
                "at most 63 letters, digits, hyphens and underscores, starting alphanumeric",
                "Amazon EKS User Guide: managed node group names",
            )
    scaling = request.params.get("scalingConfig") or {}
    low, want, high = (_integer(_leaf_value(scaling.get(k))) for k in ("minSize", "desiredSize", "maxSize"))
    if low is not None and high is not None and low > high:
        ctx.fail(scaling["minSize"], f"minSize {low} exceeds maxSize {high}", "botocore eks NodegroupScalingConfig")
    if want is not None and ((low is not None and want < low) or (high is not None and want > high)):
        ctx.fail(
            scaling["desiredSize"],
            "desiredSize must lie between minSize and maxSize",
            "botocore eks NodegroupScalingConfig",
        )


def _kms_alias(request: Request, ctx: _Context) -> None:
    # botocore kms CreateAlias.AliasName documentation: "must begin with alias/ followed by a name
    # ... The alias name cannot begin with alias/aws/" (reserved for AWS managed keys).
    item = request.params.get("AliasName")
    if _checkable(item):
        name = str(item.value)
        ok = name.startswith("alias/") and len(name) > len("alias/") and not name.startswith("alias/aws/")
        _fail_unless(
            ok, item, ctx, "alias/ and a name, not alias/aws/", "botocore kms CreateAlias.AliasName documentation"
        )


def _default_security_group(request: Request, ctx: _Context) -> None:
    # The provider looks the group up by the VPC's ID (Filters vpc-id), which must be a VPC ID.
    for flt in request.params.get("Filters") or []:
        if flt.get("Name") == "vpc-id":
            for value in flt.get("Values") or []:
                if _checkable(value):
                    _member_rules("ec2", "VpcId", value, "DescribeSecurityGroups.Filters.Values", ctx)


def _kms_deletion(request: Request, ctx: _Context) -> None:
    item = request.params.get("PendingWindowInDays")
    if _checkable(item):
        ctx.note(item)
        number = _integer(item.value)
        if number is None or not 7 <= number <= 30:
            ctx.fail(
                item,
                "must be between 7 and 30 days",
                "botocore kms ScheduleKeyDeletion.PendingWindowInDays documentation",
            )


# EC2 (the model carries almost no limits; these are its documentation strings and the VPC guide).
_SG_TEXT = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}")


def _sg_text(item: Any, ctx: _Context, where: str) -> None:
    # botocore ec2 CreateSecurityGroup.Description / IpRange.Description documentation: "Up to 255
    # characters in length. Valid characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*".
    if _checkable(item):
        ctx.note(item)
        if not _SG_TEXT.fullmatch(str(item.value)):
            ctx.fail(
                item,
                "up to 255 of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
                f"botocore ec2 {where} documentation",
            )


def _cidr(item: Any, ctx: _Context, version: int, sizes: tuple[int, int] | None, where: str) -> None:
    if not _checkable(item):
        return
    ctx.note(item)
    try:
        network = ipaddress.ip_network(str(item.value), strict=True)
    except ValueError:
        ctx.fail(item, f"not an IPv{version} CIDR block (network address and prefix)", f"botocore ec2 {where}")
        return
    if network.version != version:
        ctx.fail(item, f"not an IPv{version} CIDR block", f"botocore ec2 {where}")
    elif sizes and not sizes[0] <= network.prefixlen <= sizes[1]:
        ctx.fail(
            item,
            f"a /{network.prefixlen}; VPC and subnet blocks are /{sizes[0]} to /{sizes[1]}",
            "Amazon VPC User Guide: VPC CIDR blocks",
        )


def _permissions(request: Request, ctx: _Context) -> None:
    for permission in request.params.get("IpPermissions") or []:
        protocol = permission.get("IpProtocol")
        if _checkable(protocol):
            ctx.note(protocol)
            value = str(protocol.value).lower()
            # IpPermission.IpProtocol documentation: tcp, udp, icmp, icmpv6, -1 (all) or a number.
            if value not in ("tcp", "udp", "icmp", "icmpv6", "-1", "all") and not (
                value.isdigit() and 0 <= int(value) <= 255
            ):
                ctx.fail(
                    protocol, "tcp, udp, icmp, icmpv6, -1 or a protocol number", "botocore ec2 IpPermission.IpProtocol"
                )
        ports = [permission.get("FromPort"), permission.get("ToPort")]
        for port in ports:
            if _checkable(port):
                ctx.note(port)
                number = _integer(port.value)
                if number is None or not -1 <= number <= 65535:
                    ctx.fail(
                        port,
                        "a port is 0-65535, or -1 for every ICMP type",
                        "botocore ec2 IpPermission.FromPort/ToPort documentation",
                    )
        low, high = (_integer(_leaf_value(p)) for p in ports)
        if low is not None and high is not None and low > high and low != -1:
            ctx.fail(ports[0], f"FromPort {low} above ToPort {high}", "botocore ec2 IpPermission")
        for entry in permission.get("IpRanges") or []:
            _cidr(entry.get("CidrIp"), ctx, 4, None, "IpRange.CidrIp")
            _sg_text(entry.get("Description"), ctx, "IpRange.Description")
        for entry in permission.get("Ipv6Ranges") or []:
            _cidr(entry.get("CidrIpv6"), ctx, 6, None, "Ipv6Range.CidrIpv6")
            _sg_text(entry.get("Description"), ctx, "Ipv6Range.Description")
        for entry in (permission.get("UserIdGroupPairs") or []) + (permission.get("PrefixListIds") or []):
            _sg_text(entry.get("Description"), ctx, "UserIdGroupPair.Description")


def _security_group(request: Request, ctx: _Context) -> None:
    _sg_text(request.params.get("Description"), ctx, "CreateSecurityGroup.Description")
    name = request.params.get("GroupName")
    _sg_text(name, ctx, "CreateSecurityGroup.GroupName")
    if _checkable(name) and str(name.value).lower().startswith("sg-"):
        ctx.fail(name, "can't start with sg-", "botocore ec2 CreateSecurityGroup.GroupName documentation")


_VOLUME_SIZES = {
    "gp2": (1, 16384),
    "gp3": (1, 65536),
    "io1": (4, 16384),
    "io2": (4, 65536),
    "st1": (125, 16384),
    "sc1": (125, 16384),
    "standard": (1, 1024),
}
"""botocore ec2 LaunchTemplateEbsBlockDeviceRequest.VolumeSize documentation, GiB per volume type."""


def _launch_template(request: Request, ctx: _Context) -> None:
    data = request.params.get("LaunchTemplateData") or {}
    hops = _get(data, "MetadataOptions", "HttpPutResponseHopLimit")
    if _checkable(hops):
        ctx.note(hops)
        number = _integer(hops.value)
        if number is None or not 1 <= number <= 64:
            ctx.fail(
                hops,
                "integers from 1 to 64",
                "botocore ec2 LaunchTemplateInstanceMetadataOptionsRequest.HttpPutResponseHopLimit",
            )
    for mapping in data.get("BlockDeviceMappings") or []:
        size, kind = _get(mapping, "Ebs", "VolumeSize"), _leaf_value(_get(mapping, "Ebs", "VolumeType")) or "gp2"
        if _checkable(size) and kind in _VOLUME_SIZES:
            low, high = _VOLUME_SIZES[kind]
            ctx.note(size)
            number = _integer(size.value)
            if number is None or not low <= number <= high:
                ctx.fail(
                    size,
                    f"{kind} volumes are {low}-{high} GiB",
                    "botocore ec2 LaunchTemplateEbsBlockDeviceRequest.VolumeSize",
                )


def _ec2_cidr(member: str, version: int, sizes: tuple[int, int] | None) -> Any:
    def rule(request: Request, ctx: _Context) -> None:
        _cidr(request.params.get(member), ctx, version, sizes, f"{request.operation}.{member}")

    return rule


# --- limits on single members the models leave as plain strings --------------------------------

_ID = "Amazon EC2 User Guide: resource IDs (prefix, hyphen, 8 or 17 hexadecimal characters)"
RESOURCE_IDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("ec2", "VpcId"): ("vpc",),
    ("ec2", "SubnetId"): ("subnet",),
    ("ec2", "GroupId"): ("sg",),
    ("ec2", "SecurityGroupIds"): ("sg",),
    ("ec2", "AllocationId"): ("eipalloc",),
    ("ec2", "RouteTableId"): ("rtb",),
    ("ec2", "NatGatewayId"): ("nat",),
    ("ec2", "InternetGatewayId"): ("igw",),
    ("ec2", "GatewayId"): ("igw", "vgw"),
    ("elbv2", "VpcId"): ("vpc",),
    ("elbv2", "Subnets"): ("subnet",),
    ("elbv2", "SubnetId"): ("subnet",),
    ("elbv2", "SecurityGroups"): ("sg",),
    ("eks", "subnets"): ("subnet",),
    ("eks", "subnetIds"): ("subnet",),
    ("eks", "securityGroupIds"): ("sg",),
    ("eks", "id"): ("lt",),
}
_ARN = re.compile(r"arn:aws(?:-cn|-us-gov|-iso[a-z-]*)?:[a-z0-9-]+:[a-z0-9-]*:(?:\d{12}|aws)?:.+")
ARN_MEMBERS = {("eks", "nodeRole"), ("cloudwatch", "OKActions"), ("cloudwatch", "AlarmActions")}
ARN_MEMBERS |= {("cloudwatch", "InsufficientDataActions")}
"""Members holding ARNs whose names do not end in "Arn"."""
_K8S_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
_K8S_SUBDOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?")


def _fail_unless(ok: bool, item: Leaf, ctx: _Context, rule: str, source: str) -> None:
    ctx.note(item)
    if not ok:
        ctx.fail(item, rule, source)


def _http_codes(value: str, low: int, high: int) -> bool:
    parts = re.split(r"[,-]", value)
    return all(p.isdigit() and low <= int(p) <= high for p in parts) and bool(parts)


def _member_rules(service: str, member: str, item: Leaf, where: str, ctx: _Context) -> None:
    """Limits on one member that AWS's prose (or another model) states and the member's shape lacks."""
    value = item.value
    text = str(value)
    prefixes = RESOURCE_IDS.get((service, member))
    if prefixes:
        _fail_unless(
            bool(re.fullmatch(rf"(?:{'|'.join(prefixes)})-(?:[0-9a-f]{{8}}|[0-9a-f]{{17}})", text)),
            item,
            ctx,
            f"not a {' or '.join(p + '-' for p in prefixes)} ID",
            _ID,
        )
    if member.endswith(("Arn", "ARN", "arn")) or (service, member) in ARN_MEMBERS:
        _fail_unless(
            bool(_ARN.fullmatch(text)),
            item,
            ctx,
            "not an ARN",
            "AWS General Reference: ARN format arn:partition:service:region:account:resource",
        )
    override = SHAPE_OVERRIDES.get((service, member))
    if override:
        _scalar(service, MODELS.shape(service, override), item, f"{where} (shape {override})", ctx)
    if (service, member) == ("eks", "instanceTypes"):
        types = MODELS.shape("ec2", "InstanceType").get("enum", [])
        _fail_unless(text in types, item, ctx, "not an EC2 instance type", "botocore ec2 InstanceType enum")
    elif (service, member) == ("eks", "publicAccessCidrs"):
        _cidr(item, ctx, 4, None, "eks VpcConfigRequest.publicAccessCidrs")
    elif (service, member) == ("eks", "resources") and "encryptionConfig" in where:
        _fail_unless(
            text == "secrets",
            item,
            ctx,
            "the only supported value is secrets",
            "botocore eks EncryptionConfig.resources documentation",
        )
    elif (service, member) == ("eks", "namespace"):
        _fail_unless(
            bool(_K8S_LABEL.fullmatch(text)),
            item,
            ctx,
            "not a Kubernetes namespace name (RFC 1123 label)",
            "Kubernetes object names",
        )
    elif (service, member) == ("eks", "serviceAccount"):
        _fail_unless(
            bool(_K8S_SUBDOMAIN.fullmatch(text)),
            item,
            ctx,
            "not a Kubernetes object name (RFC 1123 subdomain)",
            "Kubernetes object names",
        )
    elif (service, member) == ("eks", "version") and "launchTemplate" in where:
        _fail_unless(
            bool(re.fullmatch(r"\d+|\$Latest|\$Default", text)),
            item,
            ctx,
            "a version number, $Latest or $Default",
            "botocore eks LaunchTemplateSpecification.version",
        )
    elif (service, member) == ("ec2", "AvailabilityZone"):
        _fail_unless(
            bool(re.fullmatch(r"[a-z]{2}(?:-[a-z]+)+-\d+[a-z]", text)),
            item,
            ctx,
            "not an Availability Zone name (region code and a letter)",
            "Amazon EC2 User Guide: Regions and Zones",
        )
    elif (service, member) == ("elbv2", "HttpCode"):
        _fail_unless(
            _http_codes(text, 200, 499),
            item,
            ctx,
            "HTTP codes 200-499, as a list (200,202) or range (200-299)",
            "botocore elbv2 Matcher.HttpCode documentation (Application Load Balancers)",
        )
    elif (service, member) == ("elbv2", "GrpcCode"):
        _fail_unless(
            _http_codes(text, 0, 99),
            item,
            ctx,
            "gRPC codes 0-99, as a list or range",
            "botocore elbv2 Matcher.GrpcCode documentation",
        )
    elif (service, member) in (("elbv2", "HealthCheckPort"), ("elbv2", "Port")) and isinstance(value, str):
        keyword = "traffic-port" if member == "HealthCheckPort" else "#{port}"
        ok = text == keyword or (text.isdigit() and 1 <= int(text) <= 65535)
        _fail_unless(ok, item, ctx, f"{keyword} or a port 1-65535", f"botocore elbv2 {where} documentation")
    elif (service, member) == ("elbv2", "ProtocolVersion"):
        _fail_unless(
            text in ("GRPC", "HTTP1", "HTTP2"),
            item,
            ctx,
            "GRPC, HTTP1 or HTTP2",
            "botocore elbv2 CreateTargetGroup.ProtocolVersion documentation",
        )
    elif (service, member) == ("s3", "Bucket"):
        _s3_bucket_name(item, ctx)
    elif (service, member) == ("s3", "ID"):
        _fail_unless(
            len(text) <= 255, item, ctx, "longer than 255 characters", "botocore s3 LifecycleRule.ID documentation"
        )
    elif (service, member) == ("s3", "Policy"):
        # Amazon S3 User Guide, bucket policies: a JSON policy document of at most 20 KB.
        _fail_unless(
            _policy_document(text) and len(text.encode()) <= 20480,
            item,
            ctx,
            "a JSON policy document of at most 20 KB",
            "Amazon S3 User Guide: bucket policies",
        )
    elif (service, member) in (("iam", "AssumeRolePolicyDocument"), ("iam", "PolicyDocument")):
        _fail_unless(
            _policy_document(text),
            item,
            ctx,
            "a JSON policy document with Version and Statement",
            "IAM User Guide: IAM JSON policy grammar",
        )
    elif (service, member) == ("cloudwatch", "Stat"):
        statistics = MODELS.shape("cloudwatch", "Statistic").get("enum", [])
        ok = text in statistics or bool(re.fullmatch(_EXTENDED_STATISTIC, text))
        _fail_unless(
            ok,
            item,
            ctx,
            "not a CloudWatch statistic",
            "botocore cloudwatch Statistic enum and PutMetricAlarm.ExtendedStatistic documentation",
        )


def _policy_document(text: str) -> bool:
    try:
        document = json.loads(text)
    except ValueError:
        return False
    return isinstance(document, dict) and "Statement" in document and "Version" in document


def _experiment_template(request: Request, ctx: _Context) -> None:
    for item, rule in template_problems(request.params):
        ctx.fail(_as_leaf(item), rule, "AWS FIS User Guide: actions reference and targets")
    for item in checked_leaves(request.params):
        if _checkable(item):
            ctx.note(item)


RULES: dict[tuple[str, str], Any] = {
    ("fis", "CreateExperimentTemplate"): _experiment_template,
    ("elbv2", "CreateLoadBalancer"): lambda q, c: _elb_name(q.params.get("Name"), c, "CreateLoadBalancer", True),
    ("elbv2", "CreateTargetGroup"): lambda q, c: _elb_name(q.params.get("Name"), c, "CreateTargetGroup", False),
    ("elbv2", "ModifyLoadBalancerAttributes"): lambda q, c: _elb_attributes(q, c, "LoadBalancerAttribute"),
    ("elbv2", "ModifyTargetGroupAttributes"): lambda q, c: _elb_attributes(q, c, "TargetGroupAttribute"),
    ("cloudwatch", "PutMetricAlarm"): _alarm,
    ("cloudwatch", "PutDashboard"): _dashboard,
    ("logs", "PutRetentionPolicy"): _retention,
    ("sns", "CreateTopic"): _topic_name,
    ("sns", "Subscribe"): _subscription,
    ("eks", "CreateNodegroup"): _node_group,
    ("kms", "ScheduleKeyDeletion"): _kms_deletion,
    ("kms", "CreateAlias"): _kms_alias,
    ("ec2", "DescribeSecurityGroups"): _default_security_group,
    ("ec2", "CreateVpc"): _ec2_cidr("CidrBlock", 4, (16, 28)),
    ("ec2", "CreateSubnet"): _ec2_cidr("CidrBlock", 4, (16, 28)),
    ("ec2", "CreateRoute"): _ec2_cidr("DestinationCidrBlock", 4, None),
    ("ec2", "CreateSecurityGroup"): _security_group,
    ("ec2", "AuthorizeSecurityGroupIngress"): _permissions,
    ("ec2", "AuthorizeSecurityGroupEgress"): _permissions,
    ("ec2", "CreateLaunchTemplate"): _launch_template,
}
"""Limits from AWS's prose, per API: (service, operation) -> rule(request, context)."""


def _tags(value: Any, base: str, ctx: _Context) -> None:
    # AWS General Reference, "Tagging AWS resources" (tag naming limits): keys 1-128 and values
    # 0-256 Unicode characters; the "aws:" prefix is reserved. Applies to every service, including
    # those whose models leave Tag.Key and Tag.Value unconstrained (EC2, S3, SNS, KMS), and to the
    # tags a launch template gives its instances and volumes.
    if isinstance(value, list):
        for n, item in enumerate(value):
            _tags(item, f"{base}[{n}]", ctx)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key == "tags" and isinstance(item, dict):
            _tag_map(item, join(base, key), ctx)
        else:
            _tags(item, join(base, key), ctx)


def _tag_map(tags: dict[str, Any], base: str, ctx: _Context) -> None:
    source = "AWS General Reference: tag naming limits"
    for key, value in tags.items():
        item = Leaf(value, f"{base}.{key}")
        if value in (SECRET, UNKNOWN):
            ctx.secrets.add(item.path)
            continue
        ctx.note(item)
        if not 1 <= len(key) <= 128:
            ctx.fail(item, f"tag key {key!r} is {len(key)} characters (1-128)", source)
        if key.lower().startswith("aws:"):
            ctx.fail(item, f"tag key {key!r} uses the reserved prefix aws:", source)
        if isinstance(value, str) and len(value) > 256:
            ctx.fail(item, f"tag value is {len(value)} characters (at most 256)", source)


# --- the check ----------------------------------------------------------------------------------


def input_leaves(value: Any, base: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf value of a resource's inputs, with its path (``a.b[0].c``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from input_leaves(item, join(base, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from input_leaves(item, f"{base}[{n}]")
    elif value is not None:
        yield base, value


def _top(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _pattern(path: str) -> str:
    """A path with list indices and tag keys folded, for the list of unconstrained inputs."""
    return "tags.*" if path.startswith("tags.") else re.sub(r"\[\d+\]", "[*]", path)


@dataclass
class ResourceResult:
    resource: PlannedResource
    requests: list[Request]
    problems: list[str]
    inputs: set[str]
    checked: set[str]
    secrets: set[str]
    provider_only: set[str]
    mapped: bool


def check_resource(resource: PlannedResource) -> ResourceResult:
    """Translate one aws:* resource into its requests and check them."""
    mapping = MAPPINGS.get(resource.type)
    leaves = dict(input_leaves(resource.inputs))
    ctx = _Context(resource)
    if mapping is None:
        return ResourceResult(resource, [], [], set(leaves), set(), set(), set(), False)
    provider_only = {p for p in leaves if _top(p) in mapping.provider_only}
    requests = mapping.translate(resource, MODELS)
    for request in requests:
        operation = MODELS.input_shape(request.service, request.operation)
        validate(request.service, operation, request.params, request.operation, ctx)
        rule = RULES.get((request.service, request.operation))
        if rule is not None:
            rule(request, ctx)
    _tags(resource.inputs, "", ctx)
    if mapping.name is not None and _auto_named(resource, mapping.name.input, mapping.name.prefix_input):
        name = auto_name(resource.name, mapping.name.lower)
        if len(name) > mapping.name.bridge_maxlen:
            ctx.problems.append(
                f"{resource.type} {resource.name}: {mapping.name.input} unset, so Pulumi auto-names it {name!r} "
                f"({len(name)} characters): pulumi-aws refuses auto-names over {mapping.name.bridge_maxlen} "
                f"characters (provider/resources.go AutoName maxlen {mapping.name.bridge_maxlen}; the bridge errors, "
                "it does not truncate); give the resource a shorter logical name or an explicit name"
            )
    for path, value in leaves.items():
        if value in (SECRET, UNKNOWN):
            ctx.secrets.add(path)
    return ResourceResult(
        resource,
        requests,
        ctx.problems,
        set(leaves) - provider_only,
        ctx.checked & set(leaves),
        ctx.secrets & set(leaves),
        provider_only,
        True,
    )


def _auto_named(resource: PlannedResource, name_input: str, prefix_input: str) -> bool:
    return resource.inputs.get(name_input) is None and not (prefix_input and resource.inputs.get(prefix_input))


def check_resources(resources: Iterable[PlannedResource]) -> CheckReport:
    results = [check_resource(r) for r in resources if r.custom and r.type.startswith("aws:")]
    problems = [p for result in results for p in result.problems]
    inputs = sum(len(r.inputs) for r in results)
    checked = sum(len(r.checked) for r in results)
    secrets = sum(len(r.secrets - r.checked) for r in results)
    provider_only = sum(len(r.provider_only) for r in results)
    unmapped_types = sorted({r.resource.type for r in results if not r.mapped})
    unchecked = sorted(
        {
            f"{r.resource.type}: {_pattern(path)}"
            for r in results
            if r.mapped
            for path in r.inputs - r.checked - r.secrets
        }
    )
    apis = sorted({f"{q.service} {q.operation}" for r in results for q in r.requests})
    ratio = round(checked / inputs, 4) if inputs else 1.0
    requests = sum(len(r.requests) for r in results)
    line = (
        f"{len(results)} AWS resources as {requests} API requests ({len(apis)} operations) against the botocore "
        f"{botocore_version()} service models and AWS's documented limits: {checked} of {inputs} input values "
        f"({ratio:.0%}) met a constraint"
    )
    if secrets:
        line += f", {secrets} secret or unknown (unchecked)"
    if provider_only:
        line += f"; {provider_only} provider-side inputs no API receives"
    if unmapped_types:
        line += f"; no mapping for {', '.join(unmapped_types)}"
    coverage: dict[str, Any] = {
        "constrained": checked,
        "inputs": inputs,
        "ratio": ratio,
        "secret_unchecked": secrets,
        "provider_only": provider_only,
        "unmapped_types": unmapped_types,
        "unconstrained_inputs": unchecked,
        "apis": apis,
    }
    return CheckReport(CHECK_NAME, line, problems, coverage)


def check_plan(plan: Plan) -> CheckReport:
    """The AWS-model check of a plan: one CheckReport (problems are errors; the CLI exits 5)."""
    return check_resources(plan.resources)


def write_extract(path: Path = EXTRACT) -> None:
    path.write_text(json.dumps(extract_models(), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":  # pragma: no cover
    write_extract()
    print(f"wrote {EXTRACT} from botocore {importlib.metadata.version('botocore')}")
