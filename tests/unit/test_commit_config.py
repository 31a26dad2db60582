"""The run settings `commit` writes into the new image, as docker commit does."""

from composer.config.model import Service
from composer.drivers.runc.commit_config import committed_config

PARENT = {"Entrypoint": ["/init"], "Cmd": ["serve"], "Env": ["PATH=/bin", "MODE=a"], "WorkingDir": "/", "ExposedPorts": {"80/tcp": {}}}


def test_no_service_keeps_the_parents():
    assert committed_config(PARENT, None, ("/init", "serve")) == PARENT


def test_the_services_settings_over_the_images():
    service = Service(name="s", command=("run", "x"), environment={"MODE": "b", "NEW": "1", "UNSET": None}, working_dir="/app",
                      user="1000:1000", expose=("8000-8001/udp", "9000"), labels={"tier": "front"}, stop_signal="SIGINT")
    config = committed_config(PARENT, service, ("/init", "run", "x"))
    assert (config["Entrypoint"], config["Cmd"]) == (["/init"], ["run", "x"])
    assert config["Env"] == ["PATH=/bin", "MODE=b", "NEW=1"]
    assert (config["WorkingDir"], config["User"], config["StopSignal"], config["Labels"]) == ("/app", "1000:1000", "SIGINT", {"tier": "front"})
    assert set(config["ExposedPorts"]) == {"80/tcp", "8000/udp", "8001/udp", "9000/tcp"}


def test_a_new_entrypoint_drops_the_images_cmd():
    config = committed_config(PARENT, Service(name="s", entrypoint=("/bin/sh",)), ("/bin/sh",))
    assert config["Entrypoint"] == ["/bin/sh"] and "Cmd" not in config


def test_what_the_container_ran_wins_over_a_changed_file():
    config = committed_config(PARENT, Service(name="s", command=("new",)), ("/init", "old"))
    assert "Entrypoint" not in config and config["Cmd"] == ["/init", "old"]
