"""fairdebt.services."""
