"""LL4xx: a PyTorch loss contradicts what the model (or tensor) it is given outputs."""

from __future__ import annotations

from typing import Iterator

from ..facts import (
    LINEAR,
    LOG_SOFTMAX,
    SIGMOID,
    SOFTMAX,
    TORCH_BCE,
    TORCH_BCE_WITH_LOGITS,
    TORCH_CROSS_ENTROPY,
    TORCH_NLL,
    Facts,
    TorchLossUse,
)
from . import Finding, Message, at, rule

_WHAT = {
    LINEAR: "raw logits",
    SOFTMAX: "softmax probabilities",
    SIGMOID: "sigmoid probabilities",
    LOG_SOFTMAX: "log_softmax output",
}




def _functional(use: TorchLossUse) -> bool:
    return use.display.startswith("F.")


def _finding(code: str, facts: Facts, use: TorchLossUse, problem: str, fix: str) -> Finding:
    head = use.prediction
    return Finding(
        code,
        use.prediction_site,
        Message.of(
            f"{use.display} {problem}, but its input is {_WHAT[head.activation]}",  # type: ignore[index]
            at("activation", head.activation_site),
            f": {fix}",
        ),
        subject=use,
    )


@rule("LL401", "cross-entropy-on-softmax", "CrossEntropyLoss/F.cross_entropy on softmax output")
def cross_entropy_on_softmax(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `nn.CrossEntropyLoss` or `F.cross_entropy` whose input (the first
    argument) is the output of a softmax: `F.softmax`, `torch.softmax`,
    `x.softmax(dim)`, an `nn.Softmax` module, or a model whose `forward`
    (or `nn.Sequential`) ends in one.

    ## Why is this bad?
    `CrossEntropyLoss` expects raw, unnormalised logits and applies
    `log_softmax` itself. On probabilities the softmax runs twice: every
    input lies in `[0, 1]`, so the second softmax is nearly uniform, the loss
    stays close to `ln(C)` (measured on torch 2.13: 1.64 instead of 3.71 on
    5 classes) and the gradients shrink (to a sixth of their norm in the
    same measurement). Nothing raises or warns; the model trains slowly or
    not at all.

    The finding is reported on the input argument of the loss call; the
    message names the line of the softmax.

    ## Example
    ```python
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(128, 10)

        def forward(self, x):
            return F.softmax(self.fc(x), dim=1)

    criterion = nn.CrossEntropyLoss()
    loss = criterion(model(x), y)
    ```

    ## Use instead
    ```python
        def forward(self, x):
            return self.fc(x)  # logits; apply softmax only at inference
    ```

    ## Known problems
    A `log_softmax` output is not flagged: `log_softmax` of log-probabilities
    gives them back unchanged, so the loss and its gradients are exactly those
    on the logits. The model is followed through the program (other functions,
    attributes of objects, the project's other modules, a replaced `forward`);
    a `forward` that returns different things on different paths
    (`self.training`) is not judged.
    """
    for use in facts.torch_loss_uses:
        if use.kind == TORCH_CROSS_ENTROPY and use.prediction.activation == SOFTMAX:
            yield _finding(
                "LL401",
                facts,
                use,
                "applies log_softmax itself",
                "pass the logits from before the softmax",
            )


@rule("LL402", "nll-loss-without-log-softmax", "NLLLoss/F.nll_loss on output that is not log-softmax")
def nll_loss_without_log_softmax(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `nn.NLLLoss` or `F.nll_loss` whose input is raw logits (a model
    ending in `nn.Linear`), softmax probabilities or sigmoid probabilities,
    rather than log-probabilities from `log_softmax`.

    ## Why is this bad?
    `NLLLoss` does no math of its own: it returns minus the input at the
    target index. It is a crossentropy only when the input is `log_softmax`.
    On logits it maximises one raw score without bound (the loss is
    negative and keeps falling); on probabilities it is minus a probability.
    Either way it trains the wrong objective, silently (torch 2.13 returns
    -0.69 on logits and -0.23 on softmax where the crossentropy is 3.71).

    The finding is reported on the input argument of the loss call; the
    message names the line of the layer or activation.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4))
    criterion = nn.NLLLoss()
    loss = criterion(model(x), y)
    ```

    ## Use instead
    ```python
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4))
    criterion = nn.CrossEntropyLoss()
    loss = criterion(model(x), y)
    ```
    or end the model with `nn.LogSoftmax(dim=1)` and keep `NLLLoss`.

    ## Known problems
    Log-probabilities computed by hand (`torch.log(F.softmax(...))`) are not
    recognised, so they are not judged either way.
    """
    for use in facts.torch_loss_uses:
        activation = use.prediction.activation
        if use.kind != TORCH_NLL or activation not in (LINEAR, SOFTMAX, SIGMOID):
            continue
        if activation == LINEAR:
            fix = "use F.cross_entropy on the logits" if _functional(use) else "use nn.CrossEntropyLoss on the logits"
            fix += ", or apply log_softmax first"
        elif activation == SOFTMAX:
            fix = "use log_softmax instead of softmax, or cross-entropy on the logits"
        else:
            fix = "use a log_softmax output, or a binary cross-entropy for a sigmoid output"
        yield _finding("LL402", facts, use, "expects log-probabilities (log_softmax)", fix)


@rule("LL403", "bce-loss-on-logits", "BCELoss/F.binary_cross_entropy on raw logits")
def bce_loss_on_logits(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `nn.BCELoss` or `F.binary_cross_entropy` whose input is raw logits:
    the output of a model whose `forward` (or `nn.Sequential`) ends in
    `nn.Linear` or a convolution with no sigmoid after it.

    ## Why is this bad?
    `BCELoss` takes probabilities. Logits outside `[0, 1]` make it raise
    `RuntimeError: all elements of input should be between 0 and 1` (torch
    2.13); a freshly initialised linear head outputs values of both signs, so
    this usually happens at the first batch (over 9 in 10 random two-layer
    models with batches of 32), after the data has loaded. Logits that happen
    to lie in `[0, 1]` give a wrong loss with no error.

    The finding is reported on the input argument of the loss call; the
    message names the line of the last layer.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
    criterion = nn.BCELoss()
    loss = criterion(model(x), y)
    ```

    ## Use instead
    ```python
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
    criterion = nn.BCEWithLogitsLoss()
    loss = criterion(model(x), y)
    ```
    `BCEWithLogitsLoss` is also numerically safer than a sigmoid followed by
    `BCELoss`.

    ## Known problems
    A `clamp` or a hand-written squashing function after the last layer is
    not recognised; such outputs are not judged.
    """
    for use in facts.torch_loss_uses:
        if use.kind == TORCH_BCE and use.prediction.activation == LINEAR:
            better = "F.binary_cross_entropy_with_logits" if _functional(use) else "nn.BCEWithLogitsLoss"
            yield _finding("LL403", facts, use, "expects probabilities in [0, 1]", f"use {better} instead")


@rule("LL404", "bce-with-logits-on-sigmoid", "BCEWithLogitsLoss/F.binary_cross_entropy_with_logits on sigmoid output")
def bce_with_logits_on_sigmoid(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `nn.BCEWithLogitsLoss` or `F.binary_cross_entropy_with_logits`
    whose input already went through a sigmoid: `torch.sigmoid`,
    `x.sigmoid()`, an `nn.Sigmoid` module, or a model whose `forward` (or
    `nn.Sequential`) ends in one.

    ## Why is this bad?
    The loss applies the sigmoid itself. On probabilities the sigmoid runs
    twice, squeezing every prediction into `[0.5, 0.73]`: the loss is wrong
    (torch 2.13: 0.69 where the correct value is 1.43) and the gradients
    vanish. Nothing raises or warns.

    The finding is reported on the input argument of the loss call; the
    message names the line of the sigmoid.

    ## Example
    ```python
    class Detector(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Sequential(nn.Linear(64, 1), nn.Sigmoid())

        def forward(self, x):
            return self.head(x)

    loss = nn.BCEWithLogitsLoss()(model(x), y)
    ```

    ## Use instead
    ```python
            self.head = nn.Linear(64, 1)  # logits
    ```
    or keep the sigmoid and use `nn.BCELoss`.

    ## Known problems
    The model is followed through the program (other functions, attributes of
    objects, the project's other modules); a `forward` that returns different
    things on different paths is not judged.
    """
    for use in facts.torch_loss_uses:
        if use.kind == TORCH_BCE_WITH_LOGITS and use.prediction.activation == SIGMOID:
            plain = "F.binary_cross_entropy" if _functional(use) else "nn.BCELoss"
            yield _finding(
                "LL404",
                facts,
                use,
                "applies sigmoid itself",
                f"pass the logits from before the sigmoid, or use {plain}",
            )
