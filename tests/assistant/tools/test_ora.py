"""The enrichment kernel on arrays, against scipy."""
import numpy as np
from scipy.stats import hypergeom

from assistant.tools.ora import hypergeom_sf


def test_hypergeom_kernel_matches_scipy():
    rng = np.random.default_rng(1)
    N = rng.integers(50, 20000, 2000)
    K = np.minimum(rng.integers(1, 3000, 2000), N)
    n = np.minimum(rng.integers(1, 3000, 2000), N)
    k = np.minimum(rng.binomial(n, K / N) + rng.integers(0, 20, 2000), np.minimum(n, K))
    np.testing.assert_allclose(hypergeom_sf(k, N, K, n), hypergeom.sf(k - 1, N, K, n), rtol=1e-8, atol=1e-300)
