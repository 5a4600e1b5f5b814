import pytest

from pickup.tasks import ping


@pytest.mark.real_worker
def test_task_sent_through_the_broker_is_run_by_a_real_worker(celery_worker_process):
    result = ping.delay("hello")
    assert result.get(timeout=30) == "pong:hello"
