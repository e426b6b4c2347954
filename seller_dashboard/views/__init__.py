"""The seller dashboard's pages, one module per part."""
