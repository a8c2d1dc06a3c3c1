"""Field types more than one section uses: CIDRs, DNS labels, pinned images, percentages, and the
ids of network resources (which may come from another resource as Outputs)."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from ..outputs import OrOutput

UNIQUE_ENTRIES: dict[str, Any] = {"uniqueItems": True}
"""For the stack-file schema of a list that makes one resource per entry: an editor flags a repeated
entry as you type (the settings also refuse entries that differ but give one name)."""


def _matches(pattern: str, explanation: str) -> AfterValidator:
    """A validator that accepts only text matching ``pattern`` whole, explaining what it expects."""
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if not compiled.fullmatch(text):
            raise ValueError(f"{text!r} {explanation}")
        return text

    return AfterValidator(check)


def _cidr(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=True))
    except ValueError as err:
        raise ValueError(f"{text!r} is not a CIDR block such as '10.0.0.0/16' ({err})") from err


def _image(text: str) -> str:
    """Accept only images pinned to a version tag or a digest."""
    name, _, digest = text.partition("@")
    if digest:
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            raise ValueError(f"{text!r} has a malformed digest; expected '@sha256:' and 64 hex digits")
        return text
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        raise ValueError(f"{text!r} has no tag; pin a version (e.g. 'hapimcp/hapi-cli:0.6.0') or a digest")
    tag = last.split(":", 1)[1]
    if tag == "latest":
        raise ValueError(f"{text!r} uses the moving tag 'latest'; pin a version or a digest")
    if not re.fullmatch(r"[\w][\w.-]{0,127}", tag):
        raise ValueError(f"{text!r} has an invalid tag {tag!r}")
    return text


DnsLabel = Annotated[
    str,
    _matches(
        r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?",
        "is not a DNS label: lower-case letters, digits and '-', starting with a letter, at most 63 characters",
    ),
]
Cidr = Annotated[str, AfterValidator(_cidr)]
Image = Annotated[str, AfterValidator(_image)]

VpcId = OrOutput[Annotated[str, _matches(r"vpc-[0-9a-f]{8,17}", "is not a VPC id (vpc-...)")]]
SubnetId = OrOutput[Annotated[str, _matches(r"subnet-[0-9a-f]{8,17}", "is not a subnet id (subnet-...)")]]
SecurityGroupId = OrOutput[Annotated[str, _matches(r"sg-[0-9a-f]{8,17}", "is not a security group id (sg-...)")]]
Percent = Annotated[int, Field(ge=1, le=100)]
