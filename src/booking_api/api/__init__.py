"""HTTP layer: dependencies, the generic DRF-style resource, and the routers."""
