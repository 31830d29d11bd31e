from civic.core.models import Role
from civic.water.access import water_user_of


def test_it_binds_each_reporter_to_one_water_user(cast):
    assert cast.runhua_reporter.role == Role.ENTERPRISE_REPORTER
    assert water_user_of(cast.runhua_reporter) == cast.runhua
    assert water_user_of(cast.xinglong_reporter) == cast.xinglong
