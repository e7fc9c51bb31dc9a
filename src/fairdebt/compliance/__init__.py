"""fairdebt.compliance."""
