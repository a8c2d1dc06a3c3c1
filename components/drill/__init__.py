"""`runmcp-infra drill STACK`: the staging drills (scale-out under load, pod, node and zone loss) run
against a real account through AWS FIS and judged on CloudWatch metrics.

Tooling, not part of the runtime package: it needs the `drill` extra (boto3), which its modules
import only where they make an AWS client, so importing this package costs nothing.
"""
