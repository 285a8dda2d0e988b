"""RunConfig: the experiment's settings, frozen and stored verbatim in every result."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

NO_LIMIT_S = 30 * 24 * 3600.0  # "no limit" for a worker call that must still end some day


class RunConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    repeats: int = Field(3, ge=1, le=100, description="measured inference passes")
    warmup_inputs: int = Field(64, ge=0, description="inputs in the unmeasured-for-score warm-up")
    timeout_s: float = Field(
        900.0, gt=0, description="limit in s for any one call to the model (load, each pass)"
    )
    train_timeout_s: float | None = Field(
        None, gt=0, description="limit in s for training; default none (a fine-tune takes hours)"
    )
    seed: int = Field(42, description="seed of the train/test split")
    test_size: float = Field(0.2, gt=0, lt=1, description="held-out share when splitting")
    fold: int = Field(
        0, ge=0, description="which grouped fold is held out (data with recordings or cameras)"
    )
    country: str | None = Field(None, description="ISO code of the grid; None = world average")
    pue: float | None = Field(None, ge=1.0, description="None = the shipped default")
    meter: str = Field("auto", description="a meter backend's name (`frugalbench meters`)")
    idle_s: float = Field(3.0, ge=0, description="idle baseline length (counters only)")
    idle_max_age_s: float = Field(3600.0, ge=0, description="reuse a cached baseline this young")
    max_cv: float = Field(0.10, gt=0, description="CV of repeats above which a phase is unstable")
    max_reruns: int = Field(3, ge=0, description="extra inference passes for disturbed ones")
    max_outside_load_cores: float = Field(0.25, ge=0, description="outside load that disturbs")
    speed_index: bool = Field(True, description="time the reference kernel with the run")
    power_profile: str | None = Field(
        None,
        description="a `frugalbench calibrate` profile for this CPU; None = the family model "
        "(or FRUGALBENCH_POWER_PROFILE)",
    )
    strict: bool = Field(
        False,
        description="challenge rules: a fresh worker for every measured pass (nothing cached "
        "between passes counts), warm-up on public inputs the evaluation set does not hold",
    )

    @property
    def train_limit_s(self) -> float:
        """The training call's limit: the one set, else none in practice."""
        return self.train_timeout_s or NO_LIMIT_S

    @field_validator("meter")
    @classmethod
    def _known_meter(cls, name: str) -> str:
        """A meter the registry holds (built-in or plug-in), checked before anything runs."""
        from frugalbench.errors import UnknownNameError
        from frugalbench.measure.backends import choices

        if name not in choices():
            raise ValueError(UnknownNameError("meter", name, choices()).message)
        return name

    @field_validator("country")
    @classmethod
    def _known_country(cls, code: str | None) -> str | None:
        """A grid the factor table holds, checked before anything runs (never after the run)."""
        from frugalbench.errors import UnknownNameError
        from frugalbench.footprint.carbon import grid_intensity

        try:
            grid_intensity(code)
        except UnknownNameError as exc:
            raise ValueError(exc.message) from None
        return code
