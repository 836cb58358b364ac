"""A module of the SharedLayer layer (a local folder)."""
GREETING = "from the layer"
