"""The demo county's sign-in accounts, one per role, all with the same demo password."""

from __future__ import annotations

from dataclasses import dataclass

from civic.core.models import Role, User
from civic.dogs.models import ServicePoint
from civic.water.models import WaterUser

DEMO_PASSWORD = "demo12345"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    first_name: str = ""
    last_name: str = ""
    water_user_code: str = ""
    service_point_code: str = ""
    is_superuser: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.BUREAU_ADMIN, "华", "周", is_superuser=True),
    DemoAccount("bureau", Role.BUREAU_STAFF, "芳", "王"),
    DemoAccount("runhua", Role.ENTERPRISE_REPORTER, "强", "李", water_user_code="WJ0001"),
    DemoAccount("xinglong", Role.ENTERPRISE_REPORTER, "敏", "赵", water_user_code="WJ0002"),
    DemoAccount("analyst", Role.NETWORK_ANALYST, "杰", "陈"),
    DemoAccount("clinic", Role.CLINIC_STAFF, "丽", "孙", service_point_code="SP01"),
    DemoAccount("inspector", Role.INSPECTOR, "洋", "刘"),
)


def create_account(account: DemoAccount) -> User:
    water_user = WaterUser.objects.get(code=account.water_user_code) if account.water_user_code else None
    service_point = (
        ServicePoint.objects.get(code=account.service_point_code) if account.service_point_code else None
    )
    return User.objects.create_user(
        username=account.username,
        password=DEMO_PASSWORD,
        role=account.role,
        first_name=account.first_name,
        last_name=account.last_name,
        is_superuser=account.is_superuser,
        is_staff=account.is_superuser,
        water_user=water_user,
        service_point=service_point,
    )


def create_accounts() -> list[User]:
    return [create_account(account) for account in DEMO_ACCOUNTS]


def account_table(users: list[User]) -> list[tuple[str, str, str, str]]:
    """(user name, password, role, bound to) for each account, for printing after a load."""
    rows = []
    for user in users:
        bound_to = user.water_user or user.service_point or ""
        rows.append((user.username, DEMO_PASSWORD, str(user.get_role_display()), str(bound_to)))
    return rows
