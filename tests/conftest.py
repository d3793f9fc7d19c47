import pandas as pd
import pytest

from fairsynth import datasets


@pytest.fixture(scope="session")
def adult() -> pd.DataFrame:
    return datasets.load("adult")


@pytest.fixture(scope="session")
def adult_small(adult) -> pd.DataFrame:
    """600 rows of Adult: every column kind, NaNs in three columns, both sexes."""
    return adult.sample(600, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def fitted_fair(adult_small):
    from fairsynth import FairPTGAN

    return FairPTGAN(sensitive="sex", target="income", epochs=2, random_state=0).fit(adult_small)
