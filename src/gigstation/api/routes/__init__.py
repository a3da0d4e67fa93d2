"""Thin controllers: parse, authorize, call a service, shape the answer."""

from gigstation.api.routes.accounts import AccountController, AuthController, OperatorController
from gigstation.api.routes.agreement_page import AgreementPageController
from gigstation.api.routes.assignments import AssignmentController
from gigstation.api.routes.checkins import CheckinController
from gigstation.api.routes.desk import DeskOfferController
from gigstation.api.routes.dispatch import DispatchController, OfferController
from gigstation.api.routes.employers import EmployerController
from gigstation.api.routes.events import EventController
from gigstation.api.routes.health import HealthController
from gigstation.api.routes.orders import OrderController
from gigstation.api.routes.outcomes import PriorityOutcomeController
from gigstation.api.routes.outreach import NoticeController, TrainingController
from gigstation.api.routes.oversight import (
    PerformanceController,
    PlanningController,
    PriorityEvidenceController,
    StationRatingController,
)
from gigstation.api.routes.public import PublicInfoController
from gigstation.api.routes.reports import ReliabilityController, StationReportController
from gigstation.api.routes.safeguards import (
    BlacklistController,
    BlockController,
    OversightController,
    WageController,
)
from gigstation.api.routes.safeguards_work import JobRecordController, OrderCrewController
from gigstation.api.routes.satisfaction import (
    CheckoutSurveyController,
    EmployerStationRatingController,
    SatisfactionController,
)
from gigstation.api.routes.stations import StationController
from gigstation.api.routes.workers import WorkerController

__all__ = ["CONTROLLERS"]

CONTROLLERS = [
    AccountController,
    AgreementPageController,
    AssignmentController,
    AuthController,
    BlacklistController,
    BlockController,
    CheckinController,
    DeskOfferController,
    DispatchController,
    EmployerController,
    EventController,
    HealthController,
    JobRecordController,
    OfferController,
    OperatorController,
    OrderController,
    PerformanceController,
    PlanningController,
    PriorityEvidenceController,
    OrderCrewController,
    OversightController,
    ReliabilityController,
    StationController,
    StationRatingController,
    StationReportController,
    WageController,
    WorkerController,
    # The office's follow-through (issue 19): publication, satisfaction, outreach.
    PublicInfoController,
    EmployerStationRatingController,
    CheckoutSurveyController,
    SatisfactionController,
    NoticeController,
    TrainingController,
    # Outcomes for priority groups (issue 19, part 2).
    PriorityOutcomeController,
]
