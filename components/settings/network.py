"""runmcp-gateway:cluster.eks.network: the VPC a made cluster runs in (components/network.py)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic.alias_generators import to_camel

from ..outputs import OrOutput
from .base import Problem, _Model, _refuse
from .fields import Cidr, SubnetId, VpcId


def _vpc_cidr(text: str) -> str:
    prefix = ipaddress.ip_network(text).prefixlen
    if not 16 <= prefix <= 20:
        raise ValueError(f"{text!r} is a /{prefix}; a VPC range here is /16 to /20 (room for a subnet per zone)")
    return text


class ExistingVpc(_Model):
    """A VPC and subnets made elsewhere. Public subnets need the tag kubernetes.io/role/elb=1 and
    private ones kubernetes.io/role/internal-elb=1 for load balancers to find them."""

    vpc_id: VpcId
    private_subnet_ids: OrOutput[Annotated[Sequence[SubnetId], Field(min_length=2)]]
    """Where the nodes run: at least two, in different availability zones. Each, or the whole list,
    may be an Output."""
    public_subnet_ids: OrOutput[Sequence[SubnetId]] = Field(default_factory=list)
    """Where an internet-facing load balancer goes; may be empty for an internal one. Each, or the
    whole list, may be an Output (then the count of two or more is left to AWS to check)."""


class NetworkSettings(_Model):
    """A new VPC: private subnets for the nodes and public ones for the load balancer and NAT, one of
    each per availability zone."""

    cidr: Annotated[Cidr, AfterValidator(_vpc_cidr)] = "10.0.0.0/16"
    """The VPC's range, /16 to /20. Each zone gets one eighth as a private subnet (pods take VPC
    addresses with the VPC CNI) and a slice of the seventh eighth as a public subnet."""
    availability_zones: Annotated[int, Field(ge=2, le=6)] = 3
    """How many zones to spread subnets and nodes over (the region's first N available ones)."""
    nat_gateways: Literal["single", "perZone"] = "perZone"
    """perZone: one NAT gateway per zone, so losing a zone leaves the others online. single: one
    shared NAT gateway, cheaper, but a zone outage cuts egress for every zone."""
    existing: ExistingVpc | None = None
    """Use this VPC and these subnets instead of creating a VPC."""

    @model_validator(mode="after")
    def _one_source(self) -> NetworkSettings:
        if self.existing is not None:
            _refuse(
                Problem(to_camel(field), "has no effect with network.existing; remove one of them")
                for field in sorted(self.model_fields_set - {"existing"})
            )
        return self
