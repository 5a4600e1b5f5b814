"""An offline gazetteer of the demo area (Taipei City and the inner districts of New Taipei).

Each district has its postal code, an approximate centroid and the delivery region the demo network
puts it in. The store locator resolves typed districts and postal codes with it; seed_demo spreads
stores around the centroids. A real deployment plugs a geocoder in behind the same lookup.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    postal_code: str
    name_en: str
    name_zh: str
    city_en: str
    city_zh: str
    latitude: float
    longitude: float
    region_code: str
    # Relative density of stores, so the demo network looks like the real one (dense downtown).
    weight: int


DISTRICTS: tuple[District, ...] = (
    District("100", "Zhongzheng", "中正區", "Taipei", "臺北市", 25.0324, 121.5199, "TPE-C", 5),
    District("103", "Datong", "大同區", "Taipei", "臺北市", 25.0633, 121.5130, "TPE-C", 3),
    District("104", "Zhongshan", "中山區", "Taipei", "臺北市", 25.0685, 121.5338, "TPE-C", 6),
    District("108", "Wanhua", "萬華區", "Taipei", "臺北市", 25.0286, 121.4979, "TPE-C", 4),
    District("105", "Songshan", "松山區", "Taipei", "臺北市", 25.0597, 121.5577, "TPE-E", 5),
    District("106", "Da'an", "大安區", "Taipei", "臺北市", 25.0264, 121.5434, "TPE-E", 7),
    District("110", "Xinyi", "信義區", "Taipei", "臺北市", 25.0330, 121.5654, "TPE-E", 6),
    District("115", "Nangang", "南港區", "Taipei", "臺北市", 25.0550, 121.6066, "TPE-E", 3),
    District("111", "Shilin", "士林區", "Taipei", "臺北市", 25.0928, 121.5245, "NORTH", 5),
    District("112", "Beitou", "北投區", "Taipei", "臺北市", 25.1321, 121.4987, "NORTH", 4),
    District("251", "Tamsui", "淡水區", "New Taipei", "新北市", 25.1697, 121.4407, "NORTH", 3),
    District("114", "Neihu", "內湖區", "Taipei", "臺北市", 25.0697, 121.5886, "NE", 5),
    District("221", "Xizhi", "汐止區", "New Taipei", "新北市", 25.0633, 121.6414, "NE", 3),
    District("116", "Wenshan", "文山區", "Taipei", "臺北市", 24.9890, 121.5700, "SOUTH", 4),
    District("231", "Xindian", "新店區", "New Taipei", "新北市", 24.9676, 121.5418, "SOUTH", 4),
    District("234", "Yonghe", "永和區", "New Taipei", "新北市", 25.0077, 121.5163, "SOUTH", 4),
    District("235", "Zhonghe", "中和區", "New Taipei", "新北市", 24.9993, 121.4989, "SOUTH", 5),
    District("220", "Banqiao", "板橋區", "New Taipei", "新北市", 25.0116, 121.4637, "WEST", 7),
    District("236", "Tucheng", "土城區", "New Taipei", "新北市", 24.9722, 121.4434, "WEST", 4),
    District("238", "Shulin", "樹林區", "New Taipei", "新北市", 24.9907, 121.4206, "WEST", 3),
    District("237", "Sanxia", "三峽區", "New Taipei", "新北市", 24.9341, 121.3688, "WEST", 2),
    District("241", "Sanchong", "三重區", "New Taipei", "新北市", 25.0615, 121.4877, "NW", 6),
    District("242", "Xinzhuang", "新莊區", "New Taipei", "新北市", 25.0360, 121.4500, "NW", 6),
    District("247", "Luzhou", "蘆洲區", "New Taipei", "新北市", 25.0849, 121.4738, "NW", 4),
    District("248", "Wugu", "五股區", "New Taipei", "新北市", 25.0827, 121.4381, "NW", 2),
    District("244", "Linkou", "林口區", "New Taipei", "新北市", 25.0775, 121.3918, "NW", 3),
)

# The demo's delivery regions, named in Chinese as the network's people call them.
REGION_NAMES = {
    "TPE-C": "臺北市中區",
    "TPE-E": "臺北市東區",
    "NORTH": "士林、北投、淡水",
    "NE": "內湖、汐止",
    "SOUTH": "文山、新店、永和、中和",
    "WEST": "板橋、土城、樹林、三峽",
    "NW": "三重、新莊、蘆洲、林口",
}


def find_district(query: str) -> District | None:
    """A district by postal code, English or Chinese name ("Da'an", "daan", "大安區", "大安", "106")."""
    needle = query.strip().lower().replace("'", "").replace(" district", "")
    if not needle:
        return None
    for district in DISTRICTS:
        names = {
            district.postal_code,
            district.name_en.lower().replace("'", ""),
            district.name_zh,
            district.name_zh.rstrip("區"),
        }
        if needle in names:
            return district
    for district in DISTRICTS:
        if (
            needle.startswith(district.postal_code)
            or district.name_zh in query
            or district.name_en.lower().replace("'", "") in needle
        ):
            return district
    return None
