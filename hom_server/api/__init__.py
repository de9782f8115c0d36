"""HTTP: dependencies, error mapping and the routes (one module per domain)."""
