"""fairdebt.bench."""
