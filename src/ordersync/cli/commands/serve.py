"""``ordersync serve``: the HTTP API, for as many worker processes as asked."""

from __future__ import annotations

from ordersync.cli.common import DEFAULT_PORT, Subcommands, serve_api


def add_commands(commands: Subcommands) -> None:
    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    serve.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument(
        "--no-upgrade", action="store_true", help="do not migrate the schema before serving"
    )
    serve.set_defaults(handler=serve_api)
