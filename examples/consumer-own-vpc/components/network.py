"""This project's network: a VPC with a public and a private subnet in each of two zones, one NAT
gateway, and the certificate of the gateway's domain, validated through DNS."""

import ipaddress

import pulumi
import pulumi_aws as aws

ZONES = 2


class Network(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        cidr: str,
        domain: str,
        hosted_zone_id: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mcp-edge:index:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Zone IDs name the same zones in every account (zone names are shuffled per account).
        zone_ids = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOptions(parent=self)).zone_ids
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc", cidr_block=cidr, enable_dns_hostnames=True, enable_dns_support=True, opts=child
        )
        ranges = list(ipaddress.ip_network(cidr).subnets(new_prefix=20))
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, opts=child)
        public_routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            opts=child,
        )
        self.public_subnets: list[aws.ec2.Subnet] = []
        self.private_subnets: list[aws.ec2.Subnet] = []
        for zone in range(ZONES):
            zone_id = zone_ids.apply(lambda ids, zone=zone: ids[zone])
            public = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=str(ranges[ZONES + zone]),
                availability_zone_id=zone_id,
                map_public_ip_on_launch=False,
                tags={"kubernetes.io/role/elb": "1"},  # where the load balancer controller finds them
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}", subnet_id=public.id, route_table_id=public_routes.id, opts=child
            )
            self.public_subnets.append(public)
            self.private_subnets.append(
                aws.ec2.Subnet(
                    f"{name}-private-{zone}",
                    vpc_id=self.vpc.id,
                    cidr_block=str(ranges[zone]),
                    availability_zone_id=zone_id,
                    tags={"kubernetes.io/role/internal-elb": "1"},
                    opts=child,
                )
            )
        address = aws.ec2.Eip(f"{name}-nat", domain="vpc", opts=child)
        nat = aws.ec2.NatGateway(
            f"{name}-nat", subnet_id=self.public_subnets[0].id, allocation_id=address.id, opts=child
        )
        private_routes = aws.ec2.RouteTable(
            f"{name}-private",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
            opts=child,
        )
        for zone, subnet in enumerate(self.private_subnets):
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}", subnet_id=subnet.id, route_table_id=private_routes.id, opts=child
            )

        certificate = aws.acm.Certificate(f"{name}-cert", domain_name=domain, validation_method="DNS", opts=child)
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{name}-cert-validation",
            zone_id=hosted_zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=60,
            opts=child,
        )
        self.certificate_arn: pulumi.Output[str] = aws.acm.CertificateValidation(
            f"{name}-cert", certificate_arn=certificate.arn, validation_record_fqdns=[record.fqdn], opts=child
        ).certificate_arn
        self.register_outputs({"vpcId": self.vpc.id, "certificateArn": self.certificate_arn})
