"""The command-line interface: Typer commands over the services, kept thin."""
