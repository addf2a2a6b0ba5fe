"""HTTP surface: the ASGI application served by `clubos-tickets serve`."""
