"""People's names as the pages write them."""

from civic.core.models import User


def test_it_writes_a_chinese_name_family_name_first_without_a_space():
    assert User(first_name="芳", last_name="王").get_full_name() == "王芳"


def test_it_writes_a_two_character_given_name_after_the_family_name():
    assert User(first_name="晓明", last_name="欧阳").get_full_name() == "欧阳晓明"


def test_it_writes_another_name_given_name_first():
    assert User(first_name="Anna", last_name="Smith").get_full_name() == "Anna Smith"
