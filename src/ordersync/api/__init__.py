"""The HTTP API: app factory, dependencies, problem+json handlers and thin routers."""
