"""Serves the public components to Pulumi programs in any language.

The schema it serves is committed as provider/schema.json; `make provider-schema` regenerates it
and a test fails while it differs, so a change to the public interface shows in review. It is the
analyzer's schema completed from the settings model (runmcp_gateway/package_schema.py), so the host
is the analyzer's ComponentProvider with that schema (what component_provider_host would start).
"""

import sys

from pulumi.provider import main
from runmcp_gateway.package_schema import PackageProvider

if __name__ == "__main__":
    main(PackageProvider(), sys.argv[1:])
