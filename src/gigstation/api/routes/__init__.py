"""Thin controllers: parse, authorize, call a service, shape the answer."""

from gigstation.api.routes.accounts import AuthController, OperatorController
from gigstation.api.routes.assignments import AssignmentController
from gigstation.api.routes.checkins import CheckinController
from gigstation.api.routes.desk import DeskOfferController
from gigstation.api.routes.dispatch import DispatchController, OfferController
from gigstation.api.routes.employers import EmployerController
from gigstation.api.routes.events import EventController
from gigstation.api.routes.health import HealthController
from gigstation.api.routes.orders import OrderController
from gigstation.api.routes.reports import ReliabilityController, StationReportController
from gigstation.api.routes.stations import StationController
from gigstation.api.routes.workers import WorkerController

__all__ = ["CONTROLLERS"]

CONTROLLERS = [
    AssignmentController,
    AuthController,
    CheckinController,
    DeskOfferController,
    DispatchController,
    EmployerController,
    EventController,
    HealthController,
    OfferController,
    OperatorController,
    OrderController,
    ReliabilityController,
    StationController,
    StationReportController,
    WorkerController,
]
