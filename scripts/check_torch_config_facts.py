"""Measure how PyTorch treats loss configuration: autocast, ignore_index, class weights, label_smoothing.

Run with an interpreter that has torch (not a dependency of the plugin):
    python scripts/check_torch_config_facts.py
It prints what each situation does and exits non-zero when an expectation no longer holds.
Last run: torch 2.13.0+cpu, NumPy 2.4, Python 3.11 (CPU only: the CUDA autocast kernel is reached by
redispatching the operator to the AutocastCUDA key, which needs no GPU).
"""

from __future__ import annotations

import inspect
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def attempt(name: str, action):
    try:
        value = action()
    except Exception as error:  # noqa: BLE001 - reporting what the library raises
        outcome = ("raises", f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
    else:
        outcome = ("ok", round(value.item(), 4) if value.dim() == 0 else tuple(value.shape))
    print(f"     {name}: {outcome[0]} {outcome[1]}")
    return outcome


# -- 2. autocast -------------------------------------------------------------------------------------
def autocast() -> None:
    print("== autocast")
    p, y = torch.rand(4, 1), torch.ones(4, 1)
    banned = "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast."
    for key in ("AutocastCUDA", "AutocastXPU", "AutocastCPU"):
        keys = torch._C.DispatchKeySet(getattr(torch._C.DispatchKey, key))
        outcome = attempt(f"aten::binary_cross_entropy under {key}",
                          lambda: torch.ops.aten.binary_cross_entropy.default.redispatch(keys, p, y, None, 1))
        check((banned in str(outcome[1])) == (key != "AutocastCPU"),
              f"{key}: BCE {'refused' if key != 'AutocastCPU' else 'runs (cast to float32)'}")
        outcome = attempt(f"aten::binary_cross_entropy_with_logits under {key}",
                          lambda: torch.ops.aten.binary_cross_entropy_with_logits.default.redispatch(keys, p, y, None, None, 1))
        check(outcome[0] == "ok", f"{key}: BCE with logits runs")

    torch.manual_seed(0)
    n = 512
    for magnitude in (3, 5, 10, 20):
        x = torch.randn(n, 1) * magnitude
        y = (torch.rand(n, 1) < 0.5).float()
        layer = nn.Linear(1, 1)
        with torch.no_grad():
            layer.weight.fill_(1.0)
            layer.bias.zero_()
        row, results = [f"|logits|~{magnitude}"], {}
        for dtype in (None, torch.bfloat16, torch.float16):
            for name in ("BCELoss", "BCEWithLogitsLoss"):
                inputs = x.clone().requires_grad_()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    with torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None):
                        z = layer(inputs)
                        loss = nn.BCELoss()(torch.sigmoid(z), y) if name == "BCELoss" else nn.BCEWithLogitsLoss()(z, y)
                loss.backward()
                label = str(dtype).replace("torch.", "") if dtype else "float32"
                results[name, label] = (loss.item(), bool(torch.isnan(inputs.grad).any()), loss.dtype, caught)
                nan = " NaN grad" if results[name, label][1] else ""
                row.append(f"{name}[{label}] {loss.item():.4f}{nan}")
        print("     " + " | ".join(row))
        reference = results["BCEWithLogitsLoss", "float32"][0]
        check(all(not caught for (_, _, _, caught) in results.values()), f"|logits|~{magnitude}: no warning in any case")
        check(all(dtype == torch.float32 for (_, _, dtype, _) in results.values()),
              "the loss comes out in float32 under CPU autocast")
        for label in ("bfloat16", "float16"):
            check(abs(results["BCEWithLogitsLoss", label][0] - reference) < 0.01 * reference,
                  f"|logits|~{magnitude}: BCEWithLogitsLoss under {label} autocast is within 1% of float32")
        if magnitude >= 5:
            check(results["BCELoss", "bfloat16"][0] > 1.5 * reference,
                  f"|logits|~{magnitude}: BCELoss on a bfloat16 sigmoid is >50% too high, silently")
        if magnitude >= 3:
            check(results["BCELoss", "float16"][1], f"|logits|~{magnitude}: BCELoss on a float16 sigmoid gives NaN gradients")
        check(not results["BCEWithLogitsLoss", "float16"][1], f"|logits|~{magnitude}: BCEWithLogitsLoss gradients stay finite")


