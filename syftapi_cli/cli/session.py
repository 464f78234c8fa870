"""Commands that create a datasite and establish who the caller is."""

from typing import Annotated, Optional

import typer

from syftapi_cli.cli import core
from syftapi_cli.cli.output import FormatOption, OutputFormat, print_object


def init(
    admin_email: Annotated[str, typer.Option("--admin-email", help="Email of the first admin.")],
    name: Annotated[str, typer.Option("--name", help="Name of the datasite.")] = "syftapi datasite",
    admin_name: Annotated[str, typer.Option("--admin-name", help="Display name of the admin.")] = "Admin",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the admin password from stdin.")
    ] = False,
) -> None:
    """Create a datasite and its first admin, then log the admin in."""
    from syftapi_cli.services import auth
    from syftapi_cli.services.locations import config_dir, home_dir
    from syftapi_cli.store import Datasite

    email = auth.validate_email(admin_email)
    admin_name = auth.validate_name(admin_name)
    root = home_dir(core.options.state_dir)
    if (root / "datasite.json").exists():
        Datasite.open(root)  # checks it is usable before reporting it exists
    password = core.read_password(password_stdin, confirm_twice=True)
    from syftapi_cli.services import passwords

    passwords.check_strength(password)
    site = Datasite.create(root, auth.validate_name(name))
    auth.create_first_admin(site, email, admin_name, password)
    auth.login(site, config_dir(), email, password)
    core.note(f"created datasite {name!r} at {root}; logged in as {email} (admin)")


def login(
    email: Annotated[Optional[str], typer.Argument(help="Your email; prompted for when omitted.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Check your password once and keep a session for later commands."""
    from syftapi_cli.services import auth
    from syftapi_cli.services.locations import config_dir

    site = core.datasite()
    if email is None:
        if not core.is_interactive():
            raise typer.BadParameter("give EMAIL when not on a terminal")
        email = typer.prompt("Email", err=True)
    password = core.read_password(password_stdin)
    identity = auth.login(site, config_dir(), email, password)
    core.note(f"logged in as {identity.email} ({identity.role})")


def logout() -> None:
    """Forget and revoke this datasite's session."""
    from syftapi_cli.services import auth
    from syftapi_cli.services.locations import config_dir

    if auth.logout(core.datasite(), config_dir()):
        core.note("logged out")
    else:
        core.note("not logged in")


def whoami(fmt: FormatOption = OutputFormat.table) -> None:
    """Show the user that commands act as."""
    site, identity = core.login_context()
    print_object({**identity.as_dict(), "datasite": site.info["name"]}, fmt)
