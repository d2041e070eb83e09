"""Torch-free scoring of samples against known target distributions.

Targets with exact pdf/cdf/ppf/moments and samplers, frozen scipy.stats distributions, the
user's own data and point masses, all behind one protocol (``dim``, ``spec``,
``sample``); one- and two-sample scores; mode coverage; null calibration; effect-size
verdicts with failure labels; statistics across runs; markdown/CSV tables. Depends on numpy
and scipy only (see docs/evaluation.md).
"""

from ._across_runs import (
    Comparison,
    GroupSummary,
    PairComparison,
    RankedGroup,
    ScoreSummary,
    compare,
    holm,
    summarize,
    wilson_interval,
)
from ._batch import evaluate_many
from ._calibration import (
    SCORES,
    NullDistribution,
    applicable_scores,
    null_distribution,
    null_quantile_table,
)
from ._empirical import MIN_DATA_ROWS, Empirical, load_data
from ._fixed_draws import FixedDraws
from ._mixture import GaussianMixture
from ._literature_modes import LiteratureModeMetrics, literature_mode_metrics
from ._modes import ModeCoverage, mode_coverage
from ._one_sample import (
    Moments,
    TestResult,
    ad_test,
    anderson_darling_pvalue,
    cvm_test,
    energy_distance_to_target,
    ks_test,
    moment_errors,
    wasserstein_to_target,
)
from ._planar import Grid, Ring
from ._swiss_roll import SwissRoll
from ._point_mass import PointMass
from ._report import evaluate
from ._results import MomentsND, Report
from ._scipy import ScipyTarget
from ._scipy_mvn import ScipyMultivariateNormal
from ._specs import KNOWN_SPECS, as_target, target_from_spec
from ._tables import to_csv, to_html, to_markdown
from ._target import Target
from ._two_sample import MMDResult, energy_distance, mmd_test, reference_sample, sliced_wasserstein
from ._univariate import DEFAULT_TARGET, Gaussian, LogNormal, StudentT, Uniform
from ._verdict import DEFAULT_THRESHOLDS, LABELS, Thresholds, Verdict, is_oscillating

__all__ = [
    # targets
    "Target",
    "DEFAULT_TARGET",
    "Gaussian",
    "GaussianMixture",
    "StudentT",
    "Uniform",
    "LogNormal",
    "Ring",
    "Grid",
    "SwissRoll",
    "ScipyTarget",
    "ScipyMultivariateNormal",
    "Empirical",
    "FixedDraws",
    "load_data",
    "MIN_DATA_ROWS",
    "PointMass",
    "target_from_spec",
    "as_target",
    "KNOWN_SPECS",
    # one-sample scores (1-D, exact target)
    "TestResult",
    "ks_test",
    "cvm_test",
    "ad_test",
    "anderson_darling_pvalue",
    "wasserstein_to_target",
    "energy_distance_to_target",
    "Moments",
    "moment_errors",
    # two-sample scores (any dimension)
    "MMDResult",
    "mmd_test",
    "energy_distance",
    "sliced_wasserstein",
    "reference_sample",
    # modes
    "LiteratureModeMetrics",
    "ModeCoverage",
    "literature_mode_metrics",
    "mode_coverage",
    # calibration
    "SCORES",
    "NullDistribution",
    "applicable_scores",
    "null_distribution",
    "null_quantile_table",
    # verdicts
    "Thresholds",
    "DEFAULT_THRESHOLDS",
    "LABELS",
    "Verdict",
    "is_oscillating",
    # the public face
    "Report",
    "MomentsND",
    "evaluate",
    "evaluate_many",
    # across runs
    "ScoreSummary",
    "GroupSummary",
    "PairComparison",
    "RankedGroup",
    "Comparison",
    "summarize",
    "compare",
    "holm",
    "wilson_interval",
    # tables
    "to_html",
    "to_markdown",
    "to_csv",
]
