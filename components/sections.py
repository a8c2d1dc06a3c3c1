"""The types a component's settings sections take, defined once for every component.

In Python a section is a settings model or its typed args (TypedDict), so a program may hand over
what ``load_settings`` returned or write the keys itself. Pulumi's component analyzer takes no
unions, so at run time, where it reads the annotations (components/package_schema.py), each alias
is the typed args alone: the package schema, and so every other language, sees one object type.

No ``from __future__ import annotations`` here or in the components: the analyzer reads their
annotations as real types.
"""

from typing import TYPE_CHECKING, TypeAlias

from .args import (
    AlarmSettingsArgs,
    ClusterSettingsArgs,
    ControllerSettingsArgs,
    GatewaySettingsArgs,
    KedaSettingsArgs,
    LoadBalancerSettingsArgs,
    ScalingSettingsArgs,
    SessionStoreSettingsArgs,
)

if TYPE_CHECKING:
    from .settings import (
        AlarmSettings,
        ClusterSettings,
        ControllerSettings,
        ExistingStoreSettings,
        GatewaySettings,
        KedaSettings,
        LoadBalancerSettings,
        ScalingSettings,
        ValkeyStoreSettings,
    )

    AlarmSection: TypeAlias = AlarmSettings | AlarmSettingsArgs
    ClusterSection: TypeAlias = ClusterSettings | ClusterSettingsArgs
    ControllerSection: TypeAlias = ControllerSettings | ControllerSettingsArgs
    GatewaySection: TypeAlias = GatewaySettings | GatewaySettingsArgs
    KedaSection: TypeAlias = KedaSettings | KedaSettingsArgs
    LoadBalancerSection: TypeAlias = LoadBalancerSettings | LoadBalancerSettingsArgs
    ScalingSection: TypeAlias = ScalingSettings | ScalingSettingsArgs
    SessionStoreSection: TypeAlias = ValkeyStoreSettings | ExistingStoreSettings | SessionStoreSettingsArgs
else:
    AlarmSection = AlarmSettingsArgs
    ClusterSection = ClusterSettingsArgs
    ControllerSection = ControllerSettingsArgs
    GatewaySection = GatewaySettingsArgs
    KedaSection = KedaSettingsArgs
    LoadBalancerSection = LoadBalancerSettingsArgs
    ScalingSection = ScalingSettingsArgs
    SessionStoreSection = SessionStoreSettingsArgs
