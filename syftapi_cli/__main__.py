"""Entry point for `python -m syftapi_cli`."""

from syftapi_cli.entry import main

main()
