"""The admin station form's place picker: the district's 街道/镇 from the shipped list, drawn
as a small SVG (no map tiles: stations may have no internet). A click on it, or choosing a
街道/镇 by name, fills in latitude and longitude (WGS-84, like every coordinate here)."""

from __future__ import annotations

import functools
import math
from importlib import resources

import msgspec

__all__ = ["PickerPlace", "PlacePicker", "district_picker"]

WIDTH, HEIGHT, PAD_DEG = 560, 400, 0.03


class PickerPlace(msgspec.Struct, frozen=True):
    zh: str
    en: str
    lat: float
    lon: float
    x: float
    y: float


class PlacePicker(msgspec.Struct, frozen=True):
    """An equirectangular picture of the district: ``x = w/2 + (lon - lon0) * kx`` and
    ``y = h/2 - (lat - lat0) * ky`` (the page's script inverts it for a click)."""

    district: str
    width: int
    height: int
    lat0: float
    lon0: float
    kx: float
    ky: float
    places: list[PickerPlace]


class _Place(msgspec.Struct):
    zh: str
    en: str
    lat: float
    lon: float


class _District(msgspec.Struct):
    zh: str
    en: str


class _File(msgspec.Struct):
    district: _District
    places: list[_Place]


@functools.cache
def district_picker() -> PlacePicker:
    """The district of the shipped place list (src/gigstation/data/qingpu-stations.json)."""
    raw = resources.files("gigstation.data").joinpath("qingpu-stations.json").read_bytes()
    data = msgspec.json.decode(raw, type=_File)
    lats = [p.lat for p in data.places]
    lons = [p.lon for p in data.places]
    lat0, lon0 = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    # Degrees of longitude are shorter than degrees of latitude by cos(latitude).
    span_x = (max(lons) - min(lons) + 2 * PAD_DEG) * math.cos(math.radians(lat0))
    span_y = max(lats) - min(lats) + 2 * PAD_DEG
    scale = min(WIDTH / span_x, HEIGHT / span_y)
    kx, ky = scale * math.cos(math.radians(lat0)), scale
    places = [PickerPlace(p.zh, p.en, p.lat, p.lon, round(WIDTH / 2 + (p.lon - lon0) * kx, 1),
                          round(HEIGHT / 2 - (p.lat - lat0) * ky, 1)) for p in data.places]
    return PlacePicker(data.district.zh, WIDTH, HEIGHT, lat0, lon0, kx, ky,
                       sorted(places, key=lambda p: p.zh))
