"""fairdebt.adapters."""
