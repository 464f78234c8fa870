"""The console entry point, with a fast path that skips loading the CLI."""

import sys


def main() -> None:
    """Run syftapi; `syftapi --version` answers before Typer is imported."""
    if sys.argv[1:] == ["--version"]:
        from syftapi_cli import __version__

        print(f"syftapi {__version__}")
        return
    from syftapi_cli.cli.app import main as run_app

    run_app()
