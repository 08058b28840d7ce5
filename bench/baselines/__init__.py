"""The baselines: the least code that does the same work, run the same way on the same machine."""
