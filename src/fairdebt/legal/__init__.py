"""fairdebt.legal."""
