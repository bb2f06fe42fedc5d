"""What a page shows of a training job: one dict, sent by the task and by the socket."""

from .models import TrainingJob


def snapshot(job: TrainingJob, last_loss_only: bool = False) -> dict:
    """What the page shows of a job (the whole loss curve, or only the newest loss)."""
    eta = None
    if job.status == TrainingJob.Status.RUNNING and job.steps_per_s and job.step < job.steps:
        eta = round((job.steps - job.step) / job.steps_per_s, 1)
    return {
        "job": str(job.id),
        "status": job.status,
        "phase": job.phase,
        "step": job.step,
        "steps": job.steps,
        "steps_per_s": job.steps_per_s,
        "eta_s": eta,
        "losses": job.losses[-1:] if last_loss_only else list(job.losses),
        "scores": job.scores,
        "error": job.error,
        "task": job.slug if job.adapter_id else None,
        "needs_confirmation": job.needs_confirmation,
    }
