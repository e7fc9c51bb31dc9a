"""fairdebt.web.pages."""
