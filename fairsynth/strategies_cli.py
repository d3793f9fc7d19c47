"""The CLI's `--strategy`: builds PTGAN/FairPTGAN, GAP(PTGAN/FairPTGAN) or PMGAN."""

from __future__ import annotations

from .errors import InvalidParameterError

STRATEGIES = ("single", "gap", "pmgan")


def build_model(
    strategy: str, common: dict, *, sensitive, alpha, loss, pairs, generators, fairness="teacher"
):
    from .models import GAP, PMGAN, PTGAN, FairPTGAN

    if strategy not in STRATEGIES:
        raise InvalidParameterError(
            f"--strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}"
        )
    if strategy == "pmgan":
        if sensitive:
            raise InvalidParameterError(
                "--strategy pmgan has no sensitive-column mode; drop --sensitive or use "
                "--strategy single/gap"
            )
        common = {k: v for k, v in common.items() if k != "r"}
        return PMGAN(n_generators=generators, **common)
    if sensitive:
        base = FairPTGAN(sensitive=sensitive, alpha=alpha, loss=loss, fairness=fairness, **common)
    else:
        base = PTGAN(loss=loss, **common)
    if strategy == "single":
        return base
    seed = common["random_state"]
    return GAP(base, n_pairs=pairs, random_state=seed, verbose=common["verbose"])
