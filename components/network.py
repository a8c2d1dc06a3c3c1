"""The network a provisioned cluster lives in: a VPC with a public and a private subnet per zone,
an internet gateway and NAT; or an existing VPC and subnets, passed through."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .block_args import ArgsCheck
from .settings import InstanceTypeName, NetworkSettings

ELB_ROLE_TAG = {"kubernetes.io/role/elb": "1"}
"""Public subnets: where internet-facing load balancers go."""
INTERNAL_ELB_ROLE_TAG = {"kubernetes.io/role/internal-elb": "1"}
"""Private subnets: where internal load balancers go."""


UNSUPPORTED_EKS_ZONE_IDS = frozenset({"use1-az3", "usw1-az2", "cac1-az3"})
"""Zones (by ID: names map to different physical zones in each account) where EKS refuses cluster
subnets with UnsupportedAvailabilityZoneException: the EKS user guide, "Subnet requirements and
considerations" (docs.aws.amazon.com/eks/latest/userguide/network-reqs.html); eksctl avoids the same
three (eksctl-io/eksctl pkg/az/az.go)."""


@dataclass(frozen=True)
class Zone:
    name: str
    """The account's name for the zone (us-east-1a): differs between accounts for the same place."""
    zone_id: str
    """The physical zone (use1-az1), the same in every account."""

    @property
    def letter(self) -> str:
        return self.name[-1]


@dataclass(frozen=True)
class SubnetPlan:
    zone: Zone
    private_cidr: str
    public_cidr: str


def subnet_plan(cidr: str, zones: list[Zone]) -> list[SubnetPlan]:
    """Carve the VPC range: zone i gets the i-th eighth as its private subnet (pods take VPC
    addresses, so private subnets get the room) and the i-th sixteenth of the seventh eighth as
    its public subnet (load balancers and NAT gateways need few addresses)."""
    private = private_cidrs(cidr, len(zones))
    public = list(list(ipaddress.IPv4Network(cidr).subnets(prefixlen_diff=3))[6].subnets(prefixlen_diff=4))
    return [SubnetPlan(zone, private[i], str(public[i])) for i, zone in enumerate(zones)]


def private_cidrs(cidr: str, zones: int) -> list[str]:
    """The private subnets' ranges of a VPC made here with ``zones`` zones: the first eighths."""
    return [str(n) for n in list(ipaddress.IPv4Network(cidr).subnets(prefixlen_diff=3))[:zones]]


def usable_zones(
    names: Sequence[str], zone_ids: Sequence[str], offerings: Mapping[str, set[str]], instance_types: Sequence[str]
) -> tuple[list[Zone], list[str]]:
    """The zones a cluster can use, and why each other zone was passed over.

    A zone is judged by its ID: usable when EKS supports it and it offers every instance type of
    the node groups (``offerings``: instance types per zone ID, from EC2's instance-type offerings).
    They come in the order of their names, as before zones were judged: a stack whose zones were
    all usable keeps them, and so keeps its subnets (a node group's subnets force its replacement)."""
    usable: list[Zone] = []
    skipped: list[str] = []
    for name, zone_id in sorted(zip(names, zone_ids, strict=True)):
        missing = sorted(set(instance_types) - offerings.get(zone_id, set()))
        if zone_id in UNSUPPORTED_EKS_ZONE_IDS:
            skipped.append(f"{name} ({zone_id}): EKS does not support it")
        elif missing:
            skipped.append(f"{name} ({zone_id}): does not offer {', '.join(missing)}")
        else:
            usable.append(Zone(name, zone_id))
    return usable, skipped


def choose_zones(count: int, instance_types: Sequence[str], parent: pulumi.Resource) -> list[Zone]:
    """``count`` zones that need no opt-in (no Local or Wavelength Zones), that EKS
    supports, and that offer every node instance type."""
    invoke = pulumi.InvokeOptions(parent=parent)
    found = aws.get_availability_zones(
        state="available",
        filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
        opts=invoke,
    )
    offered = aws.ec2.get_instance_type_offerings(
        location_type="availability-zone-id",
        filters=[aws.ec2.GetInstanceTypeOfferingsFilterArgs(name="instance-type", values=sorted(set(instance_types)))],
        opts=invoke,
    )
    offerings: dict[str, set[str]] = {}
    for zone_id, instance_type in zip(offered.locations, offered.instance_types, strict=True):
        offerings.setdefault(zone_id, set()).add(instance_type)
    usable, skipped = usable_zones(found.names, found.zone_ids, offerings, instance_types)
    if len(usable) < count:
        passed_over = f"; passed over: {'; '.join(skipped)}" if skipped else ""
        raise pulumi.RunError(
            f"runmcp-gateway:cluster.eks.network.availabilityZones is {count}, but the region has "
            f"{len(usable)} usable zones ({', '.join(z.name for z in usable) or 'none'}){passed_over}; "
            "lower it, or choose node instance types every zone offers"
        )
    return usable[:count]


