"""``/metrics`` in Prometheus text format, and the request instruments behind it.

Multi-process: ``gigstation serve`` runs several granian worker processes, and a scrape
reaches one of them. prometheus-client's multiprocess mode is used: ``serve`` gives every
worker one ``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory per run, removed at exit), each
process writes its counters there, and the process that answers a scrape adds them all up.
Figures that live in the database (dispatch runs and solver time, offers by outcome, people
waiting, overdue pay) are read at scrape time (``oversight/service_figures.py``), so they
are the same whichever process answers. Labels are route templates, methods, status codes,
station names and outcomes: never a path with an id in it, a phone or a name.

Access: loopback and ``GIGSTATION_TRUSTED_PROXIES`` clients; anyone else only with
``Authorization: Bearer $GIGSTATION_METRICS_TOKEN`` when that is set; otherwise 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from litestar import Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gigstation.api.http_policy import Message, Receive, Scope, Send, client_of
from gigstation.api.security import PUBLIC
from gigstation.oversight.service_figures import ServiceFigures, service_figures
from gigstation.platform import clock
from gigstation.platform.db import connection
from gigstation.platform.errors import NotFound

__all__ = ["MULTIPROC_ENV", "MetricsMiddleware", "metrics_endpoint"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Instruments:
    """This process's instruments (made once: a second registration would be refused)."""

    def __init__(self) -> None:
        self.requests = Counter("gigstation_http_requests", "HTTP answers by route template, method and status",
                                ["method", "route", "status"])
        self.latency = Histogram("gigstation_http_request_duration_seconds",
                                 "Time to the last byte of the answer, by route template", ["method", "route"],
                                 buckets=_LATENCY_BUCKETS)
        self.streams = Gauge("gigstation_event_streams", "Event streams (SSE) open now",
                             multiprocess_mode="livesum")
        self.pool_in_use = Gauge("gigstation_db_pool_in_use", "Database connections lent out now",
                                 multiprocess_mode="livesum")
        self.pool_size = Gauge("gigstation_db_pool_size", "Database connections open now",
                               multiprocess_mode="livesum")


_INSTRUMENTS: list[_Instruments] = []


def instruments() -> _Instruments:
    """The process's instruments, made on first use (after ``PROMETHEUS_MULTIPROC_DIR`` is set)."""
    if not _INSTRUMENTS:
        _INSTRUMENTS.append(_Instruments())
    return _INSTRUMENTS[0]


def _pool_gauges(scope: Any, inst: _Instruments) -> None:
    runtime = getattr(scope["app"].state, "runtime", None) if "app" in scope else None
    if runtime is not None:
        size = runtime.pool.get_size()
        inst.pool_size.set(size)
        inst.pool_in_use.set(size - runtime.pool.get_idle_size())


class MetricsMiddleware:
    """Counts every HTTP answer by route template and times it; counts open event streams."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inst = instruments()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]
        stream = [False]

        async def observe(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                for key, value in message.get("headers", []):
                    if key.lower() == b"content-type" and value.startswith(b"text/event-stream"):
                        stream[0] = True
                        self.inst.streams.inc()
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            if stream[0]:
                self.inst.streams.dec()
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            route = scope.get("path_template") or "unmatched"
            self.inst.requests.labels(method, route, str(status[0])).inc()
            if not stream[0]:  # a stream's length is how long someone watched, not latency
                self.inst.latency.labels(method, route).observe(time.perf_counter() - started)
            _pool_gauges(scope, self.inst)


class _Figures(Collector):
    def __init__(self, figures: ServiceFigures) -> None:
        self.figures = figures

    def collect(self) -> Iterable[Metric]:
        f = self.figures
        runs = CounterMetricFamily("gigstation_dispatch_runs_today",
                                   "Dispatch runs since the start of the local day", labels=["station", "trigger"])
        solve = CounterMetricFamily("gigstation_dispatch_solver_seconds_today",
                                    "Matcher time of those runs", labels=["station", "trigger"])
        for d in f.dispatch:
            runs.add_metric([d.station, d.trigger], d.runs)
            solve.add_metric([d.station, d.trigger], d.solve_seconds)
        offers = GaugeMetricFamily("gigstation_offers_today", "Offers made since the start of the local day, "
                                   "by outcome so far", labels=["station", "outcome"])
        for (station, outcome), n in sorted(f.offers.items()):
            offers.add_metric([station, outcome], n)
        waiting = GaugeMetricFamily("gigstation_people_waiting", "People checked in and waiting",
                                    labels=["station"])
        for station, n in sorted(f.waiting.items()):
            waiting.add_metric([station], n)
        overdue = GaugeMetricFamily("gigstation_overdue_pay_cases", "Open cases of pay past the settlement period",
                                    labels=["station"])
        for station, n in sorted(f.overdue.items()):
            overdue.add_metric([station], n)
        yield from (runs, solve, offers, waiting, overdue)


def _allowed(request: Request[Any, Any, Any]) -> bool:
    client = client_of(request.scope)  # after the trusted-proxy rewrite
    try:
        if ipaddress.ip_address(client).is_loopback:
            return True
    except ValueError:
        pass
    if request.app.state.http_policy.proxies.trusted(client):
        return True
    token = request.app.state.runtime.settings.metrics_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def _exposition(figures: ServiceFigures) -> Iterator[bytes]:
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        yield generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        yield generate_latest(REGISTRY)
    own = CollectorRegistry()
    own.register(_Figures(figures))
    yield generate_latest(own)


@get("/metrics", opt={**PUBLIC, "exclude_from_csrf": True}, include_in_schema=False)
async def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Prometheus text format (see the module doc for who may read it)."""
    if not _allowed(request):
        raise NotFound("找不到", "not found")
    runtime = request.app.state.runtime
    _pool_gauges(request.scope, instruments())
    async with connection(runtime.pool) as conn:
        figures = await service_figures(conn, clock.now(), runtime.settings.timezone,
                                        runtime.settings.settlement_days)
    return Response(b"".join(_exposition(figures)), media_type=CONTENT_TYPE_LATEST)
