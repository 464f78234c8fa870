"""Datasite creation, user management, password changes and password hashing."""

import base64
import json
import stat

from tests.conftest import (
    EMAILS,
    PASSWORDS,
    assert_one_line_error,
    run_syftapi,
    tree_digest,
)

NEW_EMAIL = "new@example.org"
NEW_PASSWORD = "new-user-password"
ROLES = ("admin", "data_owner", "data_scientist", "guest")


def init_datasite(cli, password=PASSWORDS["admin"], *extra):
    return cli(
        "init", "--admin-email", EMAILS["admin"], *extra, "--password-stdin",
        input=password + "\n",
    )


def register(cli, email, role, actor="admin", password=NEW_PASSWORD):
    return cli(
        "users", "register", "--email", email, "--name", "New User", "--role", role,
        "--password-stdin", input=password + "\n", role=actor,
    )


def whoami_as(cli, email, password):
    return cli(
        "whoami", "--format", "json",
        env={"SYFTAPI_USER": email, "SYFTAPI_PASSWORD": password},
    )


def user_records(home):
    return [json.loads(path.read_text()) for path in sorted((home / "users").glob("*.json"))]


def user_record(home, email):
    matches = [record for record in user_records(home) if record["email"] == email]
    assert len(matches) == 1, matches
    return matches[0]


def listed_roles(cli):
    listed = cli("users", "list", "--format", "json", role="admin")
    assert listed.exit_code == 0, listed.stderr
    return {user["email"]: user["role"] for user in json.loads(listed.stdout)}


# init


def test_init_creates_private_datasite(cli, isolated_home):
    result = init_datasite(cli)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(isolated_home.stat().st_mode) == 0o700
    entries = list(isolated_home.rglob("*"))
    folders = [p for p in entries if p.is_dir()]
    files = [p for p in entries if p.is_file()]
    assert folders
    assert files
    open_folders = [p for p in folders if stat.S_IMODE(p.stat().st_mode) != 0o700]
    assert open_folders == []
    open_files = [p for p in files if stat.S_IMODE(p.stat().st_mode) != 0o600]
    assert open_files == []


def test_init_logs_admin_in(cli, isolated_home):
    assert init_datasite(cli).exit_code == 0
    result = cli("whoami", "--format", "json")
    assert result.exit_code == 0, result.stderr
    identity = json.loads(result.stdout)
    assert identity["email"] == EMAILS["admin"]
    assert identity["role"] == "admin"


def test_init_twice_is_usage_error(cli, isolated_home, tmp_path):
    assert init_datasite(cli).exit_code == 0
    before = tree_digest(tmp_path)
    result = init_datasite(cli)
    assert_one_line_error(result, 2)
    assert tree_digest(tmp_path) == before


def test_init_without_terminal_rejected(cli, isolated_home):
    result = cli("init", "--admin-email", EMAILS["admin"])
    assert_one_line_error(result, 2)
    assert "--password-stdin" in result.stderr
    assert not isolated_home.exists()


def test_init_empty_stdin_rejected(cli, isolated_home):
    result = init_datasite(cli, "")
    assert_one_line_error(result, 2)
    assert not isolated_home.exists()


def test_init_short_password_rejected(cli, isolated_home):
    result = init_datasite(cli, "short")
    assert_one_line_error(result, 2)
    assert not isolated_home.exists()


def test_init_invalid_email_rejected(cli, isolated_home):
    result = cli("init", "--admin-email", "not-an-email", "--password-stdin", input="long-password\n")
    assert_one_line_error(result, 2)
    assert not isolated_home.exists()


def test_init_state_dir_option(cli, isolated_home, tmp_path):
    other = tmp_path / "other"
    result = cli(
        "--state-dir", other, "init", "--admin-email", EMAILS["admin"], "--password-stdin",
        input=PASSWORDS["admin"] + "\n",
    )
    assert result.exit_code == 0, result.stderr
    assert (other / "datasite.json").is_file()
    assert not isolated_home.exists()