class Network(pulumi.ComponentResource):
    """The subnets nodes and load balancers use: made here, or an existing VPC's."""

    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The made subnets' ids; or an existing VPC's, each (or the whole list) possibly an Output."""
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    nat_gateway_count: int
    zone_names: list[str]
    """The zones of the made subnets, in order (empty for an existing VPC)."""
    private_subnets: list[aws.ec2.Subnet]
    """The made private subnets, one per zone in ``zone_names``' order (empty for an existing VPC)."""
    ready: list[pulumi.Resource]
    """What must exist before anything in the private subnets can reach out (NAT gateways, routes):
    nodes joining, Pod Identity, the controllers calling AWS. Depending on it also keeps them from
    being torn down before what uses them on destroy."""

    def __init__(
        self,
        name: str,
        settings: NetworkSettings | Mapping[str, Any],
        tags: dict[str, str],
        instance_types: Sequence[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check = ArgsCheck("runmcp:index:Network", name)
        check.value(list[InstanceTypeName], list(instance_types), "instanceTypes")
        settings = check.settings(NetworkSettings, settings)
        super().__init__("runmcp:index:Network", name, None, opts)
        existing = settings.existing
        if existing is not None:
            self.vpc_id = pulumi.Output.from_input(existing.vpc_id)
            self.private_subnet_ids = existing.private_subnet_ids
            self.public_subnet_ids = existing.public_subnet_ids
            self.nat_gateway_count = 0
            self.zone_names, self.private_subnets = [], []
            self.ready = []
        else:
            self._create(name, settings, tags, instance_types)
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "privateSubnetIds": self.private_subnet_ids,
                "publicSubnetIds": self.public_subnet_ids,
            }
        )

    def _create(
        self, name: str, settings: NetworkSettings, tags: dict[str, str], instance_types: Sequence[str]
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        plan = subnet_plan(settings.cidr, choose_zones(settings.availability_zones, instance_types, self))
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=settings.cidr,
            # A private cluster endpoint resolves only with both on.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={**tags, "Name": f"{name}-vpc"},
            opts=child,
        )
        # The default security group admits all traffic between its members; empty it so nothing
        # relies on it by accident.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, tags=tags, opts=child)
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags, opts=child)
        public_routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags={**tags, "Name": f"{name}-public"},
            opts=child,
        )
        public_subnets: list[aws.ec2.Subnet] = []
        private_subnets: list[aws.ec2.Subnet] = []
        for zone in plan:
            suffix = zone.zone.letter
            public = aws.ec2.Subnet(
                f"{name}-public-{suffix}",
                vpc_id=vpc.id,
                availability_zone_id=zone.zone.zone_id,
                cidr_block=zone.public_cidr,
                # Load balancers get public addresses themselves; instances here never should.
                map_public_ip_on_launch=False,
                tags={**tags, **ELB_ROLE_TAG, "Name": f"{name}-public-{zone.zone.name}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{suffix}", subnet_id=public.id, route_table_id=public_routes.id, opts=child
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{suffix}",
                vpc_id=vpc.id,
                availability_zone_id=zone.zone.zone_id,
                cidr_block=zone.private_cidr,
                tags={**tags, **INTERNAL_ELB_ROLE_TAG, "Name": f"{name}-private-{zone.zone.name}"},
                opts=child,
            )
            public_subnets.append(public)
            private_subnets.append(private)

        nat_count = len(plan) if settings.nat_gateways == "perZone" else 1
        nats: list[aws.ec2.NatGateway] = []
        for i in range(nat_count):
            suffix = plan[i].zone.letter
            address = aws.ec2.Eip(f"{name}-nat-{suffix}", domain="vpc", tags=tags, opts=child)
            nats.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{suffix}",
                    allocation_id=address.allocation_id,
                    subnet_id=public_subnets[i].id,
                    tags={**tags, "Name": f"{name}-nat-{plan[i].zone.name}"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
                )
            )
        ready: list[pulumi.Resource] = []
        for i, (zone, subnet) in enumerate(zip(plan, private_subnets, strict=True)):
            suffix = zone.zone.letter
            # Each zone leaves through its own NAT gateway when there is one per zone.
            nat = nats[i] if settings.nat_gateways == "perZone" else nats[0]
            routes = aws.ec2.RouteTable(
                f"{name}-private-{suffix}",
                vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
                tags={**tags, "Name": f"{name}-private-{zone.zone.name}"},
                opts=child,
            )
            ready.append(
                aws.ec2.RouteTableAssociation(
                    f"{name}-private-{suffix}", subnet_id=subnet.id, route_table_id=routes.id, opts=child
                )
            )

        self.vpc_id = vpc.id
        self.private_subnet_ids = [s.id for s in private_subnets]
        self.public_subnet_ids = [s.id for s in public_subnets]
        self.nat_gateway_count = nat_count
        self.zone_names = [zone.zone.name for zone in plan]
        self.private_subnets = private_subnets
        self.ready = [*nats, *ready]
