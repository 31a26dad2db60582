"""Benchmarks: composer side by side with Docker Compose v2 (on a private Docker engine) and socat.

    python3 -m bench [--smoke] [--suite NAME …] [--out bench/RESULTS.md]
    python3 -m bench --cleanup        # remove what a crashed run left behind

See bench/__main__.py for the run, bench/suites/ for what each suite measures,
bench/anchors/ for the anchors' set-up and clean-up, bench/report.py for the output.
The standalone scripts beside this file (start_bench.py, ambassador_bench.py, …) are
wrapped by their suites and can also be run on their own.
"""
