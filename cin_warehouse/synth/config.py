"""The generator's configuration: `config.toml` plus the run's scale, years, LAs and mode."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

CONFIG_PATH = Path(__file__).with_name("config.toml")


def load_raw_config(path: Path = CONFIG_PATH) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def by_year(table: dict[str, float] | float, year: int) -> float:
    """A by-year rate: linear between the years given, flat outside them."""
    if not isinstance(table, dict):
        return float(table)
    years = np.array(sorted(int(y) for y in table))
    values = np.array([float(table[str(y)]) for y in years])
    return float(np.interp(year, years, values))


@dataclass(frozen=True)
class GeneratorSettings:
    """What one `cin generate` run asks for."""

    scale: float = 0.01
    census_years: tuple[int, ...] = tuple(range(2009, 2027))
    la_codes: tuple[str, ...] | None = None  # None = all LAs
    seed: int = 1
    clean: bool = False
    config: dict[str, Any] = field(default_factory=load_raw_config)

    def quirk_rate(self, name: str, census_year: int) -> float:
        """The configured rate of a quirk in a census year; 0 in clean mode."""
        if self.clean:
            return 0.0
        return by_year(self.config["quirks"][name], census_year)

    def cfg(self, section: str) -> dict[str, Any]:
        return self.config[section]

    @property
    def simulation_start(self) -> date:
        return date.fromisoformat(self.config["world"]["simulation_start"])

    @property
    def first_simulated_census_year(self) -> int:
        return self.simulation_start.year + 1

    @property
    def last_census_year(self) -> int:
        return max(self.census_years)
