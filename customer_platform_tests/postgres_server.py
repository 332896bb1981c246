"""A throwaway PostgreSQL server for tests: Debian's ``postgresql`` binaries (installed by
scripts/system-packages.sh), a fresh cluster in a temporary folder, listening on 127.0.0.1
and a free port only, stopped (and its folder gone) when the test session ends."""

import dataclasses
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    db_name: str
    username: str
    password: str

    def dagster_env(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads."""
        return {"DAGSTER_PG_HOST": self.host, "DAGSTER_PG_PORT": str(self.port),
                "DAGSTER_PG_DB": self.db_name, "DAGSTER_PG_USERNAME": self.username,
                "DAGSTER_PG_PASSWORD": self.password}


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, ("PostgreSQL server binaries not found: scripts/setup.sh installs Debian's "
                   "postgresql (apt-get install postgresql)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run as the ``postgres`` user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def start() -> tuple[PostgresServer, callable]:
    """Create and start a cluster in a new temporary folder (its own, not pytest's: the server
    user must reach it); return it and a function that stops it and removes the folder."""
    root = Path(tempfile.mkdtemp(prefix="customer-platform-pg-"))
    bin_dir, data, port = _binaries(), root / "pgdata", _free_port()
    password = secrets.token_urlsafe(16)
    (root / "pwfile").write_text(password)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(root / "pwfile", "postgres", "postgres")
    subprocess.run(_as_server_user([
        str(bin_dir / "initdb"), "-D", str(data), "-U", "dagster", "--auth=scram-sha-256",
        f"--pwfile={root / 'pwfile'}", "--encoding=UTF8", "--no-instructions"]),
        check=True, capture_output=True)
    subprocess.run(_as_server_user([
        str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
        "-o", f"-h 127.0.0.1 -p {port} -k {root}", "start"]), check=True, capture_output=True)
    env = {**os.environ, "PGPASSWORD": password}
    subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                    "dagster", "dagster"], check=True, capture_output=True, env=env)

    def stop() -> None:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m",
                                        "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)

    return PostgresServer("127.0.0.1", port, "dagster", "dagster", password), stop
