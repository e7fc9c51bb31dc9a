"""fairdebt.strategy."""
