"""fairdebt.adapters.db."""
