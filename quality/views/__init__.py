"""Pages of the quality app, one module per part."""
