"""LAVT's language gate: how much of the multi-modal features flows back into the backbone."""

from __future__ import annotations

from torch import Tensor, nn


class LanguageGate(nn.Module):
    """Element-wise gate G = tanh(W2 ReLU(W1 F)); the stage stream becomes X + G * F.

    Paper: https://arxiv.org/abs/2112.02244 (Sec. 3.3).

    Args:
        dim: C, channels of F.
        zero_init: zero the second projection so that G = 0 and the gated residual is the
            identity at initialisation (LAVT itself initialises both randomly).
    """

    def __init__(self, dim: int, zero_init: bool = False) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, dim, bias=False)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(dim, dim, bias=False)
        if zero_init:
            nn.init.zeros_(self.fc2.weight)

    def forward(self, x: Tensor, fused: Tensor) -> Tensor:
        """Add the gated multi-modal features to the stream.

        Args:
            x: (..., C) stage stream X.
            fused: (..., C) PWAM output F.

        Returns:
            (..., C) X + tanh(W2 ReLU(W1 F)) * F.
        """
        gate = self.fc2(self.act(self.fc1(fused))).tanh()
        return x + gate * fused
