"""What the PyTorch-trained rungs share: class-balanced loss weights and a one-cycle schedule.

Imported only inside ``fit``: inference never loads torch.
"""

from __future__ import annotations

from typing import Any


def balanced_class_weights(y: Any, n_classes: int) -> Any:
    """Loss weights n / (k x count): a minority class (a chainsaw, a smoke frame) counts as much
    as the majority in the loss."""
    import numpy as np
    import torch

    counts = np.bincount(y, minlength=n_classes)
    return torch.tensor(len(y) / (n_classes * np.maximum(counts, 1)), dtype=torch.float32)


def one_cycle(net: Any, lr: float, epochs: int, n: int, batch_size: int) -> tuple[Any, Any]:
    """AdamW with light weight decay under a one-cycle learning rate over the whole training."""
    import torch

    optimiser = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-3)
    steps = epochs * max(1, -(-n // batch_size))
    return optimiser, torch.optim.lr_scheduler.OneCycleLR(optimiser, lr, total_steps=steps)
