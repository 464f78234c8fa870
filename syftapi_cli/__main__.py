"""Entry point for `python -m syftapi_cli`."""

from syftapi_cli.cli.app import main

main()
