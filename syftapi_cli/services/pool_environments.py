"""Building a worker pool's virtual environment inside the datasite.

`create` makes the environment with `python -m venv`, lets it reach the
packages of the environment running syftapi through a .pth file, installs the
requirements with pip under the pool's own interpreter, and checks that the
result can run the syftapi worker.
"""

import contextlib
import fcntl
import os
import shutil
import site
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Callable

from syftapi_cli.errors import UsageError
from syftapi_cli.services import pools
from syftapi_cli.services.roles import Identity, require_owner
from syftapi_cli.store import Datasite
from syftapi_cli.store.files import make_private_dir

SHARED_PTH = "_syftapi_shared.pth"
# pip output lines worth showing as progress while it installs requirements.
_PIP_PROGRESS = ("Collecting", "Processing", "Building wheel", "Installing collected", "Successfully")

Progress = Callable[..., None]


def _shared_site_packages() -> list[str]:
    """Return the site-packages folders of the environment running syftapi.

    The user site-packages folder is left out because workers run with -I,
    which skips it.
    """
    folders = []
    for folder in site.getsitepackages():
        if os.path.isdir(folder) and folder not in folders:
            folders.append(folder)
    return folders


def _pip_failure(lines: deque) -> str:
    """Return pip's last error line, or its last line of output."""
    text = [line.strip() for line in lines if line.strip()]
    errors = [line for line in text if line.lower().startswith("error:")]
    if errors:
        return errors[-1][len("error:"):].strip()
    return text[-1] if text else "pip printed nothing"


def _install_requirements(
    python: str, requirements: Path, no_build_isolation: bool, progress: Progress
) -> None:
    """Run pip under the pool's PYTHON so that it installs into the pool."""
    has_pip = subprocess.run(
        [python, "-I", "-c", "import pip"],
        capture_output=True,
        env=pools.child_environment(),
        stdin=subprocess.DEVNULL,
    )
    if has_pip.returncode != 0:
        progress("installing pip into the pool with ensurepip")
        pools.run_checked([python, "-I", "-m", "ensurepip", "--default-pip"], "ensurepip")
    command = [
        python, "-I", "-m", "pip", "install",
        "--disable-pip-version-check", "--no-input",
        "-r", str(requirements),
    ]
    if no_build_isolation:
        command.append("--no-build-isolation")
    tail: deque = deque(maxlen=40)
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=pools.child_environment(),
    )
    try:
        for line in process.stdout:
            tail.append(line)
            if line.strip().startswith(_PIP_PROGRESS):
                progress(line.strip(), detail=True)
        returncode = process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
    if returncode != 0:
        raise UsageError(
            f"pip could not install the requirements from '{requirements}': "
            f"{_pip_failure(tail)}"
        )


def _read_requirements(requirements: str | None) -> tuple[Path | None, str | None]:
    if requirements is None:
        return None, None
    path = Path(requirements).expanduser().absolute()
    try:
        return path, path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"cannot read requirements file '{requirements}': {reason}") from None


@contextlib.contextmanager
def _claim_environment(datasite: Datasite, name: str, progress: Progress):
    """Create pool NAME's empty environment folder and hold an flock on it.

    The lock marks the folder as being built. A folder that exists unlocked
    and without a record is left by a build that died, so it is removed. The
    folder, and pools/envs if it ends up empty, are removed again if the
    block raises.
    """
    folder = pools.environment_dir(datasite, name)
    envs = folder.parent
    created_envs = not envs.exists()
    fd = None
    try:
        with datasite.lock():
            if datasite.read("pools", name) is not None:
                raise UsageError(f"worker pool {name!r} already exists")
            if folder.exists():
                stale = os.open(folder, os.O_RDONLY)
                try:
                    fcntl.flock(stale, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise UsageError(
                        f"worker pool {name!r} is being created by another syftapi process"
                    ) from None
                finally:
                    os.close(stale)
                progress(f"removing a half-built environment left at {folder}")
                if folder.is_dir():
                    shutil.rmtree(folder)
                else:
                    folder.unlink()
            make_private_dir(envs)
            folder.mkdir(mode=0o700)
            os.chmod(folder, 0o700)
            fd = os.open(folder, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield folder
    except BaseException:
        if fd is not None:
            shutil.rmtree(folder, ignore_errors=True)
            if created_envs:
                with contextlib.suppress(OSError):
                    envs.rmdir()
        raise
    finally:
        if fd is not None:
            os.close(fd)


def _build_environment(
    base: str,
    folder: Path,
    requirements: Path | None,
    no_build_isolation: bool,
    progress: Progress,
) -> tuple[str, list[str], dict]:
    """Build the virtual environment in FOLDER, and return its python, the shared folders and the probe result."""
    progress(f"creating a virtual environment at {folder} with {base}")
    pools.run_checked([base, "-I", "-m", "venv", "--without-pip", str(folder)], "python -m venv")
    python = str(folder / "bin" / "python")
    purelib = pools.run_checked(
        [python, "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        "locating the pool's site-packages",
    ).strip()
    shared = [f for f in _shared_site_packages() if f != purelib]
    progress(f"sharing syftapi's packages from {', '.join(shared) or 'nowhere'}")
    # Lines of a .pth file are appended to sys.path after the pool's own
    # site-packages, so the pool's packages win over syftapi's.
    pth = Path(purelib) / SHARED_PTH
    pth.write_text("".join(f"{folder_name}\n" for folder_name in shared))
    if requirements is not None:
        progress(f"installing the requirements from {requirements}")
        _install_requirements(python, requirements, no_build_isolation, progress)
    progress("checking that the pool can run the syftapi worker")
    return python, shared, pools.probe(python)


def create(
    datasite: Datasite,
    actor: Identity,
    name: str,
    requirements: str | None = None,
    base: str | None = None,
    no_build_isolation: bool = False,
    progress: Progress | None = None,
) -> dict:
    """Build a virtual environment for pool NAME inside the datasite, and return the record.

    The environment is made with BASE (default: the interpreter running
    syftapi), reaches syftapi's own packages through a .pth file, and gets the
    REQUIREMENTS installed with pip. PROGRESS(message, detail=False) receives
    each step, and pip's progress lines with detail=True. On any failure the
    half-built environment is removed. The returned record also carries
    `notes`, warnings like those of `add`.
    """
    require_owner(actor, "managing worker pools")
    pools.validate_name(name)
    if name == pools.DEFAULT:
        raise UsageError("'default' is the interpreter running syftapi; pick another name")
    progress = progress or (lambda message, detail=False: None)
    requirements_path, requirements_text = _read_requirements(requirements)
    base = pools.resolve_executable(base or sys.executable, "--python")
    version = pools.check_version(base, pools.run_probe(base))

    with _claim_environment(datasite, name, progress) as folder:
        python, shared, checked = _build_environment(
            base, folder, requirements_path, no_build_isolation, progress
        )
        record = {
            "name": name,
            "kind": "created",
            "python": python,
            "environment": str(folder.relative_to(datasite.root)),
            "version": version,
            "cloudpickle": checked["cloudpickle"],
            "base": base,
            "shared_site_packages": shared,
            "requirements_file": str(requirements_path) if requirements_path else None,
            "requirements": requirements_text,
            "created_by": actor.email,
            "created_at": time.time(),
        }
        with datasite.lock():
            if datasite.read("pools", name) is not None:
                raise UsageError(f"worker pool {name!r} was added meanwhile")
            datasite.write("pools", name, record)
    return {**record, "notes": checked["notes"]}
