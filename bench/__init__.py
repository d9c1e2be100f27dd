"""Speed figures for the course (`make bench`). Each bench_*.py module has run() -> list[Figure]."""
