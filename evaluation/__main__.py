"""``python -m evaluation``: print the null-quantile table of docs/evaluation.md."""

from .calibration import main

main()
