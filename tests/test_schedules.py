import pytest

from digitnet.schedules import PLATEAU_FLOOR, PlateauSchedule, cosine_rate


def test_cosine_starts_at_the_rate_halves_midway_and_ends_at_zero():
    assert cosine_rate(0.4, 0.0) == 0.4
    assert cosine_rate(0.4, 0.5) == pytest.approx(0.2)
    assert cosine_rate(0.4, 1.0) == pytest.approx(0.0, abs=1e-15)
    assert cosine_rate(0.4, 1.7) == cosine_rate(0.4, 1.0)  # past the end: stays at the end


def test_cosine_only_decreases():
    rates = [cosine_rate(1.0, t / 100) for t in range(101)]
    assert all(a >= b for a, b in zip(rates, rates[1:]))


def test_plateau_halves_after_patience_epochs_without_improvement():
    schedule = PlateauSchedule(1.0, patience=2)
    for correct in (10, 11, 11, 11):
        schedule.end_epoch(correct)
    assert schedule.rate == 0.5  # 11 first seen in epoch 2, then two epochs without better
    schedule.end_epoch(12)
    assert schedule.rate == 0.5


def test_plateau_is_exhausted_at_one_128th():
    schedule = PlateauSchedule(3.0, patience=1)
    schedule.end_epoch(5)
    halvings = 0
    while not schedule.exhausted:
        schedule.end_epoch(5)
        halvings += 1
    assert halvings == 7
    assert schedule.rate == pytest.approx(3.0 * PLATEAU_FLOOR)
