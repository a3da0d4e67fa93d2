"""Thin controllers: parse, authorize, call a service, shape the answer."""

from gigstation.api.routes.accounts import AuthController, OperatorController
from gigstation.api.routes.checkins import CheckinController
from gigstation.api.routes.employers import EmployerController
from gigstation.api.routes.health import HealthController
from gigstation.api.routes.orders import OrderController
from gigstation.api.routes.stations import StationController
from gigstation.api.routes.workers import WorkerController

__all__ = ["CONTROLLERS"]

CONTROLLERS = [
    AuthController,
    CheckinController,
    EmployerController,
    HealthController,
    OperatorController,
    OrderController,
    StationController,
    WorkerController,
]
