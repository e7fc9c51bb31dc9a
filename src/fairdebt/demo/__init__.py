"""fairdebt.demo."""