# -- 3. ignore_index ----------------------------------------------------------------------------------
def ignore_index() -> None:
    print("== ignore_index")
    print("     CrossEntropyLoss", inspect.signature(nn.CrossEntropyLoss))
    torch.manual_seed(0)
    n, c, h, w = 2, 21, 4, 4
    z = torch.randn(n, c, h, w)
    masks = torch.randint(0, c, (n, h, w))
    masks[:, 0, :] = 255
    for name, fn in (("CrossEntropyLoss()", lambda: nn.CrossEntropyLoss()(z, masks)),
                     ("F.cross_entropy", lambda: F.cross_entropy(z, masks)),
                     ("NLLLoss()", lambda: nn.NLLLoss()(z.log_softmax(1), masks))):
        outcome = attempt(f"{name}, masks with 255", fn)
        check(outcome[1] == "IndexError: Target 255 is out of bounds.",
              f"{name}: void 255 with the default ignore_index -100 raises on CPU")
    got = attempt("CrossEntropyLoss(ignore_index=255)", lambda: nn.CrossEntropyLoss(ignore_index=255)(z, masks))
    keep = masks != 255
    want = -(z.log_softmax(1).gather(1, masks.clamp(max=c - 1).unsqueeze(1)).squeeze(1))[keep].mean().item()
    check(abs(got[1] - want) < 1e-3, f"ignore_index=255 averages over the non-void pixels ({want:.4f})")
    outcome = attempt("targets -1, default ignore_index", lambda: nn.CrossEntropyLoss()(z, torch.where(keep, masks, -1)))
    check(outcome[1] == "IndexError: Target -1 is out of bounds.", "padding -1 with the default ignore_index raises")
    outcome = attempt("targets -100, default ignore_index", lambda: nn.CrossEntropyLoss()(z, torch.where(keep, masks, -100)))
    check(abs(outcome[1] - want) < 1e-3, "padding -100 is ignored by default")

    t = 6
    zs = torch.randn(8, 5, t)
    tokens = torch.randint(1, 5, (8, t))
    tokens[:, 4:] = 0
    nll = -zs.log_softmax(1).gather(1, tokens.unsqueeze(1)).squeeze(1)
    print(f"     padded with 0: mean over all steps {nll.mean():.4f}, over real steps {nll[tokens != 0].mean():.4f}")
    outcome = attempt("padding 0, default ignore_index", lambda: nn.CrossEntropyLoss()(zs, tokens))
    check(abs(outcome[1] - nll.mean().item()) < 1e-4,
          "padding 0 with the default ignore_index: SILENT, pad steps train as class 0")
    outcome = attempt("padding 0, ignore_index=0", lambda: nn.CrossEntropyLoss(ignore_index=0)(zs, tokens))
    check(abs(outcome[1] - nll[tokens != 0].mean().item()) < 1e-4, "ignore_index=0 excludes them")

    logits = torch.randn(16, 5)
    ids = torch.randint(0, 5, (16,))
    one_hot = F.one_hot(ids, 5).float()
    outcome = attempt("one-hot float targets, ignore_index=0", lambda: nn.CrossEntropyLoss(ignore_index=0)(logits, one_hot))
    check(outcome[1] == "RuntimeError: ignore_index is not supported for floating point target",
          "ignore_index with probability targets raises")
    outcome = attempt("one-hot float targets, ignore_index=-100 given explicitly",
                      lambda: nn.CrossEntropyLoss(ignore_index=-100)(logits, one_hot))
    check(outcome[0] == "ok", "the default value -100, even spelled out, is accepted with probability targets")
    outcome = attempt("one-hot long targets", lambda: nn.CrossEntropyLoss()(logits, one_hot.long()))
    check("Expected floating point type for target with class probabilities, got Long" in outcome[1],
          "one-hot int64 targets raise")


