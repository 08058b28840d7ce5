"""Routers: each parses, authorises through the services, and hands work to the writer."""
