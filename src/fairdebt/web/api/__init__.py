"""fairdebt.web.api."""
