from celery import shared_task


@shared_task(name="campaigns.write_submissions", acks_late=True, soft_time_limit=50, time_limit=60, ignore_result=True)
def write_submissions_task() -> int:
    """Drain the queue of quiz submissions; beat runs it every two seconds."""
    from .services import drain_queue

    return drain_queue()
