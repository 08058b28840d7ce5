"""The measures, one module each; every one records figures next to their baselines."""
