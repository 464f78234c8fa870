"""Exception types of the click layer Typer uses (vendored as `typer._click` since 0.27)."""

from typer import Abort, Exit
from typer._click.exceptions import ClickException, NoArgsIsHelpError

__all__ = ["Abort", "ClickException", "Exit", "NoArgsIsHelpError"]
