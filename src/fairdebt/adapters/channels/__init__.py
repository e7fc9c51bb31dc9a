"""fairdebt.adapters.channels."""
