"""fairdebt.web."""
