"""LL4xx: a PyTorch loss contradicts what the model (or tensor) it is given outputs."""

from __future__ import annotations

from typing import Iterator, Optional, Set, Tuple

from ..facts import (
    INTEGER,
    NOT_LITERAL,
    LINEAR,
    LOG_SOFTMAX,
    ONE_HOT,
    REGRESSION,
    SIGMOID,
    SOFTMAX,
    TORCH_BCE,
    TORCH_BCE_WITH_LOGITS,
    TORCH_CROSS_ENTROPY,
    TORCH_NLL,
    Facts,
    LossTensor,
    Site,
    TorchLossUse,
    TorchTargetUse,
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
            # Each rule passes an activation that _WHAT names.
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


def _shape(shape: Tuple[Optional[int], ...]) -> str:
    return "(N, " + ", ".join("?" if dim is None else str(dim) for dim in shape) + ")" if shape else "(N,)"


def _target_finding(code: str, use: TorchTargetUse, what: str, problem: str, fix: str) -> Finding:
    target = use.target
    return Finding(
        code,
        use.target_site,
        Message.of(
            f"{use.display} gets {what}",
            at("target", target.site, before=f" ({target.origin}, "),
            problem,
            at("output", use.prediction.units_site),
            f": {fix}",
        ),
        subject=use,
    )


@rule(
    "LL405",
    "bce-target-shape-differs-from-input",
    "BCELoss/BCEWithLogitsLoss target shape differs from the input shape",
)
def bce_target_shape_differs_from_input(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `nn.BCELoss`, `nn.BCEWithLogitsLoss` and their functional forms
    called with a target whose shape differs from the input's, when the
    input's width is known (an `nn.Linear` output) and so is the target's:
    a `(N,)` target for a `(N, 1)` output, one-hot `(N, 2)` rows for a
    `(N, 1)` output, a `(N,)` target for a `(N, 2)` output.

    ## Why is this bad?
    Binary crossentropy compares each input element with the target element
    at the same position; PyTorch refuses targets of another shape. Measured
    on torch 2.13 and 2.14: `BCELoss` raises `ValueError: Using a target size
    (torch.Size([64])) that is different to the input size
    (torch.Size([64, 1])) is deprecated. Please ensure they have the same
    size.`; `BCEWithLogitsLoss` raises `ValueError: Target size
    (torch.Size([64])) must be the same as input size (torch.Size([64, 1]))`.
    Both at the first batch, after the data has been loaded.

    The finding is reported on the target argument of the loss call; the
    message names the line the target is built.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(20, 1))
    y = torch.randint(0, 2, (64,)).float()
    loss = nn.BCEWithLogitsLoss()(model(x), y)
    ```

    ## Use instead
    ```python
    model = nn.Sequential(nn.Linear(20, 1))
    y = torch.randint(0, 2, (64,)).float()
    loss = nn.BCEWithLogitsLoss()(model(x), y.unsqueeze(1))
    ```
    or squeeze the output: `model(x).squeeze(1)`.

    ## Known problems
    Only inputs whose last axis is a known `nn.Linear` width and targets
    whose shape is known (random tensors, literals, loaders that say so) are
    checked; an input reshaped on the way (`.view`, `.squeeze`) is not.
    """
    reported: Set[Site] = set()
    for use in facts.torch_target_uses:
        if use.kind not in (TORCH_BCE, TORCH_BCE_WITH_LOGITS):
            continue
        units, shape = use.prediction.units, use.target.shape
        if units is None or shape is None or len(shape) > 1 or shape == (units,) or use.target_site in reported:
            continue
        if shape and shape[0] is None:
            continue
        reported.add(use.target_site)
        if shape == () and units == 1:
            fix = "unsqueeze the target (y.unsqueeze(1)) or squeeze the output (out.squeeze(1))"
        elif use.target.encoding == ONE_HOT and units == 1:
            fix = "pass the 0/1 class ids as one column, or give the output layer as many units as classes"
        else:
            fix = f"give the target the input's shape (N, {units})"
        yield _target_finding(
            "LL405",
            use,
            f"a target of shape {_shape(shape)}",
            f" for an input of shape (N, {units})",
            f"PyTorch raises; {fix}",
        )


@rule(
    "LL406",
    "cross-entropy-target-shape",
    "CrossEntropyLoss/NLLLoss given one-hot integer targets (or (N, 1) class ids)",
)
def cross_entropy_target_shape(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `nn.CrossEntropyLoss`/`F.cross_entropy` given one-hot rows of
    integers (`F.one_hot(y, C)` returns int64), `nn.NLLLoss`/`F.nll_loss`
    given one-hot rows of any dtype, and either given class ids as a
    `(N, 1)` column for a `(N, C)` output.

    ## Why is this bad?
    Measured on torch 2.13 and 2.14: `CrossEntropyLoss` reads a target of the
    input's shape as class probabilities, which must be floating point:
    `RuntimeError: Expected floating point type for target with class
    probabilities, got Long`. `NLLLoss` takes only class ids:
    `RuntimeError: 0D or 1D target tensor expected, multi-target not
    supported`, the same error both losses raise for `(N, 1)` class ids.
    One-hot rows of floats are correct for `CrossEntropyLoss` (the same loss
    as the class ids) and are not reported.

    The finding is reported on the target argument of the loss call; the
    message names the line the target is built.

    ## Example
    ```python
    y = F.one_hot(labels, num_classes=10)
    loss = F.cross_entropy(model(x), y)
    ```

    ## Use instead
    ```python
    loss = F.cross_entropy(model(x), labels)
    ```

    ## Known problems
    The dtype of one-hot rows is known only where they are built
    (`F.one_hot`, `.long()`, `.float()`, a dtype argument); one-hot rows of
    an unknown dtype are reported for `NLLLoss` only. `(N, 1)` class ids are
    reported only when the input is a known `nn.Linear` output.
    """
    reported: Set[Site] = set()
    for use in facts.torch_target_uses:
        if use.kind not in (TORCH_CROSS_ENTROPY, TORCH_NLL) or use.target_site in reported:
            continue
        target = use.target
        if target.encoding == ONE_HOT and (use.kind == TORCH_NLL or target.dtype == "int"):
            reported.add(use.target_site)
            if use.kind == TORCH_NLL:
                what, problem = "one-hot rows", " but takes class ids"
            else:
                what = "one-hot rows of integers"
                problem = " but reads such a target as class probabilities, which must be floats"
            yield _target_finding("LL406", use, what, problem, "PyTorch raises; pass the class ids (y.argmax(dim=1))")
        elif target.encoding == INTEGER and target.shape == (1,) and use.prediction.units is not None:
            reported.add(use.target_site)
            yield _target_finding(
                "LL406", use, "class ids as a (N, 1) column", " but takes them as (N,)",
                "PyTorch raises; squeeze the target (y.squeeze(1))",
            )


@rule(
    "LL407",
    "regression-target-broadcasts",
    "MSELoss/L1Loss/SmoothL1Loss/HuberLoss target shape differs from the input shape",
)
def regression_target_broadcasts(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `nn.MSELoss`, `nn.L1Loss`, `nn.SmoothL1Loss`, `nn.HuberLoss` and
    `F.mse_loss`, `F.l1_loss`, `F.smooth_l1_loss`, `F.huber_loss` called
    with a target whose shape differs from the input's, when the input's
    width is known (an `nn.Linear` output) and so is the target's: a `(N,)`
    target for a `(N, 1)` output, the classic regression slip, or one target
    column for a `(N, K)` output.

    ## Why is this bad?
    These losses subtract target from input element by element, with
    broadcasting. Measured on torch 2.13 and 2.14: a `(N,)` target against a
    `(N, 1)` input broadcasts to `(N, N)` (every prediction compared with
    every target; the model learns the mean), with only a `UserWarning`:
    "Using a target size (torch.Size([64])) that is different to the input
    size (torch.Size([64, 1])). This will likely lead to incorrect results due
    to broadcasting."; a `(N, 1)` target against a `(N, 4)` input broadcasts
    to `(N, 4)` with the same warning; a `(N,)` target against a `(N, 4)`
    input raises `RuntimeError: The size of tensor a (4) must match the size
    of tensor b (64) at non-singleton dimension 1` (and broadcasts when a
    batch has exactly 4 rows).

    The finding is reported on the target argument of the loss call; the
    message names the line the target is built.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 1))
    prices = torch.rand(404)
    loss = nn.MSELoss()(model(x), prices)
    ```

    ## Use instead
    ```python
    loss = nn.MSELoss()(model(x).squeeze(1), prices)
    ```
    or `prices.unsqueeze(1)`.

    ## Known problems
    Only inputs whose last axis is a known `nn.Linear` width and targets
    whose shape is known are checked; an input reshaped on the way
    (`.view`, `.squeeze`) is not.
    """
    reported: Set[Site] = set()
    for use in facts.torch_target_uses:
        if use.kind != REGRESSION or use.prediction.units is None or use.target.shape is None:
            continue
        units, shape = use.prediction.units, use.target.shape
        if shape == (units,) or len(shape) > 1 or (shape and shape[0] is None) or use.target_site in reported:
            continue
        reported.add(use.target_site)
        if shape == () and units == 1:
            effect = "torch broadcasts the two to (N, N) with only a UserWarning"
            fix = "squeeze the output (out.squeeze(1)) or unsqueeze the target (y.unsqueeze(1))"
        elif shape == ():
            effect = "torch raises unless a batch has exactly that many rows"
            fix = f"give the output layer 1 unit, or pass targets of {units} columns"
        elif shape == (1,):
            effect = "torch trains every output on the one target with only a UserWarning"
            fix = f"give the output layer 1 unit, or pass targets of {units} columns"
        else:
            effect = "torch broadcasts or raises"
            fix = f"give the output layer {shape[0]} units"
        yield _target_finding(
            "LL407",
            use,
            f"targets of shape {_shape(shape)}",
            f" for an input of shape (N, {units})",
            f"{effect}; {fix}",
        )


# Devices whose autocast refuses binary_cross_entropy (torch 2.13: AutocastCUDA, AutocastXPU).
_REFUSING_DEVICES = ("cuda", "xpu")
_MEASURED_DEVICES = _REFUSING_DEVICES + ("cpu",)


@rule("LL409", "bce-under-autocast", "BCELoss/F.binary_cross_entropy called inside a torch.autocast region")
def bce_under_autocast(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `nn.BCELoss` and `F.binary_cross_entropy` called inside a
    `with torch.autocast(...)` region (also `torch.amp.autocast`,
    `torch.cuda.amp.autocast`, `torch.cpu.amp.autocast`) that is not disabled
    (`enabled=False`): always for CUDA and XPU regions and regions whose
    device is not written as a literal, and for CPU regions when the
    probabilities are computed inside the region.

    ## Why is this bad?
    Binary crossentropy on probabilities is unsafe in half precision, and
    PyTorch says so on CUDA and XPU: the call raises `RuntimeError:
    torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe
    to autocast. Many models use a sigmoid layer right before the binary
    cross entropy layer. In this case, combine the two layers using
    torch.nn.functional.binary_cross_entropy_with_logits or
    torch.nn.BCEWithLogitsLoss.` (torch 2.13, measured by dispatching the
    operator to the AutocastCUDA and AutocastXPU kernels). Under CPU autocast
    nothing refuses or warns: the loss itself runs in float32, but the
    `nn.Linear` and the sigmoid before it run in bfloat16 or float16.
    Measured on 512 rows with logits of magnitude ~3: the loss is 1.959 in
    bfloat16 where float32 gives 1.432 (+37%), and float16 gives NaN
    gradients; `BCEWithLogitsLoss` on the logits gives 1.432 in both.

    The finding is reported on the loss call; the message names the autocast.

    ## Example
    ```python
    criterion = nn.BCELoss()
    with torch.autocast(device_type="cuda", dtype=torch.float16):
        probs = torch.sigmoid(model(x))
        loss = criterion(probs, y)
    ```

    ## Use instead
    ```python
    criterion = nn.BCEWithLogitsLoss()
    with torch.autocast(device_type="cuda", dtype=torch.float16):
        logits = model(x)
        loss = criterion(logits, y)
    ```

    ## Known problems
    Only calls written inside the `with` block are seen, not those in
    functions it calls. Other devices (`mps`, `hpu`) were not measured and
    are not reported.
    """
    reported: Set[Site] = set()
    for use in facts.autocast_losses:
        device = use.device
        if device is not None and device not in _MEASURED_DEVICES:
            continue
        if device not in _REFUSING_DEVICES and not use.prediction_inside:
            continue  # CPU autocast runs the loss itself in float32; the input was computed outside
        if use.call_site in reported:
            continue
        reported.add(use.call_site)
        if device in _REFUSING_DEVICES:
            effect = f"PyTorch raises RuntimeError on {device} (unsafe to autocast)"
        elif device == "cpu":
            effect = "on CPU the probabilities come from a low-precision sigmoid (wrong loss, NaN gradients in float16)"
        else:
            effect = "PyTorch raises RuntimeError on CUDA, and on CPU the sigmoid before it runs in low precision"
        yield Finding(
            "LL409",
            use.call_site,
            Message.of(
                f"{use.display} inside autocast",
                at("autocast", use.autocast_site),
                f": {effect}; compute the loss on the logits with "
                + ("F.binary_cross_entropy_with_logits" if use.display.startswith("F.") else "nn.BCEWithLogitsLoss"),
            ),
            subject=use,
        )


def _value(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


@rule(
    "LL408",
    "padding-target-not-ignored",
    "CrossEntropyLoss/NLLLoss targets padded with a value other than ignore_index (pad_sequence)",
)
def padding_target_not_ignored(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `nn.CrossEntropyLoss`, `nn.NLLLoss`, `F.cross_entropy` and
    `F.nll_loss` given targets padded by `torch.nn.utils.rnn.pad_sequence`
    with a `padding_value` (0 by default) other than the loss's
    `ignore_index` (-100 by default), directly or flattened
    (`targets.view(-1)`, `.reshape(-1)`, `.flatten()`).

    ## Why is this bad?
    Padded steps count as targets. Padded with 0 against the default
    `ignore_index=-100`, every padded step trains the model towards class 0,
    silently: measured on torch 2.13 (CPU), sequences padded with 0 give a
    loss of 2.2105 where `ignore_index=0` (the real steps alone) gives
    2.1718. Padded with a negative value other than `ignore_index`, the first
    call raises `IndexError: Target -1 is out of bounds.`

    The finding is reported on the loss, where `ignore_index` goes; the message
    names the padding.

    ## Example
    ```python
    targets = pad_sequence(tag_tensors, batch_first=True)
    criterion = nn.CrossEntropyLoss()
    loss = criterion(logits.view(-1, num_tags), targets.view(-1))
    ```

    ## Use instead
    ```python
    targets = pad_sequence(tag_tensors, batch_first=True, padding_value=-100)
    criterion = nn.CrossEntropyLoss()
    loss = criterion(logits.view(-1, num_tags), targets.view(-1))
    ```
    or keep the zeros and build the loss with `nn.CrossEntropyLoss(ignore_index=0)`
    when 0 is no real class.

    ## Known problems
    A loss built with `reduction="none"` is left alone: the program may mask
    the per-step losses itself. Targets padded another way (`F.pad`, a loop),
    sliced (`targets[:, 1:]`) or indexed by a mask are not followed.
    """
    reported: Set[Site] = set()
    for use in facts.torch_target_uses:
        padding = use.target.padding
        if use.kind not in (TORCH_CROSS_ENTROPY, TORCH_NLL) or padding is None:
            continue
        ignore = use.argument("ignore_index", -100)
        if ignore is NOT_LITERAL or ignore == padding or use.argument("reduction", "mean") not in ("mean", "sum"):
            continue
        if use.loss_site in reported:
            continue
        reported.add(use.loss_site)
        pad = _value(padding)
        units = use.prediction.units
        if padding < 0 or (units is not None and padding >= units):
            effect = f"PyTorch raises IndexError (target {pad} is out of bounds)"
        else:
            effect = f"the padded steps train as class {pad}, silently"
        yield Finding(
            "LL408",
            use.loss_site,
            Message.of(
                f"targets padded with {pad} by {use.target.origin}",
                at("targets", use.target.site),
                f" meet {use.display}, whose ignore_index is {ignore}: {effect}; "
                f"pad with {ignore} (padding_value={ignore}) or set ignore_index={pad}",
            ),
            subject=use,
        )


@rule(
    "LL410",
    "loss-weight-length-differs",
    "CrossEntropyLoss/NLLLoss weight= or BCEWithLogitsLoss pos_weight= whose length is not the output width",
)
def loss_weight_length_differs(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a class weight tensor whose length differs from the width of the
    output the loss is given, when both are known: `weight=` of
    `nn.CrossEntropyLoss`/`nn.NLLLoss` (and `F.cross_entropy`/`F.nll_loss`)
    against the number of classes, `pos_weight=` of `nn.BCEWithLogitsLoss`
    (and `F.binary_cross_entropy_with_logits`) against the number of output
    columns (a single weight is fine there). The lengths are read from
    `torch.tensor([...])`, `torch.ones(n)` and the like; the width from the
    `nn.Linear` (or convolution) that produces the output.

    ## Why is this bad?
    Measured on torch 2.13 (CPU), both raise at the first call, after the
    data has been loaded: `CrossEntropyLoss(weight=torch.ones(3))` on 4
    classes gives `RuntimeError: weight tensor should be defined either for
    all 4 classes or no classes but got weight tensor of shape: [3]`;
    `BCEWithLogitsLoss(pos_weight=torch.ones(3))` on 4 columns gives
    `RuntimeError: The size of tensor a (3) must match the size of tensor b
    (4) at non-singleton dimension 1`.

    The finding is reported on the weight tensor; the message names the
    output layer.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 4))
    criterion = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 5.0]))
    loss = criterion(model(x), y)
    ```

    ## Use instead
    ```python
    model = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 4))
    criterion = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 5.0, 1.0]))
    loss = criterion(model(x), y)
    ```

    ## Known problems
    Only 1-D weights of a literal length are judged, against outputs whose
    last layer's width is a literal; an output reshaped on the way is not.
    """
    reported: Set[Site] = set()
    for use in facts.torch_loss_uses:
        units = use.prediction.units
        if units is None:
            continue
        allowed: Tuple[int, ...]
        if use.kind in (TORCH_CROSS_ENTROPY, TORCH_NLL):
            name, allowed, per = "weight", (units,), "class"
            error = f"weight tensor should be defined either for all {units} classes or no classes"
        elif use.kind == TORCH_BCE_WITH_LOGITS:
            name, allowed, per = "pos_weight", (1, units), "output column (or a single one)"
            error = "the size of tensor a must match the size of tensor b"
        else:
            continue
        tensor = use.argument(name)
        if not isinstance(tensor, LossTensor) or tensor.length is None or tensor.length in allowed:
            continue
        if tensor.site in reported:
            continue
        reported.add(tensor.site)
        entries = "1 entry" if tensor.length == 1 else f"{tensor.length} entries"
        yield Finding(
            "LL410",
            tensor.site,
            Message.of(
                f"{name} has {entries} but the output",
                at("output", use.prediction.units_site or use.prediction.activation_site),
                f" has {units} {'unit' if units == 1 else 'units'}: PyTorch raises RuntimeError at the first call "
                f"({error}); give one weight per {per}",
            ),
            subject=use,
        )
