"""Number sequences: each number once, carrying on after the records numbered before the sequence had a row."""

from civic.core.models import Counter
from civic.core.numbering import next_in_sequence


def test_a_new_sequence_starts_at_one_and_counts_up(db):
    assert [next_in_sequence("dogs.ViolationCase:VC2024") for _ in range(3)] == [1, 2, 3]
    assert Counter.objects.get(key="dogs.ViolationCase:VC2024").value == 3


def test_a_sequence_carries_on_after_the_highest_number_already_given(db):
    # The demo county holds licences up to DL2024000123 before any counter exists: the next is 124.
    assert next_in_sequence("dogs.Licence:DL2024", lambda: 123) == 124
    # Once the row exists, the records are not read again.
    assert next_in_sequence("dogs.Licence:DL2024", lambda: 999) == 125


def test_sequences_are_counted_apart(db):
    next_in_sequence("dogs.Licence:DL2024")
    assert next_in_sequence("dogs.Licence:DL2025") == 1
