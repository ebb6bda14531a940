"""Check the PyTorch facts LL401-LL404 rely on against the installed torch.

Run with an interpreter that has torch (not a dependency of the plugin):

    python scripts/check_torch_facts.py

It checks that every name in ``flake8_losslint/torch_models.py``'s tables is
where the tables say, that losses and activation functions take the prediction
first (``input``), that module methods the tables call "self-returning" return
the module, and it measures the behaviour each rule's page describes.  It
exits non-zero if a check fails.  Last run: torch 2.13.0+cpu.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from flake8_losslint.interp.domains import torch as tm  # noqa: E402
from flake8_losslint.syntax.names import canonical  # noqa: E402

failures = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def resolve(qualname: str):
    module_name, _, attr = qualname.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def main() -> None:
    print("torch", torch.__version__)

    # -- names ---------------------------------------------------------------
    tables = [
        tm.LOGITS_MODULES, tm.ACTIVATION_MODULES, tm.PASS_THROUGH_MODULES, tm.ACTIVATION_FUNCTIONS,
        tm.SAME_VALUE_FUNCTIONS, tm.MODEL_WRAPPERS, tm.LOSS_CLASSES, tm.LOSS_FUNCTIONS,
        [tm.MODULE, tm.SEQUENTIAL],
    ]
    for table in tables:
        for qualname in table:
            obj = resolve(qualname)
            home = getattr(obj, "__module__", None) if inspect.isclass(obj) else None
            check(callable(obj), f"{qualname} exists" + (f" ({home})" if home else ""))
            if home and home.startswith("torch.nn.modules."):
                # spelled through its home module, it is still the table's name
                check(canonical(f"{home}.{obj.__name__}") == qualname, f"{home}.{obj.__name__} -> {qualname}")

    for qualname, index in tm.LOGITS_MODULES.items():
        params = list(inspect.signature(resolve(qualname).__init__).parameters)[1:]
        check(params[index] in ("out_features", "out_channels"), f"{qualname} width at index {index}: {params}")

    for qualname in list(tm.LOSS_FUNCTIONS) + ["torch.nn.functional.softmax", "torch.nn.functional.log_softmax"]:
        params = list(inspect.signature(resolve(qualname)).parameters)
        check(params[:2] == ["input", "target"] or params[0] == "input", f"{qualname}{tuple(params[:2])}")
    for qualname in tm.LOSS_CLASSES:
        params = list(inspect.signature(resolve(qualname).forward).parameters)
        check(params[1:3] == ["input", "target"], f"{qualname}.forward{tuple(params[1:3])}")

    x = torch.randn(4, 3)
    for qualname, activation in tm.ACTIVATION_FUNCTIONS.items():
        fn = resolve(qualname)
        got = fn(x, 1) if activation != "sigmoid" else fn(x)
        want = {"softmax": x.softmax(1), "log_softmax": x.log_softmax(1), "sigmoid": x.sigmoid()}[activation]
        check(torch.allclose(got, want), f"{qualname} computes {activation}")
    for method, activation in tm.ACTIVATION_METHODS.items():
        check(hasattr(torch.Tensor, method), f"Tensor.{method} exists")
    for method in tm.SAME_VALUE_TENSOR_METHODS:
        check(hasattr(torch.Tensor, method), f"Tensor.{method} exists")
    layer = nn.Linear(3, 2)
    for method in tm.SELF_MODULE_METHODS:
        if method == "cuda" and not torch.cuda.is_available():
            # CPU build: read it instead (cuda returns self._apply(...), which returns self).
            returns_self = "return self._apply(" in inspect.getsource(nn.Module.cuda) and (
                layer._apply(lambda t: t) is layer
            )
        else:
            returns_self = (layer.to("cpu") if method == "to" else getattr(layer, method)()) is layer
        check(returns_self, f"nn.Module.{method}() returns the module")
    for qualname in tm.MODEL_WRAPPERS:
        params = list(inspect.signature(resolve(qualname)).parameters)
        check(params[0] in ("model", "module"), f"{qualname} wraps its first argument ({params[0]})")
    wrapped = nn.Sequential(nn.Linear(3, 2), nn.Softmax(dim=1))
    check(torch.equal(nn.DataParallel(wrapped)(x), wrapped(x)), "DataParallel(model)(x) == model(x)")
    # the slowest check (about a minute on CPU): it compiles
    check(torch.allclose(torch.compile(wrapped)(x), wrapped(x)), "torch.compile(model)(x) == model(x)")
    import os
    import torch.distributed as dist

    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29533")
    dist.init_process_group("gloo", rank=0, world_size=1)
    try:
        ddp = nn.parallel.DistributedDataParallel(wrapped)
        check(torch.equal(ddp(x), wrapped(x)), "DistributedDataParallel(model)(x) == model(x)")
    finally:
        dist.destroy_process_group()

    for method in tm._MUTATORS:
        check(hasattr(nn.Sequential, method), f"nn.Sequential.{method} exists")

    # -- behaviour ------------------------------------------------------------
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        behaviour()
    check(not caught, f"no warning in any loss call ({[str(w.message) for w in caught]})")

    print("all checks passed" if not failures else f"{len(failures)} checks FAILED")
    sys.exit(1 if failures else 0)


def behaviour() -> None:
    torch.manual_seed(0)
    z = torch.randn(16, 5) * 3
    y = torch.randint(0, 5, (16,))
    ce = nn.CrossEntropyLoss()
    on_logits, on_softmax = ce(z, y).item(), ce(z.softmax(1), y).item()
    print(f"     CrossEntropyLoss: logits {on_logits:.4f}, softmax {on_softmax:.4f}")
    check(abs(on_softmax - on_logits) > 1.0, "LL401: CrossEntropyLoss on softmax differs, silently")
    a = z.clone().requires_grad_()
    ce(a, y).backward()
    b = z.clone().requires_grad_()
    ce(b.log_softmax(1), y).backward()
    c = z.clone().requires_grad_()
    ce(c.softmax(1), y).backward()
    check(abs(ce(z.log_softmax(1), y).item() - on_logits) < 1e-5 and torch.allclose(a.grad, b.grad, atol=1e-6),
          "LL401 exempts log_softmax: same loss and gradients as on logits")
    print(f"     gradient norm: logits {a.grad.norm():.4f}, softmax {c.grad.norm():.4f}")
    check(c.grad.norm() < a.grad.norm() / 2, "LL401: gradients through the double softmax are smaller")

    nll = nn.NLLLoss()
    right = nll(z.log_softmax(1), y).item()
    for name, value in (("logits", z), ("softmax", z.softmax(1)), ("sigmoid", z.sigmoid())):
        wrong = nll(value, y).item()
        print(f"     NLLLoss on {name}: {wrong:.4f} (on log_softmax {right:.4f})")
        check(wrong < 0 <= right, f"LL402: NLLLoss on {name} is negative, silently")

    zb = torch.randn(16, 1) * 3
    yb = torch.randint(0, 2, (16, 1)).float()
    for fn in (nn.BCELoss(), F.binary_cross_entropy):
        try:
            fn(zb, yb)
        except RuntimeError as error:
            check("between 0 and 1" in str(error), f"LL403: {getattr(fn, '__name__', 'BCELoss')} raises {error}")
        else:
            check(False, "LL403: BCE on logits raises")
    raised = 0
    for _ in range(200):
        head = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
        try:
            nn.BCELoss()(head(torch.randn(32, 16)), torch.randint(0, 2, (32, 1)).float())
        except RuntimeError:
            raised += 1
    print(f"     BCELoss on a fresh linear head, first batch of 32: raised {raised}/200")
    check(raised > 180, "LL403: BCELoss on a fresh linear head usually raises at the first batch")
    bce_logits = nn.BCEWithLogitsLoss()
    right, wrong = bce_logits(zb, yb).item(), bce_logits(zb.sigmoid(), yb).item()
    print(f"     BCEWithLogitsLoss: logits {right:.4f}, sigmoid {wrong:.4f}")
    check(abs(right - wrong) > 0.5, "LL404: BCEWithLogitsLoss on sigmoid output differs, silently")
    hooked = nn.Sequential(nn.Linear(5, 5), nn.Softmax(dim=1))
    hooked.register_forward_hook(lambda module, args, output: output.log())
    check(bool((hooked(z) <= 0).all()), "a forward hook replaces what a module returns")

    twice = zb.sigmoid().sigmoid()
    check(bool((twice >= 0.5).all() and (twice <= 0.7311).all()), "LL404: a double sigmoid lies in [0.5, 0.731]")


if __name__ == "__main__":
    main()
