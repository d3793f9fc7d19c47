import pandas as pd
import pytest

TINY = dict(epochs=1, generator_dims=(32,), critic_dims=(32,), batch_size=100, noise_dim=8)


@pytest.fixture(scope="session")
def adult_tiny(adult_small) -> pd.DataFrame:
    return adult_small.iloc[:300].reset_index(drop=True)
