"""The command families of ``ordersync``: one module each, each adding its commands to the parser
with ``add_commands`` and sharing only ``ordersync.cli.common``."""
