"""This project's own building blocks (a package named like many Pulumi projects' own: it must not
collide with the runmcp_gateway package)."""