def test_init_subprocess_then_whoami(isolated_home):
    created = run_syftapi(
        "init", "--admin-email", EMAILS["admin"], "--password-stdin",
        input=PASSWORDS["admin"] + "\n",
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout == ""
    identity = run_syftapi("whoami", "--format", "json", input="")
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["email"] == EMAILS["admin"]


def test_init_subprocess_without_terminal(isolated_home):
    # An empty pipe as stdin keeps the child process off any terminal, so it cannot prompt.
    result = run_syftapi("init", "--admin-email", EMAILS["admin"], input="")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not isolated_home.exists()


def test_missing_datasite_names_init(cli, isolated_home):
    result = cli("whoami")
    assert_one_line_error(result, 4)
    assert "syftapi init" in result.stderr


# No password on the command line

PASSWORD_COMMANDS = [
    ["init", "--admin-email", EMAILS["admin"]],
    ["login", EMAILS["admin"]],
    ["users", "register", "--email", NEW_EMAIL, "--name", "New User"],
    ["users", "set-password", EMAILS["guest"]],
    ["account", "set-password"],
]


def test_password_option_rejected(cli, site):
    before = tree_digest(site)
    for command in PASSWORD_COMMANDS:
        result = cli(*command, "--password", "long-enough-password", role="admin")
        assert result.exit_code == 2, command
        assert_one_line_error(result, 2)
    assert tree_digest(site) == before


# users register


def test_register_admin_any_role(cli, site):
    for role in ROLES:
        result = register(cli, f"new-{role}@example.org", role)
        assert result.exit_code == 0, result.stderr
    roles = listed_roles(cli)
    for role in ROLES:
        assert roles[f"new-{role}@example.org"] == role


def test_register_default_role_scientist(cli, site):
    result = cli(
        "users", "register", "--email", NEW_EMAIL, "--name", "New User", "--password-stdin",
        input=NEW_PASSWORD + "\n", role="admin",
    )
    assert result.exit_code == 0, result.stderr
    assert listed_roles(cli)[NEW_EMAIL] == "data_scientist"


def test_register_owner_grants_lower_roles(cli, site):
    for role in ("data_scientist", "guest"):
        result = register(cli, f"new-{role}@example.org", role, actor="data_owner")
        assert result.exit_code == 0, result.stderr
    roles = listed_roles(cli)
    assert roles["new-data_scientist@example.org"] == "data_scientist"
    assert roles["new-guest@example.org"] == "guest"


def test_registered_user_can_login(cli, site):
    assert register(cli, NEW_EMAIL, "guest").exit_code == 0
    result = cli("login", NEW_EMAIL, "--password-stdin", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.stderr
    identity = cli("whoami", "--format", "json")
    assert json.loads(identity.stdout)["email"] == NEW_EMAIL


def test_register_duplicate_email(cli, site):
    before = tree_digest(site)
    # Emails compare after trimming spaces and lowercasing.
    for email in [EMAILS["data_scientist"], EMAILS["data_scientist"].upper(), f" {EMAILS['guest']} "]:
        result = register(cli, email, "guest")
        assert result.exit_code == 2, email
        assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_register_invalid_email(cli, site):
    before = tree_digest(site)
    for email in ["not-an-email", "two@@example.org", "a b@example.org", "", "@example.org"]:
        result = register(cli, email, "guest")
        assert result.exit_code == 2, email
        assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_register_invalid_role(cli, site):
    before = tree_digest(site)
    for role in ["superuser", "Admin", "data-owner", ""]:
        result = register(cli, NEW_EMAIL, role)
        assert result.exit_code == 2, role
        assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_register_invalid_name(cli, site):
    before = tree_digest(site)
    for name in ["", "   ", "tab\tname"]:
        result = cli(
            "users", "register", "--email", NEW_EMAIL, "--name", name, "--password-stdin",
            input=NEW_PASSWORD + "\n", role="admin",
        )
        assert result.exit_code == 2, repr(name)
        assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_register_short_password(cli, site):
    before = tree_digest(site)
    result = register(cli, NEW_EMAIL, "guest", password="1234567")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_register_eight_character_password(cli, site):
    result = register(cli, NEW_EMAIL, "guest", password="12345678")
    assert result.exit_code == 0, result.stderr


def test_register_without_terminal_rejected(cli, site):
    before = tree_digest(site)
    result = cli(
        "users", "register", "--email", NEW_EMAIL, "--name", "New User", role="admin"
    )
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


# users list


def test_users_list_json_shape(cli, site):
    result = cli("users", "list", "--format", "json", role="admin")
    assert result.exit_code == 0, result.stderr
    users = json.loads(result.stdout)
    assert {user["email"] for user in users} == set(EMAILS.values())
    for user in users:
        assert set(user) == {"email", "name", "role"}
    assert {user["email"]: user["role"] for user in users} == {
        email: role for role, email in EMAILS.items()
    }


def test_users_list_hides_hashes(cli, site):
    for fmt in ("table", "json", "csv"):
        result = cli("users", "list", "--format", fmt, role="admin")
        assert result.exit_code == 0, result.stderr
        assert "scrypt" not in result.stdout, fmt
        assert "password" not in result.stdout, fmt


# users set-role


def test_set_role_changes_identity(cli, site):
    result = cli("users", "set-role", EMAILS["data_scientist"], "data_owner", role="admin")
    assert result.exit_code == 0, result.stderr
    identity = cli("whoami", "--format", "json", role="data_scientist")
    assert json.loads(identity.stdout)["role"] == "data_owner"


def test_set_role_owner_grants_scientist(cli, site):
    result = cli("users", "set-role", EMAILS["guest"], "data_scientist", role="data_owner")
    assert result.exit_code == 0, result.stderr
    assert listed_roles(cli)[EMAILS["guest"]] == "data_scientist"


def test_set_role_unknown_user(cli, site):
    before = tree_digest(site)
    result = cli("users", "set-role", "nobody@example.org", "guest", role="admin")
    assert_one_line_error(result, 4)
    assert tree_digest(site) == before


def test_set_role_invalid_role(cli, site):
    before = tree_digest(site)
    result = cli("users", "set-role", EMAILS["guest"], "root", role="admin")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_last_admin_demotion_rejected(cli, site):
    before = tree_digest(site)
    for role in ("data_owner", "data_scientist", "guest"):
        result = cli("users", "set-role", EMAILS["admin"], role, role="admin")
        assert result.exit_code == 2, role
        assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_second_admin_allows_demotion(cli, site):
    promoted = cli("users", "set-role", EMAILS["data_owner"], "admin", role="admin")
    assert promoted.exit_code == 0, promoted.stderr
    demoted = cli("users", "set-role", EMAILS["admin"], "data_owner", role="data_owner")
    assert demoted.exit_code == 0, demoted.stderr
    assert listed_roles(cli)[EMAILS["admin"]] == "data_owner"
    again = cli("users", "set-role", EMAILS["data_owner"], "guest", role="data_owner")
    assert_one_line_error(again, 2)


# users delete


def test_delete_user_removes_record(cli, site):
    result = cli("users", "delete", EMAILS["data_scientist"], "--yes", role="admin")
    assert result.exit_code == 0, result.stderr
    assert EMAILS["data_scientist"] not in listed_roles(cli)
    emails = [record["email"] for record in user_records(site)]
    assert EMAILS["data_scientist"] not in emails


def test_delete_user_needs_yes(cli, site):
    before = tree_digest(site)
    result = cli("users", "delete", EMAILS["data_scientist"], role="admin")
    assert_one_line_error(result, 2)
    assert "--yes" in result.stderr
    assert tree_digest(site) == before


def test_delete_unknown_user(cli, site):
    before = tree_digest(site)
    result = cli("users", "delete", "nobody@example.org", "--yes", role="admin")
    assert_one_line_error(result, 4)
    assert tree_digest(site) == before


def test_delete_last_admin_rejected(cli, site):
    before = tree_digest(site)
    result = cli("users", "delete", EMAILS["admin"], "--yes", role="admin")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_delete_second_admin_allowed(cli, site):
    assert register(cli, NEW_EMAIL, "admin").exit_code == 0
    result = cli("users", "delete", EMAILS["admin"], "--yes", role="admin")
    assert result.exit_code == 0, result.stderr
    assert EMAILS["admin"] not in [record["email"] for record in user_records(site)]


# users set-password and account set-password


def test_admin_resets_password(cli, site):
    email = EMAILS["data_scientist"]
    result = cli("users", "set-password", email, "--password-stdin", input=NEW_PASSWORD + "\n", role="admin")
    assert result.exit_code == 0, result.stderr
    assert whoami_as(cli, email, NEW_PASSWORD).exit_code == 0
    assert_one_line_error(whoami_as(cli, email, PASSWORDS["data_scientist"]), 3)


def test_reset_password_unknown_user(cli, site):
    before = tree_digest(site)
    result = cli(
        "users", "set-password", "nobody@example.org", "--password-stdin",
        input=NEW_PASSWORD + "\n", role="admin",
    )
    assert_one_line_error(result, 4)
    assert tree_digest(site) == before


def test_reset_password_too_short(cli, site):
    before = tree_digest(site)
    result = cli(
        "users", "set-password", EMAILS["guest"], "--password-stdin", input="short\n", role="admin"
    )
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_account_password_change(cli, site):
    for role in ROLES:
        changed = cli("account", "set-password", "--password-stdin", input=NEW_PASSWORD + "\n", role=role)
        assert changed.exit_code == 0, changed.stderr
        assert whoami_as(cli, EMAILS[role], NEW_PASSWORD).exit_code == 0, role
        assert_one_line_error(whoami_as(cli, EMAILS[role], PASSWORDS[role]), 3)


def test_account_password_too_short(cli, site):
    before = tree_digest(site)
    result = cli("account", "set-password", "--password-stdin", input="short\n", role="guest")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_account_password_without_terminal(cli, site):
    before = tree_digest(site)
    result = cli("account", "set-password", role="guest")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


# Password hashing


def test_stored_hashes_are_scrypt(cli, site):
    records = user_records(site)
    assert len(records) == 4
    for record in records:
        assert record["password_hash"].startswith("scrypt$")


def test_no_plaintext_password_stored(cli, site, tmp_path):
    changed = cli("account", "set-password", "--password-stdin", input=NEW_PASSWORD + "\n", role="guest")
    assert changed.exit_code == 0, changed.stderr
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert files
    for password in [*PASSWORDS.values(), NEW_PASSWORD]:
        leaks = [path for path in files if password.encode() in path.read_bytes()]
        assert leaks == [], password


def test_production_hash_cost(cli, isolated_home, monkeypatch):
    monkeypatch.delenv("SYFTAPI_INSECURE_FAST_HASH")
    assert init_datasite(cli).exit_code == 0
    scheme, n, r, p, salt, digest = user_record(isolated_home, EMAILS["admin"])["password_hash"].split("$")
    assert scheme == "scrypt"
    assert int(n) == 131072
    assert int(r) == 8
    assert int(p) == 1
    assert len(base64.b64decode(salt)) >= 16
    assert len(base64.b64decode(digest)) >= 32

    good = cli("login", EMAILS["admin"], "--password-stdin", input=PASSWORDS["admin"] + "\n")
    assert good.exit_code == 0, good.stderr
    bad = cli("login", EMAILS["admin"], "--password-stdin", input="wrong-password\n")
    assert_one_line_error(bad, 3)


def test_hashes_use_distinct_salts(cli, site):
    assert register(cli, NEW_EMAIL, "guest", password=PASSWORDS["guest"]).exit_code == 0
    first = user_record(site, EMAILS["guest"])["password_hash"]
    second = user_record(site, NEW_EMAIL)["password_hash"]
    assert first != second


def test_verify_uses_stored_cost(cli, site, monkeypatch):
    # The site fixture hashed with the fast test cost, and verification must
    # read that cost from the stored hash instead of the current setting.
    monkeypatch.delenv("SYFTAPI_INSECURE_FAST_HASH")
    result = whoami_as(cli, EMAILS["guest"], PASSWORDS["guest"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["role"] == "guest"


def test_register_long_password_rejected(cli, site):
    before = tree_digest(site)
    result = cli(
        "users", "register", "--email", "long@example.org", "--name", "Long",
        "--password-stdin", input="x" * 1025 + "\n", role="admin",
    )
    assert_one_line_error(result, 2)
    assert "at most 1024 characters" in result.stderr
    assert tree_digest(site) == before


def test_empty_state_dir_rejected(cli, site):
    before = tree_digest(site)
    result = cli("--state-dir", "", "whoami", role="admin")
    assert_one_line_error(result, 2)
    assert "--state-dir" in result.stderr
    assert tree_digest(site) == before
