"""The offline plan: the real program under Pulumi's mock runtime, with answers like the cloud's,
validated and reported without credentials, the Pulumi CLI or provider plugins."""
