"""runmcp-gateway components: the RunMCP gateway on Kubernetes (and, in time, AWS), per environment.

Import the pieces you need::

    from components.settings import StackSettings
    from components.platform import GatewayPlatform

Nothing here creates resources at import time.
"""
