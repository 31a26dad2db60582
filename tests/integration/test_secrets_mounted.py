"""Secrets in a real container: read-only, with the mode and owner the reference asks for
(0444 and root by default, as the Compose spec says), the user's file left as it was;
and their values never printed by `config`, `ps` or the logs.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

FILE_VALUE = "file-secret-8c1f2"
ENV_VALUE = "env-secret-51d9e"
STACK = f"""
services:
  app:
    image: {BUSYBOX_REF}
    command: ["sleep", "600"]
    secrets:
      - token
      - {{source: token, target: /etc/app/token, uid: "1000", gid: "1001", mode: 0400}}
      - {{source: api_key, target: key, mode: 0440}}
secrets:
  token: {{file: ./token.txt}}
  api_key: {{environment: HARDENING_API_KEY}}
"""


@pytest.fixture
def with_secrets(project, monkeypatch):
    (project.dir / "token.txt").write_text(FILE_VALUE)
    os.chmod(project.dir / "token.txt", 0o600)
    monkeypatch.setenv("HARDENING_API_KEY", ENV_VALUE)
    project.write(STACK)
    return project


def test_secrets_have_their_mode_and_owner_are_read_only_and_never_printed(with_secrets):
    project = with_secrets
    project.compose("up", "-d", check=True)
    stat = project.compose("exec", "-T", "app", "stat", "-c", "%n %a %u %g", "/run/secrets/token", "/etc/app/token", "/run/secrets/key", check=True)
    assert stat.stdout.splitlines() == ["/run/secrets/token 444 0 0", "/etc/app/token 400 1000 1001", "/run/secrets/key 440 0 0"]
    read = project.compose("exec", "-T", "-u", "1000", "app", "cat", "/etc/app/token", "/run/secrets/token", check=True)
    assert read.stdout == FILE_VALUE * 2
    assert project.compose("exec", "-T", "app", "cat", "/run/secrets/key", check=True).stdout == ENV_VALUE
    write = project.compose("exec", "-T", "app", "sh", "-c", "echo x > /run/secrets/token; echo x > /etc/app/token; chmod 777 /run/secrets/key")
    assert write.returncode != 0 and write.stderr.count("Read-only file system") >= 2, write.stderr
    assert oct(os.stat(project.dir / "token.txt").st_mode & 0o777) == "0o600"  # the user's file is untouched
    dry = project.compose("up", "--dry-run", "-d", check=True).stderr  # dry-run names the copies as up does: no recreate
    assert f"Container {project.name}-app-1  Running" in dry and "Recreate" not in dry, dry
    # never printed: `config` names the file and the variable, as Compose does
    outputs = [
        project.compose("config", check=True),
        project.compose("config", "--format", "json", check=True),
        project.compose("ps", "-a", "--format", "json", check=True),
        project.compose("logs", check=True),
    ]
    config = json.loads(outputs[1].stdout)
    assert config["secrets"]["token"]["file"] == str(project.dir / "token.txt")  # the path, as Compose prints it
    assert config["secrets"]["api_key"]["environment"] == "HARDENING_API_KEY"
    for result in outputs:
        assert FILE_VALUE not in result.stdout + result.stderr and ENV_VALUE not in result.stdout + result.stderr
