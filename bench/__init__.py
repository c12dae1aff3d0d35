"""Panza's benchmarks: each bench_<name>.py has a main(argv) printing a ratio to a same-run baseline."""
