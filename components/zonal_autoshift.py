"""ARC zonal autoshift of a load balancer or an EKS cluster, with its practice runs.

With autoshift enabled, AWS starts a zonal shift itself when its telemetry shows a zone impaired,
and ends it when the zone recovers. AWS then also runs a practice shift about weekly, and enabling
autoshift needs a practice run configuration with at least one outcome alarm: the alarm that says
the practice hurt the application, which ends it early and marks it failed
(docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-autoshift.how-it-works.html,
docs.aws.amazon.com/arc-zonal-shift/latest/api/API_PracticeRunConfiguration.html). The outcome
alarms here are the gateway's availability alarms (alarms.AVAILABILITY_ALARMS).

One resource, ``aws.arczonalshift.ZonalAutoshiftConfiguration``: the practice run configuration
and the autoshift status of ``resource_arn``. Its resource ARN forces a replacement (a new load
balancer or cluster gets a new configuration; terraform-provider-aws,
internal/service/arczonalshift/zonal_autoshift_configuration.go); the alarms update in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

OUTCOME_ALARM_TYPE = "CLOUDWATCH"
"""The only control condition type ARC takes (API_ControlCondition)."""


def zonal_autoshift(
    name: str,
    resource_arn: pulumi.Input[str],
    outcome_alarm_arns: Sequence[pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> aws.arczonalshift.ZonalAutoshiftConfiguration:
    """Autoshift on for ``resource_arn`` (a load balancer or an EKS cluster that has zonal shift
    enabled), its practice runs judged by ``outcome_alarm_arns``."""
    if not outcome_alarm_arns:
        raise ValueError("zonal autoshift needs at least one outcome alarm")  # the settings refuse it first
    return aws.arczonalshift.ZonalAutoshiftConfiguration(
        name,
        resource_arn=resource_arn,
        outcome_alarms=[
            aws.arczonalshift.ZonalAutoshiftConfigurationOutcomeAlarmArgs(alarm_identifier=arn, type=OUTCOME_ALARM_TYPE)
            for arn in outcome_alarm_arns
        ],
        zonal_autoshift_status="ENABLED",
        opts=opts,
    )
