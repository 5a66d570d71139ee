"""Shared fixtures. Tests run on the real data in $GSFM_HOME (built by `make test` via `gsfm data build`)."""
import pytest


@pytest.fixture(scope="session")
def real_data():
    """The gene table and every built-in library, built (or found) in the cache."""
    from gsfm_model.genes import default_mapper
    from gsfm_model.loaders import build_all

    build_all()
    default_mapper()  # loaded once, before any test points GSFM_HOME elsewhere
