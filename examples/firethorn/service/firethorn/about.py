"""What GET / says about the service (edit BANNER to see a restart pick up a change)."""

NAME = "firethorn"
VERSION = "1.0"
BANNER = "firethorn example service: SQL queries against a synthetic star catalogue"