# -- 4. weights ---------------------------------------------------------------------------------------
def weights() -> None:
    print("== weights")
    torch.manual_seed(0)
    n, k = 8, 4
    z = torch.randn(n, k)
    y = (torch.rand(n, k) < 0.5).float()
    for shape in ((k,), (3,), (5,), (1,), (1, k), (n, 1), (k, 1)):
        pos_weight = torch.full(shape, 2.0)
        outcome = attempt(f"BCEWithLogitsLoss (N={n},K={k}) pos_weight {shape}",
                          lambda: nn.BCEWithLogitsLoss(pos_weight=pos_weight)(z, y))
        broadcastable = all(a in (1, b) for a, b in zip(reversed(shape), reversed((n, k))))
        check((outcome[0] == "ok") == broadcastable,
              f"pos_weight {shape}: {'broadcasts' if broadcastable else 'raises'} (plain broadcasting)")
    outcome = attempt("pos_weight (3,) on (N,4)", lambda: nn.BCEWithLogitsLoss(pos_weight=torch.ones(3))(z, y))
    check(outcome[1] == "RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
          "pos_weight of the wrong length: RuntimeError at the first call")
    z1, y1 = torch.randn(n, 1), (torch.rand(n, 1) < 0.5).float()
    outcome = attempt("pos_weight (K,) on a (N,1) output", lambda: nn.BCEWithLogitsLoss(pos_weight=torch.ones(k))(z1, y1))
    check("doesn't match the broadcast shape [8, 4]" in outcome[1], "pos_weight (K,) on one output column raises")
    outcome = attempt("pos_weight (N,) on a (N,) output",
                      lambda: nn.BCEWithLogitsLoss(pos_weight=torch.arange(1.0, n + 1))(z1[:, 0], y1[:, 0]))
    check(outcome[0] == "ok", "pos_weight of the batch size on a (N,) output broadcasts per SAMPLE, silently")
    outcome = attempt("the same pos_weight on a last batch of N-3",
                      lambda: nn.BCEWithLogitsLoss(pos_weight=torch.arange(1.0, n + 1))(z1[3:, 0], y1[3:, 0]))
    check(outcome[0] == "raises", "... and raises on a smaller last batch")
    square_z, square_y = torch.randn(k, k), (torch.rand(k, k) < 0.5).float()
    per_class = nn.BCEWithLogitsLoss(pos_weight=torch.arange(1.0, k + 1))(square_z, square_y).item()
    per_row = nn.BCEWithLogitsLoss(pos_weight=torch.arange(1.0, k + 1).reshape(k, 1))(square_z, square_y).item()
    print(f"     batch == K: pos_weight (K,) {per_class:.4f} vs (K,1) {per_row:.4f}")
    check(abs(per_class - per_row) > 1e-3, "pos_weight (K,1) with batch == K weights rows, not classes, silently")
    outcome = attempt("pos_weight=2.0 (a float)", lambda: nn.BCEWithLogitsLoss(pos_weight=2.0)(z1, y1))
    check("cannot assign 'float' object to buffer 'pos_weight'" in outcome[1],
          "pos_weight must be a tensor: TypeError at construction")

    logits, ids = torch.randn(n, k), torch.randint(0, k, (n,))
    for length in (k - 1, k + 1, 1):
        for name, fn in (("CrossEntropyLoss", lambda: nn.CrossEntropyLoss(weight=torch.ones(length))(logits, ids)),
                         ("NLLLoss", lambda: nn.NLLLoss(weight=torch.ones(length))(logits.log_softmax(1), ids))):
            outcome = attempt(f"{name} weight of {length} for {k} classes", fn)
            expected = (f"RuntimeError: weight tensor should be defined either for all {k} classes or no classes"
                        f" but got weight tensor of shape: [{length}]")
            check(outcome[1] == expected, f"{name}: weight of length {length} != {k} raises at the first call")
    segmentation = torch.randn(2, k, 3, 3), torch.randint(0, k, (2, 3, 3))
    outcome = attempt("CrossEntropyLoss weight of K-1 on (N,C,H,W)",
                      lambda: nn.CrossEntropyLoss(weight=torch.ones(k - 1))(*segmentation))
    check(outcome[1] == "RuntimeError: weight tensor should be defined either for all or no classes",
          "the spatial case says it without numbers")
    outcome = attempt("CrossEntropyLoss weight int64",
                      lambda: nn.CrossEntropyLoss(weight=torch.ones(k, dtype=torch.long))(logits, ids))
    check(outcome[1] == "RuntimeError: expected scalar type Float but found Long", "an integer weight tensor raises")


# -- 5. label_smoothing -------------------------------------------------------------------------------
def label_smoothing() -> None:
    print("== label_smoothing")
    torch.manual_seed(0)
    k = 5
    logits, ids = torch.randn(16, k), torch.randint(0, k, (16,))
    smoothed = F.one_hot(ids, k).float() * 0.9 + 0.1 / k
    want = -(smoothed * logits.log_softmax(1)).sum(1).mean().item()
    got = nn.CrossEntropyLoss(label_smoothing=0.1)(logits, ids).item()
    soft = nn.CrossEntropyLoss(label_smoothing=0.1)(logits, F.one_hot(ids, k).float()).item()
    print(f"     CrossEntropyLoss(label_smoothing=0.1): class ids {got:.6f}, one-hot {soft:.6f}, by hand {want:.6f}")
    check(abs(got - want) < 1e-5 and abs(soft - want) < 1e-5, "label_smoothing works with class ids and with probabilities")
    padded = ids.clone()
    padded[:4] = -100
    check(abs(nn.CrossEntropyLoss(label_smoothing=0.1)(logits, padded).item()
              - nn.CrossEntropyLoss(label_smoothing=0.1)(logits[4:], ids[4:]).item()) < 1e-5,
          "label_smoothing with ignore_index: the ignored rows are left out")
    for cls in (nn.NLLLoss, nn.BCELoss, nn.BCEWithLogitsLoss):
        outcome = ("ok", "")
        try:
            cls(label_smoothing=0.1)
        except TypeError as error:
            outcome = ("raises", str(error))
        print(f"     {cls.__name__}(label_smoothing=0.1): {outcome[0]} {outcome[1]}")
        check("unexpected keyword argument 'label_smoothing'" in outcome[1], f"{cls.__name__} has no label_smoothing: TypeError")


def main() -> None:
    print("torch", torch.__version__)
    autocast()
    ignore_index()
    weights()
    label_smoothing()
    print("all checks passed" if not failures else f"{len(failures)} checks FAILED")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
