"""Settings from the environment, read once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(ValueError):
    """A setting with a value the service cannot use."""


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    dbname: str
    user: str
    password: str

    def connect_args(self) -> dict[str, object]:
        return {"host": self.host, "port": self.port, "dbname": self.dbname, "user": self.user, "password": self.password}


@dataclass(frozen=True)
class Settings:
    catalogue: Database
    metadata: Database
    port: int = 8080
    row_limit: int = 10_000
    timeout_seconds: float = 30.0
    workers: int = 4
    kept_results: int = 1_000  # results of older queries are pruned; their history stays

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            catalogue=_database(env, "CATALOGUE", host="catalogue", dbname="catalogue"),
            metadata=_database(env, "METADATA", host="metadata", dbname="firethorn"),
            port=_number(env, "PORT", 8080, int),
            row_limit=_number(env, "ROW_LIMIT", 10_000, int),
            timeout_seconds=_number(env, "QUERY_TIMEOUT", 30.0, float),
            workers=_number(env, "WORKERS", 4, int),
            kept_results=_number(env, "KEPT_RESULTS", 1_000, int),
        )


def _database(env: Mapping[str, str], prefix: str, host: str, dbname: str) -> Database:
    password = env.get(f"{prefix}_PASSWORD")
    if not password:
        raise SettingsError(f"{prefix}_PASSWORD is not set: the service needs the {prefix.lower()} database's password")
    return Database(
        host=env.get(f"{prefix}_HOST", host),
        port=_number(env, f"{prefix}_PORT", 5432, int),
        dbname=env.get(f"{prefix}_DB", dbname),
        user=env.get(f"{prefix}_USER", "firethorn"),
        password=password,
    )


def _number(env: Mapping[str, str], name: str, default, kind):
    text = env.get(name)
    if text is None or text == "":
        return default
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(f"{name}={text!r} is not a number") from None
    if value <= 0:
        raise SettingsError(f"{name}={text!r} must be more than zero")
    return value
