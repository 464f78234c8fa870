"""Where the datasite and the per-user configuration live."""

import os
from pathlib import Path

from syftapi_cli.store import Datasite


def home_dir(state_dir: str | None = None) -> Path:
    """Return the datasite folder: --state-dir, then SYFTAPI_HOME, then the user data dir."""
    if state_dir:
        return Path(state_dir).expanduser()
    if os.environ.get("SYFTAPI_HOME"):
        return Path(os.environ["SYFTAPI_HOME"]).expanduser()
    import platformdirs

    return platformdirs.user_data_path("syftapi")


def config_dir() -> Path:
    """Return the folder for session files: SYFTAPI_CONFIG_DIR or the user config dir."""
    if os.environ.get("SYFTAPI_CONFIG_DIR"):
        return Path(os.environ["SYFTAPI_CONFIG_DIR"]).expanduser()
    import platformdirs

    return platformdirs.user_config_path("syftapi")


def open_datasite(state_dir: str | None = None) -> Datasite:
    return Datasite.open(home_dir(state_dir))
