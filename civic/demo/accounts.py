"""The demo county's sign-in accounts, one per role, all with the same demo password."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from civic.core.models import Role, User
from civic.dogs.access import service_point_of
from civic.dogs.models import ServicePoint, ServicePointStaff
from civic.notices.models import NoticeKind, NoticePreferences
from civic.water.access import water_user_of
from civic.water.models import WaterUser, WaterUserReporter

DEMO_PASSWORD = "demo12345"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    sees: str  # what the account sees once signed in, for the table printed after a load
    first_name: str = ""
    last_name: str = ""
    water_user_code: str = ""
    service_point_code: str = ""
    is_superuser: bool = False
    email: str = ""  # addresses of the reserved example.com domain, numbers of no one: notices land in var/outbox
    phone: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.BUREAU_ADMIN, "both offices' work, and the admin site at /admin/", "华", "周", is_superuser=True),
    DemoAccount("bureau", Role.BUREAU_STAFF, "the water register, plans, imports, bills and quotas", "芳", "王"),
    DemoAccount(
        "runhua", Role.ENTERPRISE_REPORTER, "only its own use, plans and bills:", "强", "李", water_user_code="WJ0001",
        email="liqiang@runhua.example.com", phone="13900000001",
    ),
    DemoAccount(
        "xinglong", Role.ENTERPRISE_REPORTER, "only its own use, plans and bills:", "敏", "赵", water_user_code="WJ0002",
        email="zhaomin@xinglong.example.com", phone="13900000002",
    ),
    DemoAccount("analyst", Role.NETWORK_ANALYST, "DMA balances and the network", "杰", "陈"),
    DemoAccount(
        "clinic", Role.CLINIC_STAFF, "only the dogs and licences of its service point:", "丽", "孙",
        service_point_code="SP01",
    ),
    DemoAccount("inspector", Role.INSPECTOR, "patrols, violations and penalties", "洋", "刘"),
    DemoAccount("dogoffice", Role.DOG_OFFICE_STAFF, "the whole dog register, enforcement and dog figures", "静", "钱"),
)  # fmt: skip


def create_account(account: DemoAccount, password_hash: str) -> User:
    water_user = WaterUser.objects.get(code=account.water_user_code) if account.water_user_code else None
    service_point = ServicePoint.objects.get(code=account.service_point_code) if account.service_point_code else None
    user = User(
        username=account.username,
        password=password_hash,
        role=account.role,
        first_name=account.first_name,
        last_name=account.last_name,
        is_superuser=account.is_superuser,
        is_staff=account.is_superuser,
        email=account.email,
    )
    user.full_clean(exclude=["password"])
    user.save()
    if water_user is not None:
        WaterUserReporter.objects.create(user=user, water_user=water_user)
    if service_point is not None:
        ServicePointStaff.objects.create(user=user, service_point=service_point)
    if account.phone:
        NoticePreferences.objects.create(
            user=user, phone=account.phone, email_kinds=NoticeKind.values, sms_kinds=NoticeKind.values
        )
    return user


def create_accounts() -> list[User]:
    """The demo accounts; the password is hashed once for all of them (hashing is slow on purpose)."""
    password_hash = make_password(DEMO_PASSWORD)
    return [create_account(account, password_hash) for account in DEMO_ACCOUNTS]


def account_table(users: list[User]) -> list[tuple[str, str, str]]:
    """(user name, role, what they see) for each account, for printing after a load."""
    accounts = {account.username: account for account in DEMO_ACCOUNTS}
    rows = []
    for user in users:
        bound_to = water_user_of(user) or service_point_of(user)
        sees = f"{accounts[user.username].sees} {bound_to}" if bound_to else accounts[user.username].sees
        rows.append((user.username, str(user.get_role_display()), sees))
    return rows
