"""Division codes of the demo city, modelled on 曲靖市 (Qujing, Yunnan).

The nine county-level codes and names are real (GB/T 2260). Townships and
villages of the demo city are generated with well-formed 统计用区划代码:
``county(6) + township(3)`` and ``township(9) + village(3)``; township serial
numbers 001–099 are streets (街道), 100–199 towns (镇), 200–299 townships (乡);
village serials 001–199 are communities (居委会), 200–399 villages (村委会).
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_CODE = "530300"
CITY_NAME_ZH = "曲靖市"
CITY_NAME_EN = "Qujing"


@dataclass(frozen=True)
class County:
    """A county-level division with its rough share of people and firms."""

    code: str
    name_zh: str
    name_en: str
    population_share: float
    enterprise_share: float


# Shares follow the 2020 census and the rough distribution of market entities
# (the urban districts hold far more firms per head than the rural counties).
COUNTIES: tuple[County, ...] = (
    County("530302", "麒麟区", "Qilin", 0.150, 0.300),
    County("530303", "沾益区", "Zhanyi", 0.072, 0.080),
    County("530304", "马龙区", "Malong", 0.033, 0.040),
    County("530322", "陆良县", "Luliang", 0.108, 0.100),
    County("530323", "师宗县", "Shizong", 0.068, 0.055),
    County("530324", "罗平县", "Luoping", 0.092, 0.080),
    County("530325", "富源县", "Fuyuan", 0.115, 0.090),
    County("530326", "会泽县", "Huize", 0.150, 0.110),
    County("530381", "宣威市", "Xuanwei", 0.212, 0.145),
)

COUNTY_BY_CODE: dict[str, County] = {c.code: c for c in COUNTIES}


def county_name(code: str, lang: str = "zh") -> str:
    """Name of the county with 6-digit ``code`` (the code itself if unknown)."""
    county = COUNTY_BY_CODE.get(code[:6])
    if county is None:
        return code
    return county.name_zh if lang == "zh" else county.name_en
