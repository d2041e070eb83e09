"""``python -m evaluation``: print the null-quantile table of docs/evaluation.md."""

from ._calibration import main

main()
