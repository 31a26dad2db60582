"""logging: driver names and option strings, checked the way Docker checks them."""

from __future__ import annotations

import pytest

from composer.errors import ComposerError
from composer.logs import LogConfig, LogConfigError, LogTarget, check_config, log_path
from composer.logs.options import DEFAULT_MAX_BUFFER, parse_size


def options(driver: str = "json-file", **opts: str):
    return check_config(LogConfig(driver, {k.replace("_", "-"): v for k, v in opts.items()}), "web")


def test_defaults():
    parsed = options()
    assert (parsed.max_size, parsed.max_file, parsed.compress, parsed.non_blocking) == (None, 1, False, False)
    assert parsed.max_buffer_size == DEFAULT_MAX_BUFFER


@pytest.mark.parametrize(
    "text, base, expected",
    [("10m", 1000, 10_000_000), ("1g", 1000, 10**9), ("512k", 1024, 512 * 1024), ("1.5M", 1000, 1_500_000),
     ("100", 1000, 100), ("10MB", 1000, 10_000_000), ("2 kib", 1024, 2048), ("10x", 1000, None), ("", 1000, None),
     ("-1m", 1000, None), ("١٠m", 1000, None)],
)
def test_sizes(text, base, expected):
    assert parse_size(text, base) == expected


def test_all_options_parse():
    parsed = options(max_size="10m", max_file="5", compress="true", mode="non-blocking", max_buffer_size="4m",
                     path="/var/log/x")
    assert (parsed.max_size, parsed.max_file, parsed.compress) == (10_000_000, 5, True)
    assert (parsed.non_blocking, parsed.max_buffer_size, parsed.path) == (True, 4 * 1024 * 1024, "/var/log/x")


@pytest.mark.parametrize(
    "driver, opts, words",
    [
        ("syslog", {}, ["syslog", "json-file, file, none"]),
        ("json-file", {"tag": "x"}, ["options.tag", "allowed: compress"]),
        ("none", {"max-size": "1m"}, ["options.max-size", "none driver"]),
        ("json-file", {"max-size": "10x"}, ["max-size", '"10x"', "10m"]),
        ("json-file", {"max-size": "0"}, ["max-size", "positive"]),
        ("json-file", {"max-size": "1m", "max-file": "0"}, ["max-file", '"0"']),
        ("file", {"max-file": "two"}, ["max-file"]),
        ("json-file", {"max-size": "1m", "compress": "yes"}, ["compress", "true"]),
        ("json-file", {"compress": "true"}, ["compress", "max-size"]),
        ("json-file", {"max-size": "1m", "max-file": "1", "compress": "true"}, ["compress", "max-file"]),
        ("json-file", {"mode": "fast"}, ["mode", "non-blocking"]),
        ("json-file", {"max-buffer-size": "1m"}, ["max-buffer-size", "non-blocking"]),
        ("json-file", {"mode": "non-blocking", "max-buffer-size": "lots"}, ["max-buffer-size"]),
        ("json-file", {"path": "logs/x.log"}, ["path", "absolute"]),
    ],
)
def test_bad_config_is_one_line_naming_the_option(driver, opts, words):
    with pytest.raises(LogConfigError) as caught:
        check_config(LogConfig(driver, opts), "web")
    message = caught.value.one_line()
    assert isinstance(caught.value, ComposerError)
    assert "\n" not in message and 'service "web"' in message
    for word in words:
        assert word in message


def test_log_path(tmp_path):
    target = LogTarget("p", "web", "p-web-1", str(tmp_path / "default"))
    assert log_path(options(), target) == str(tmp_path / "default" / "p-web-1.log")
    assert log_path(options(path=str(tmp_path)), target) == str(tmp_path / "p-web-1.log")
    assert log_path(options(path=str(tmp_path / "new") + "/"), target) == str(tmp_path / "new" / "p-web-1.log")
    assert log_path(options(path=str(tmp_path / "tests.log")), target) == str(tmp_path / "tests.log")
    assert log_path(options(path=str(tmp_path / "logs")), target) == str(tmp_path / "logs" / "p-web-1.log")
    (tmp_path / "existing").write_text("")
    assert log_path(options(path=str(tmp_path / "existing")), target) == str(tmp_path / "existing")
