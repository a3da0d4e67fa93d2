"""Page controllers for the staff side (employer, operator, administrator).

W1's ``web/__init__.py`` imports ``PAGE_CONTROLLERS_W2`` and mounts every class in it.
"""

from __future__ import annotations

from gigstation.web.pages_admin import AdminPages
from gigstation.web.pages_admin_arrears import AdminArrearsPages
from gigstation.web.pages_admin_planning import AdminPlanningPages
from gigstation.web.pages_admin_reports import AdminReportPages
from gigstation.web.pages_admin_wages import AdminWagePages
from gigstation.web.pages_agreements import AgreementPages
from gigstation.web.pages_employer import EmployerPages, EmployerRegisterPages
from gigstation.web.pages_employer_crew import EmployerCrewPages
from gigstation.web.pages_operator import OperatorPages
from gigstation.web.pages_operator_card import DeskCardPages
from gigstation.web.pages_operator_desk import DeskPages
from gigstation.web.pages_operator_priority import PriorityOutcomePages
from gigstation.web.pages_operator_review import OperatorReviewPages

__all__ = ["PAGE_CONTROLLERS_W2"]

PAGE_CONTROLLERS_W2: list[type] = [
    OperatorPages, DeskPages, OperatorReviewPages, EmployerRegisterPages, EmployerPages, AdminPages,
    AgreementPages, EmployerCrewPages, AdminWagePages, AdminArrearsPages, AdminReportPages,
    AdminPlanningPages, PriorityOutcomePages, DeskCardPages,
]
