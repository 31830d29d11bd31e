from civic.core.models import Role


def test_it_binds_each_reporter_to_one_water_user(cast):
    assert cast.runhua_reporter.role == Role.ENTERPRISE_REPORTER
    assert cast.runhua_reporter.water_user == cast.runhua
    assert cast.xinglong_reporter.water_user == cast.xinglong
