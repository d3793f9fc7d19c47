"""The CLI's `--strategy`: builds PTGAN/FairPTGAN, GAP(PTGAN/FairPTGAN) or PMGAN."""

from __future__ import annotations

from ..errors import InvalidParameterError

STRATEGIES = ("single", "gap", "pmgan")


# Options that only some strategies take; the others refuse them rather than drop them.
_ONLY = {"n_pairs": "gap", "n_generators": "pmgan"}
_FAIR_ONLY = ("alpha", "fairness")
_TEMPERING = ("r", "loss", "labels", *_FAIR_ONLY)


def build_model(strategy: str, common: dict, *, sensitive=None):
    """The model of `fairsynth fit`: `common` holds the keywords the user gave (and the
    run's device, seed, verbosity); every other keyword keeps the model's default."""
    from ..models import GAP, PMGAN, PTGAN, FairPTGAN

    if strategy not in STRATEGIES:
        raise InvalidParameterError(
            f"--strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}"
        )
    for key, owner in _ONLY.items():
        if key in common and strategy != owner:
            flag = "--pairs" if key == "n_pairs" else "--generators"
            raise InvalidParameterError(f"{flag} applies to --strategy {owner} only")
    common = dict(common)
    n_pairs = common.pop("n_pairs", None)
    if strategy == "pmgan":
        if sensitive:
            raise InvalidParameterError(
                "--strategy pmgan has no sensitive-column mode; drop --sensitive or use "
                "--strategy single/gap"
            )
        refused = [k for k in _TEMPERING if k in common]
        if refused:
            flags = ", ".join("--" + k.replace("_", "-") for k in refused)
            raise InvalidParameterError(f"--strategy pmgan has no tempering: drop {flags}")
        return PMGAN(**common)
    if sensitive:
        if "labels" in common:
            raise InvalidParameterError(
                "--labels applies to PTGAN (no --sensitive); FairPTGAN draws the target "
                "through --fairness (e.g. --fairness none for the generator's own labels)"
            )
        base = FairPTGAN(sensitive=sensitive, **common)
    else:
        refused = [k for k in _FAIR_ONLY if k in common]
        if refused:
            flags = ", ".join("--" + k for k in refused)
            raise InvalidParameterError(f"{flags} need --sensitive (FairPTGAN)")
        base = PTGAN(**common)
    if strategy == "single":
        return base
    extra = {} if n_pairs is None else {"n_pairs": n_pairs}
    return GAP(base, random_state=common["random_state"], verbose=common["verbose"], **extra)
