"""The replaying test suite: every query of a list, run directly on the catalogue database
and through the firethorn web service, results compared, one log line per query, in a
loop that can go on for days. Exit status: the number of failures (at most 255)."""
