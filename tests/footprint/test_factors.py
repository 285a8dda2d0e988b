"""The factor tables: every row sourced and dated, user profiles validated, lookups honest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frugalbench.errors import UnknownNameError, UserError
from frugalbench.footprint import factors
from frugalbench.footprint.carbon import pue


def test_every_shipped_row_has_a_source_a_year_and_a_version() -> None:
    for name in (
        "facilities.json",
        "embodied.json",
        "grid_water.json",
        "datacentre_electricity.json",
        "equivalents.json",
    ):
        assert factors.table(name)["version"], name
    for fac in factors.facility_names():
        f = factors.facility(fac)
        assert f.pue >= 1.0 and f.wue_l_per_kwh >= 0
        assert f.pue_source and f.wue_source and f.pue_year and f.wue_year
        assert f.table.startswith("facilities.json v")
    for dev in factors.device_names():
        d = factors.device(dev)
        assert d.low_kg <= d.central_kg <= d.high_kg and d.sources and d.year
    for code, row in factors.table("grid_water.json")["rows"].items():
        assert row["l_per_kwh"] > 0 and row["source"] and row["year"], code


def test_facility_types_differ_as_their_sources_say() -> None:
    average, hyperscale = factors.facility("average"), factors.facility("hyperscale")
    assert (average.pue, average.wue_l_per_kwh) == (1.56, 1.8)
    assert hyperscale.pue < average.pue and hyperscale.wue_l_per_kwh < average.wue_l_per_kwh
    assert factors.facility("on-premises").pue == 1.0
    with pytest.raises(UnknownNameError, match="hyperscale"):
        factors.facility("hyperscal")


def test_the_default_pue_of_a_run_is_the_average_facility() -> None:
    assert pue().value == factors.facility("average").pue
    assert pue().source == factors.facility("average").pue_source


def test_gpu_embodied_range_spans_the_disagreeing_sources() -> None:
    gpu = factors.device("gpu-a100")
    assert (gpu.low_kg, gpu.high_kg) == (150, 318)
    assert len(gpu.sources) == 2


def test_grid_water_falls_back_to_the_world_figure_and_says_so() -> None:
    us, fr = factors.grid_water("US"), factors.grid_water("FR")
    assert (us.l_per_kwh, us.fallback) == (3.14, False)
    assert fr.fallback and fr.code == "WORLD" and fr.l_per_kwh == 15.3
    assert factors.grid_water("FR", 2.0).l_per_kwh == 2.0
    with pytest.raises(UserError, match="negative"):
        factors.grid_water("FR", -1.0)


def test_iea_regions_add_up_to_the_world_and_countries_map_to_them() -> None:
    data = factors.table("datacentre_electricity.json")["regions"]
    for year in ("2024", "2030"):
        parts = sum(v[year] for k, v in data.items() if k != "World")
        assert abs(parts - data["World"][year]) / data["World"][year] < 0.01
    assert factors.datacentre_region("FR").region == "Europe"
    assert factors.datacentre_region("US").twh_2024 == 183
    assert factors.datacentre_region("BR").region == "Rest of world"
    assert factors.datacentre_region(None).twh_2030 == 945


def test_a_user_profile_in_json_or_toml(tmp_path: Path) -> None:
    j = tmp_path / "dc.json"
    j.write_text(
        json.dumps(
            {
                "name": "paris-1",
                "pue": 1.3,
                "wue_l_per_kwh": 0.4,
                "renewable_energy_factor": 0.6,
                "energy_reuse_factor": 0.1,
                "country": "FR",
            }
        )
    )
    p = factors.load_profile(j)
    assert (p.name, p.pue, p.renewable_energy_factor, p.country) == ("paris-1", 1.3, 0.6, "FR")
    assert "dc.json" in p.pue_source
    t = tmp_path / "dc.toml"
    t.write_text('name = "lyon"\npue = 1.2\nwue_l_per_kwh = 0.0\n')
    assert factors.load_profile(t).pue == 1.2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"name": "x", "pue": 0.9, "wue_l_per_kwh": 1}', "pue"),
        ('{"name": "x", "pue": 1.2}', "wue_l_per_kwh"),
        ('{"name": "x", "pue": 1.2, "wue_l_per_kwh": 1, "renewable_energy_factor": 1.5}', "renew"),
        ('{"name": "x", "pue": 1.2, "wue_l_per_kwh": 1, "colour": "green"}', "colour"),
        ("[1, 2]", "an object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_profiles_are_refused_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "dc.json"
    path.write_text(text)
    with pytest.raises(UserError, match=message) as caught:
        factors.load_profile(path)
    assert "\n" not in str(caught.value)
    with pytest.raises(UserError, match="no such"):
        factors.load_profile(tmp_path / "missing.json")


def test_overrides_say_they_are_the_users() -> None:
    custom = factors.with_overrides(factors.facility("average"), pue=1.2, wue=0.5)
    assert (custom.pue, custom.wue_l_per_kwh) == (1.2, 0.5)
    assert "user-supplied" in custom.pue_source and "user-supplied" in custom.wue_source
    with pytest.raises(UserError, match=r"below 1\.0"):
        factors.with_overrides(factors.facility("average"), pue=0.8)
