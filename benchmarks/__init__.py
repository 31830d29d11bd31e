"""Benchmarks of Civic's calculations, apart from the tests.

Each benchmark times Civic's code against a baseline measured in the same run
on the same machine and reports the ratio, so figures from different machines
compare. `python -m benchmarks` prints them; `--write` also records them in
BENCHMARKS.md. Tests never assert wall-clock time; this is where speed lives.
"""
