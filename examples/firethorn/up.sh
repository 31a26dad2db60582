#!/usr/bin/env bash
# Brings the firethorn example up on the embedded runc runtime.
echo "examples/firethorn: not yet — the runtime (issue 3), networking (4) and ambassadors (5) are still being built." >&2
echo "What works today: 'compose -f examples/firethorn/compose.yaml config' once the example file lands." >&2
exit 1
