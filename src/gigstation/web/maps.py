"""Links that open the map apps people here use (高德, 百度) at a job's place, and ``geo:``.

Coordinates are WGS-84 everywhere in gigstation (what a phone's browser reports). The map
apps draw on GCJ-02 (高德) and BD-09 (百度); instead of converting with the public
approximation, each link says which system it carries (``coordinate=wgs84`` for 高德,
``coord_type=wgs84`` for 百度) and the provider converts with its own exact method. When the
order was not placed by location, its coordinates are only the station's: the links then
search for the address instead of pointing at the station.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

__all__ = ["MapLink", "map_links"]

_SRC = "gigstation"
_BAIDU_SRC = "webapp.gigstation.worker"


@dataclass(frozen=True)
class MapLink:
    """One map link: ``href`` works in any browser; ``app`` (if any) opens the app directly."""

    kind: str
    zh: str
    en: str
    href: str
    app: str = ""


def _q(params: dict[str, str]) -> str:
    return urlencode(params, quote_via=quote)


def map_links(address: str, lat: float, lon: float, located: bool, name: str, city: str = "") -> list[MapLink]:
    """高德, 百度 and the phone's own map (geo:), by position when located, else by address."""
    if located:
        position = f"{lon:.6f},{lat:.6f}"
        latlon = f"{lat:.6f},{lon:.6f}"
        amap = "https://uri.amap.com/marker?" + _q(
            {"position": position, "name": name, "src": _SRC, "coordinate": "wgs84", "callnative": "1"})
        baidu_params = {"location": latlon, "title": name, "content": address, "coord_type": "wgs84",
                        "src": _BAIDU_SRC}
        baidu = "https://api.map.baidu.com/marker?" + _q({**baidu_params, "output": "html"})
        baidu_app = "baidumap://map/marker?" + _q(baidu_params)
        geo = f"geo:{latlon}?q=" + quote(f"{latlon}({name})")
    else:
        amap = "https://uri.amap.com/search?" + _q(
            {"keyword": address, "city": city, "src": _SRC, "callnative": "1"})
        baidu_params = {"query": address, "region": city, "src": _BAIDU_SRC}
        baidu = "https://api.map.baidu.com/place/search?" + _q({**baidu_params, "output": "html"})
        baidu_app = "baidumap://map/place/search?" + _q(baidu_params)
        geo = "geo:0,0?q=" + quote(address)
    return [
        MapLink("amap", "高德地图", "Amap (Gaode)", amap),
        MapLink("baidu", "百度地图", "Baidu Maps", baidu, baidu_app),
        MapLink("geo", "手机自带地图", "The phone's map app", geo),
    ]
