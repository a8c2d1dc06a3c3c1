"""Serves the public components to Pulumi programs in any language (component_provider_host).

The schema it serves is committed as provider/schema.json; `make provider-schema` regenerates it
and a test fails while it differs, so a change to the public interface shows in review.
"""

from pulumi.provider.experimental import component_provider_host
from runmcp_gateway import PACKAGE_NAME, __version__
from runmcp_gateway.package_schema import PUBLIC_COMPONENTS

if __name__ == "__main__":
    component_provider_host(PUBLIC_COMPONENTS, name=PACKAGE_NAME, version=__version__)
