"""What ``digitnet train`` says: the settings in words, one line per epoch, the outcome."""

from __future__ import annotations

from digitnet.cli.progress import stdout
from digitnet.history import History, RunEnd
from digitnet.progress import epoch_line
from digitnet.settings import TrainingSettings

__all__ = ["describe", "epoch_line", "report_outcome"]


def count(n: int | float, unit: str) -> str:
    """``1 epoch``, ``3 epochs``, ``1.5 minutes``: ``n`` and ``unit``, plural unless one."""
    number = f"{n:g}" if isinstance(n, float) else f"{n}"
    return f"{number} {unit}" + ("" if n == 1 else "s")


def describe(settings: TrainingSettings) -> str:
    """The settings in words: ``30 epochs, mini-batch 10, learning rate 3, seed 1``."""
    epochs = count(settings.epochs, "epoch")
    if settings.time_budget is not None:
        epochs = f"up to {epochs} or {count(settings.time_budget / 60, 'minute')}"
    rate = f"learning rate {settings.learning_rate:g}"
    if settings.schedule != "constant":
        rate += f" ({settings.schedule} schedule)"
    parts = [epochs, f"mini-batch {settings.mini_batch_size}", rate]
    if settings.cost != "quadratic":
        parts.append(f"{settings.cost} cost")
    if settings.momentum:
        kind = "Nesterov momentum" if settings.nesterov else "momentum"
        parts.append(f"{kind} {settings.momentum:g}")
    for name, label in (
        ("l2", "L2 lambda"),
        ("weight_decay", "weight decay"),
        ("dropout", "dropout"),
    ):
        if getattr(settings, name):
            parts.append(f"{label} {getattr(settings, name):g}")
    if settings.early_stopping is not None:
        parts.append(f"keeping the best epoch's weights (patience {settings.early_stopping})")
    if settings.expand:
        parts.append("the book's expanded set (one-pixel shifts, 5x)")
    if settings.augment:
        parts.append("fresh distortions each epoch")
    if settings.vary_ink:
        parts.append("varied ink each epoch")
    if settings.clean_fraction:
        parts.append(f"{settings.clean_fraction:.0%} of the images left clean")
    parts.append(f"seed {settings.seed}")
    return ", ".join(parts)


#: Why a run ended early, as `report_outcome` says it.
STOP_REASONS = {
    RunEnd.TIME_BUDGET: "Stopped at the time budget after {epochs}.",
    RunEnd.EARLY_STOPPING: ("Stopped early after {epochs}: validation accuracy stopped improving."),
    RunEnd.RATE_EXHAUSTED: (
        "Stopped after {epochs}: the plateau schedule brought the rate down to 1/128."
    ),
}


def report_outcome(history: History) -> None:
    """One line each for divergence, a stall, an interruption, an early end, the best epoch."""
    if history.epochs_run == 0:
        stdout.print("Interrupted before the first epoch ended: nothing saved.")
        return
    if history.interrupted:
        epochs = count(history.epochs_run, "epoch")
        stdout.print(f"Interrupted after {epochs}; keeping the model so far.")
    if history.end in STOP_REASONS:
        stdout.print(STOP_REASONS[history.end].format(epochs=count(history.epochs_run, "epoch")))
    if history.diverged_epoch is not None:
        stdout.print(
            f"Training diverged at epoch {history.diverged_epoch}: the weights blew up "
            f"(non-finite or about to overflow); try a smaller --learning-rate."
        )
        if history.kept_epoch is None:
            return
    best = history.best_epoch("validation")
    validation = history.accuracy["validation"][best - 1]
    test = history.accuracy["test"]
    stdout.print(
        f"Best epoch {best} by validation accuracy: validation {validation:.2%}, "
        f"test {test[best - 1]:.2%} (best test accuracy of any epoch {max(test):.2%})"
    )
    if history.kept_epoch is not None:
        stdout.print(f"The model keeps the weights of epoch {history.kept_epoch}.")
    mean_seconds = sum(history.seconds) / len(history.seconds)
    stdout.print(
        f"Training took {mean_seconds:.3f} s per epoch on average ({history.engine} engine), "
        f"{history.elapsed:.1f} s in all with evaluation."
    )
    if history.stalled:
        stdout.print(
            f"The network stalled near chance (best validation {validation:.1%}): the "
            f"learning rate {history.settings.learning_rate:g} is probably too large or too small."
        )
