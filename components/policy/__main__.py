"""The policy pack: `pulumi preview --policy-pack components/policy [--policy-pack-config policy/config/<stack>.json]`.

Only builds the pack, which starts the analyzer server Pulumi talks to. The rules live in rules.py,
where the tests and the offline plan import them.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pulumi_policy import PolicyPack
from rules import PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, policies=POLICIES)
