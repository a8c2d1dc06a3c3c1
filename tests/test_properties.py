"""Property-based: generated invalid settings always give the clear, file-and-key errors and never
a traceback or a registered resource; generated valid settings always plan, and every object passes
the Kubernetes schema and the stack file passes its JSON Schema."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from components.config import read_stack_file
from components.offline.kubernetes import validate_plan
from components.offline.mocks import CloudMocks
from components.offline.runner import RecordingMonitor, run_plan, run_program
from components.schema import SCHEMA_PATH
from components.settings import SUPPORTED_KUBERNETES_VERSIONS, SettingsError
from tests.conftest import PROJECT_DIR, REGION

LINE = re.compile(r"^Pulumi\.bad\.yaml: (runmcp-gateway:[\w.\-]+|runmcp-gateway:\(top level\)|aws:region): \S.*$")
SCHEMA = jsonschema.Draft202012Validator(json.loads((PROJECT_DIR / SCHEMA_PATH).read_text()))
EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.generate],  # a full plan per example: report the failing case, do not shrink it
)


def write(config: dict[str, Any], directory: Path) -> Path:
    path = directory / "Pulumi.bad.yaml"
    data = {f"runmcp-gateway:{k}": v for k, v in config.items()}
    data["aws:region"] = REGION
    path.write_text(yaml.safe_dump({"config": data}))
    return path


@st.composite
def valid_settings(draw: st.DrawFn) -> dict[str, Any]:
    cpu = draw(st.integers(50, 500))
    memory = draw(st.integers(64, 1024))
    low = draw(st.integers(1, 4))
    port = draw(st.integers(1024, 65535))
    config: dict[str, Any] = {
        "gateway": {
            "image": draw(st.sampled_from(["hapimcp/hapi-cli:0.6.0", "registry.example.com:5000/team/gw:v1.2.3"])),
            "port": port,
            "healthPath": draw(st.sampled_from(["/health", "/healthz", "/-/ready"])),
            "resources": {
                "requests": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"},
                "limits": {"memory": f"{memory * draw(st.integers(1, 3))}Mi"},
            },
            "shutdown": {"preStopSeconds": draw(st.integers(10, 60)), "drainSeconds": draw(st.integers(0, 600))},
            "env": draw(
                st.dictionaries(
                    st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True).filter(
                        lambda n: n not in {"HAPI_PORT", "HAPI_HOME", "HAPI_DISABLE_FILE_LOGS"}
                    ),
                    st.text(max_size=20),
                    max_size=3,
                )
            ),
        },
        "scaling": {
            "minReplicas": low,
            "maxReplicas": draw(st.integers(low, 15)),
            "targetCpuUtilization": draw(st.integers(1, 100)),
        },
        "cluster": draw(
            st.sampled_from(
                [{"kubernetesVersion": v, "existing": {}} for v in SUPPORTED_KUBERNETES_VERSIONS]
                + [{"kubernetesVersion": v} for v in SUPPORTED_KUBERNETES_VERSIONS]
            )
        ),
        "alarms": {"emails": ["ops@example.com"]},
    }
    if "existing" in config["cluster"]:
        config["loadBalancer"] = {"kind": "none"}
        config["alarms"] = {"enabled": False}
    else:
        config["loadBalancer"] = {"idleTimeoutSeconds": draw(st.integers(1, 4000))}
    return config


@EXAMPLES
@given(valid_settings())
def test_valid_settings_always_plan_and_pass_the_schemas(config: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = write(config, Path(directory))
        assert list(SCHEMA.iter_errors(yaml.safe_load(path.read_text()))) == []
        plan = run_plan(PROJECT_DIR, "bad", path)
    assert plan.resources
    assert validate_plan(plan) == []


BASE: dict[str, Any] = {"gateway": {"image": "hapimcp/hapi-cli:0.6.0"}, "scaling": {}, "loadBalancer": {}, "alarms": {}}
TOP = sorted(BASE)
JUNK = st.one_of(st.text(max_size=8), st.integers(-(10**6), 10**6), st.booleans(), st.lists(st.integers(), max_size=2))


@st.composite
def invalid_settings(draw: st.DrawFn) -> dict[str, Any]:
    config = json.loads(json.dumps(BASE))
    kind = draw(
        st.sampled_from(["unknown key", "wrong type", "out of range", "min above max", "image", "quantity", "secret"])
    )
    section = draw(st.sampled_from(TOP))
    if kind == "unknown key":
        config[section][
            draw(
                st.from_regex(r"[a-z][A-Za-z]{2,12}", fullmatch=True).filter(
                    lambda k: (
                        k
                        not in {
                            "image",
                            "name",
                            "namespace",
                            "port",
                            "args",
                            "env",
                            "kind",
                            "scheme",
                            "enabled",
                            "emails",
                        }
                    )
                )
            )
        ] = draw(JUNK)
    elif kind == "wrong type":
        field = draw(
            st.sampled_from(
                ["scaling.minReplicas", "scaling.maxReplicas", "gateway.port", "loadBalancer.idleTimeoutSeconds"]
            )
        )
        top, key = field.split(".")
        config[top][key] = draw(
            st.one_of(st.text(alphabet="abc", min_size=1, max_size=5), st.lists(st.integers(), max_size=2))
        )
    elif kind == "out of range":
        field, low, high = draw(
            st.sampled_from(
                [
                    ("scaling.targetCpuUtilization", 1, 100),
                    ("gateway.port", 1024, 65535),
                    ("loadBalancer.idleTimeoutSeconds", 1, 4000),
                    ("scaling.minReplicas", 1, 1000),
                ]
            )
        )
        top, key = field.split(".")
        config[top][key] = draw(st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1)))
    elif kind == "min above max":
        high = draw(st.integers(1, 50))
        config["scaling"].update(minReplicas=high + draw(st.integers(1, 10)), maxReplicas=high)
    elif kind == "image":
        config["gateway"]["image"] = draw(
            st.sampled_from(["hapimcp/hapi-cli", "hapimcp/hapi-cli:latest", "x@sha256:12"])
        )
    elif kind == "quantity":
        config["gateway"]["resources"] = {
            "requests": {
                draw(st.sampled_from(["cpu", "memory"])): draw(st.sampled_from(["lots", "512MB", "-1", "1.5.2"]))
            }
        }
    else:
        config["gateway"]["secretEnv"] = {"TOKEN": draw(st.text(min_size=1, max_size=12))}
    return config


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_settings())
def test_invalid_settings_always_give_clear_errors_and_register_nothing(config: dict[str, Any]) -> None:
    monitor = RecordingMonitor(CloudMocks(region=REGION))
    with tempfile.TemporaryDirectory() as directory:
        stack_file = read_stack_file(write(config, Path(directory)))
        try:
            run_program(PROJECT_DIR, "bad", stack_file, monitor)
        except SettingsError as err:
            lines = err.lines()
        else:
            raise AssertionError(f"accepted: {config}")
    assert lines
    assert all(LINE.match(line) for line in lines), lines
    assert monitor.recorded == []
