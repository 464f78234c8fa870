"""`syftapi users` and `syftapi account`: managing users and one's own password."""

from typing import Annotated

import typer

from syftapi_cli.cli import core
from syftapi_cli.cli.output import FormatOption, OutputFormat, YesOption, print_rows

users_app = typer.Typer(help="Register, list and manage users.", no_args_is_help=True)
account_app = typer.Typer(help="Manage your own account.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin.")
]


@users_app.command("register")
def register(
    email: Annotated[str, typer.Option("--email", help="The new user's email.")],
    name: Annotated[str, typer.Option("--name", help="The new user's display name.")],
    role: Annotated[
        str, typer.Option("--role", help="admin, data_owner, data_scientist or guest.")
    ] = "data_scientist",
    password_stdin: PasswordStdin = False,
) -> None:
    """Register a user (admins: any role; data owners: up to data_scientist)."""
    from syftapi_cli.services import auth
    from syftapi_cli.services.roles import require_owner, validate_role

    site, actor = core.login_context()
    require_owner(actor, "registering users")
    validate_role(role)
    auth.validate_email(email)
    password = core.read_password(password_stdin, confirm_twice=True)
    user = auth.register_user(site, actor, email, name, role, password)
    core.note(f"registered {user.email} as {user.role}")


@users_app.command("list")
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    """List the datasite's users."""
    from syftapi_cli.services import auth

    site, actor = core.login_context()
    print_rows(auth.list_users(site, actor), ["email", "name", "role"], fmt)


@users_app.command("set-role")
def set_role(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    role: Annotated[str, typer.Argument(help="admin, data_owner, data_scientist or guest.")],
) -> None:
    """Change a user's role."""
    from syftapi_cli.services import auth

    site, actor = core.login_context()
    user = auth.set_role(site, actor, email, role)
    core.note(f"{user.email} is now {user.role}")


@users_app.command("delete")
def delete(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    yes: YesOption = False,
) -> None:
    """Delete a user and revoke their tokens (admins only)."""
    from syftapi_cli.services import auth
    from syftapi_cli.services.roles import require_admin

    site, actor = core.login_context()
    require_admin(actor, "deleting users")
    user = auth.get_user(site, email)
    core.confirm(f"delete user {user['email']}?", yes)
    auth.delete_user(site, actor, email)
    core.note(f"deleted {user['email']}")


@users_app.command("set-password")
def reset_password(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Reset another user's password (admins only)."""
    from syftapi_cli.services import auth
    from syftapi_cli.services.roles import require_admin

    site, actor = core.login_context()
    if email.strip().lower() != actor.email:
        require_admin(actor, "resetting another user's password")
    auth.get_user(site, email)
    password = core.read_password(password_stdin, confirm_twice=True)
    auth.set_password(site, actor, email, password)
    core.note(f"password of {email.strip().lower()} changed")


@account_app.command("set-password")
def set_own_password(password_stdin: PasswordStdin = False) -> None:
    """Change your own password."""
    from syftapi_cli.services import auth

    site, actor = core.login_context()
    password = core.read_password(password_stdin, confirm_twice=True)
    auth.set_password(site, actor, actor.email, password)
    core.note("password changed")
