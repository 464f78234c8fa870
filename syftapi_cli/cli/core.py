"""What every command shares: global options, errors, identity, prompts."""

import os
import sys
import traceback
from pathlib import Path

import typer
from typer.core import TyperGroup

from syftapi_cli.cli.visible import visible
from syftapi_cli._click_compat import Abort, ClickException, Exit, NoArgsIsHelpError
from syftapi_cli.errors import ConfirmationRequired, SyftapiError, UsageError


class Options:
    """Global options of the current invocation, set by the root callback."""

    state_dir: str | None = None
    debug: bool = False


options = Options()


def debug_enabled() -> bool:
    return options.debug or os.environ.get("SYFTAPI_DEBUG") == "1"


# Error messages quote the input they reject, which may be megabytes long.
MAX_ERROR_CHARS = 2000


def error_line(message: str) -> None:
    text = " ".join(visible(str(message)).split("\n")).strip()
    if len(text) > MAX_ERROR_CHARS:
        text = f"{text[:MAX_ERROR_CHARS]}... [{len(text) - MAX_ERROR_CHARS} more characters]"
    sys.stderr.write(f"error: {text}\n")
    sys.stderr.flush()


def note(message: str) -> None:
    sys.stderr.write(f"{visible(message)}\n")
    sys.stderr.flush()


class SyftapiGroup(TyperGroup):
    """Root command that turns every error into one line and an exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        # Python decodes argv bytes that are not UTF-8 to lone surrogates, which
        # would be stored in records and break every later command that prints them.
        for argument in sys.argv[1:] if args is None else args:
            try:
                str(argument).encode("utf-8")
            except UnicodeEncodeError:
                error_line(f"invalid argument {ascii(argument)}: not valid UTF-8")
                sys.exit(2)
        try:
            result = super().main(
                args=args,
                prog_name=prog_name or "syftapi",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except NoArgsIsHelpError as error:
            sys.stdout.write(error.ctx.get_help() + "\n")
            sys.exit(0)
        except ClickException as error:
            hint = ""
            context = getattr(error, "ctx", None)
            if context is not None:
                hint = f" (see '{context.command_path} --help')"
            error_line(error.format_message() + hint)
            sys.exit(error.exit_code)
        except Abort:
            error_line("aborted")
            sys.exit(1)
        except Exit as error:
            sys.exit(error.exit_code)
        if isinstance(result, int):
            sys.exit(result)
        sys.exit(0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SyftapiError as error:
            _audit_refusal(error)
            if debug_enabled():
                traceback.print_exc(file=sys.stderr)
            details = getattr(error, "details", None)
            if details:
                details = visible(details)
                sys.stderr.write(details if details.endswith("\n") else details + "\n")
            error_line(str(error))
            raise Exit(error.exit_code) from None
        except (ClickException, Exit, Abort):
            raise
        except KeyboardInterrupt:
            error_line("interrupted")
            raise Exit(130) from None
        except Exception as error:
            if debug_enabled():
                traceback.print_exc(file=sys.stderr)
            error_line(
                f"internal error: {type(error).__name__}: {error}; rerun with --debug "
                "for the traceback"
            )
            raise Exit(1) from None


def _audit_refusal(error: SyftapiError) -> None:
    """Record a refused permission in the audit log; never fail the command over it."""
    actor = getattr(error, "actor", None)
    if actor is None:
        return
    try:
        from syftapi_cli.services import audit

        audit.record(datasite(), actor, getattr(error, "action", "an action"), "", "denied")
    except (SyftapiError, OSError):
        pass


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def confirm(question: str, yes: bool) -> None:
    """Ask QUESTION on a terminal unless YES; without a terminal, require --yes."""
    if yes:
        return
    if not is_interactive():
        raise ConfirmationRequired(f"{question.rstrip('?')}: pass --yes to confirm")
    if not typer.confirm(question, default=False, err=True):
        raise Abort()


def _decode_input(data: bytes, input_name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"invalid {input_name}: not valid UTF-8 (byte {error.start})") from None


def read_text_input(source: str, option: str) -> str:
    """Read the UTF-8 text of file SOURCE, or of stdin when SOURCE is '-', for OPTION."""
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {option} {source!r}: {error.strerror}") from None
    return _decode_input(data, f"{option} {source!r}")


def read_password(from_stdin: bool, confirm_twice: bool = False) -> str:
    """Read a password from stdin (--password-stdin) or a terminal prompt."""
    if from_stdin:
        line = sys.stdin.buffer.readline()
        password = _decode_input(line, "password on stdin").rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: no password on stdin")
        return password
    if not is_interactive():
        raise UsageError(
            "no terminal to prompt for the password; pipe it in with --password-stdin"
        )
    import getpass

    password = getpass.getpass("Password: ")
    if confirm_twice and getpass.getpass("Repeat password: ") != password:
        raise UsageError("the passwords do not match")
    return password


def datasite():
    from syftapi_cli.services.locations import open_datasite

    return open_datasite(options.state_dir)


def login_context():
    """Return the datasite and the calling user's identity."""
    from syftapi_cli.services import auth
    from syftapi_cli.services.locations import config_dir

    site = datasite()
    return site, auth.authenticate(site, config_dir())
