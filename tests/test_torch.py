"""LL401-LL404: what the torch inference sees, case by case (torch itself is not needed)."""

from __future__ import annotations

import textwrap
from typing import List, Tuple

import pytest

from flake8_losslint.engine import analyze
from flake8_losslint.facts import LINEAR, SOFTMAX, TORCH_CROSS_ENTROPY, TorchLossUse

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def found(body: str, header: str = HEADER) -> List[Tuple[str, int]]:
    """(code, line) of every finding; lines count from the first line of ``body``."""
    offset = header.count("\n")
    source = header + textwrap.dedent(body).lstrip("\n")
    return [(r.code, r.line - offset) for r in analyze(source)]


def codes(body: str, header: str = HEADER) -> List[str]:
    return [code for code, _ in found(body, header)]


# -- what a prediction is --------------------------------------------------------

@pytest.mark.parametrize(
    "activation",
    [
        "F.softmax(z, dim=1)",
        "F.softmax(input=z, dim=1)",
        "torch.softmax(z, 1)",
        "torch.nn.functional.softmax(z, 1)",
        "torch.special.softmax(z, 1)",
        "z.softmax(dim=1)",
        "z.softmax(1).to(device)",
        "nn.Softmax(dim=1)(z)",
        "torch.nn.Softmax(1)(z)",
    ],
)
def test_softmax_spellings_under_cross_entropy(activation: str) -> None:
    assert codes(f"probs = {activation}\nloss = F.cross_entropy(probs, y)\n") == ["LL401"]


@pytest.mark.parametrize(
    "activation",
    ["F.log_softmax(z, dim=1)", "torch.log_softmax(z, 1)", "z.log_softmax(-1)", "nn.LogSoftmax(dim=1)(z)"],
)
def test_log_softmax_is_fine_for_nll_and_for_cross_entropy(activation: str) -> None:
    # CrossEntropyLoss on log_softmax: measured identical loss and gradients.
    assert codes(f"lp = {activation}\na = F.nll_loss(lp, y)\nb = nn.CrossEntropyLoss()(lp, y)\n") == []


@pytest.mark.parametrize(
    "activation",
    ["torch.sigmoid(z)", "F.sigmoid(z)", "torch.special.expit(z)", "z.sigmoid()", "nn.Sigmoid()(z)"],
)
def test_sigmoid_spellings(activation: str) -> None:
    body = f"p = {activation}\na = nn.BCEWithLogitsLoss()(p, y)\nb = nn.BCELoss()(p, y)\nc = F.nll_loss(p, y)\n"
    assert found(body) == [("LL404", 2), ("LL402", 4)]


def test_unknown_tensor_is_not_judged() -> None:
    assert codes("a = F.cross_entropy(z, y) + F.nll_loss(z, y) + F.binary_cross_entropy(z, y)\n") == []


def test_prediction_is_the_first_argument() -> None:
    body = """
    p = torch.softmax(z, 1)
    a = F.cross_entropy(y, p)
    b = F.cross_entropy(target=y, input=p)
    """
    assert found(body) == [("LL401", 3)]


def test_value_preserving_tensor_ops_keep_the_activation() -> None:
    body = """
    net = nn.Sequential(nn.Linear(4, 1))
    a = nn.BCELoss()(net(x).squeeze(1).float(), y)
    b = nn.BCELoss()(net(x).view(-1).to(device), y)
    c = nn.BCELoss()(torch.flatten(net(x)), y)
    d = nn.BCELoss()(net(x).clamp(0, 1), y)
    e = F.nll_loss(net(x).permute(0, 2, 1).contiguous(), y)
    """
    assert found(body) == [("LL403", 2), ("LL403", 3), ("LL403", 4), ("LL402", 6)]


# -- import spellings ----------------------------------------------------------------

@pytest.mark.parametrize(
    "header, loss, softmax",
    [
        ("import torch\n", "torch.nn.CrossEntropyLoss()", "torch.nn.functional.softmax"),
        ("from torch import nn\nfrom torch.nn import functional as F\n", "nn.CrossEntropyLoss()", "F.softmax"),
        ("from torch.nn import CrossEntropyLoss as CE\nfrom torch.nn.functional import softmax\n", "CE()", "softmax"),
        ("from torch.nn.modules.loss import CrossEntropyLoss\nimport torch\n", "CrossEntropyLoss()", "torch.softmax"),
    ],
)
def test_import_spellings(header: str, loss: str, softmax: str) -> None:
    assert codes(f"criterion = {loss}\nloss = criterion({softmax}(z, 1), y)\n", header=header) == ["LL401"]


def test_no_torch_import_no_finding() -> None:
    assert codes("loss = F.cross_entropy(F.softmax(z, 1), y)\n", header="import numpy as np\n") == []


# -- nn.Sequential -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "modules, code",
    [
        ("nn.Linear(8, 3), nn.Softmax(dim=1)", "LL401"),
        ("nn.Linear(8, 3), nn.Softmax(dim=1), nn.Dropout(0.1)", "LL401"),
        ("nn.Linear(8, 3), nn.Softmax(dim=1), nn.Flatten()", "LL401"),
        ("nn.Linear(8, 3), nn.Softmax(dim=1), nn.Linear(3, 3)", None),
        ("nn.Linear(8, 3), nn.LogSoftmax(dim=1)", None),
        ("nn.Linear(8, 3), nn.ReLU()", None),
        ("nn.Sequential(nn.Linear(8, 3)), nn.Softmax(1)", "LL401"),
        ("nn.Linear(8, 3), nn.Sequential(nn.ReLU(), nn.Softmax(1))", "LL401"),
        ("nn.Linear(8, 3), UnknownBlock()", None),
    ],
)
def test_sequential_last_module_decides(modules: str, code: str) -> None:
    body = f"model = nn.Sequential({modules})\nloss = nn.CrossEntropyLoss()(model(x), y)\n"
    assert codes(body) == ([code] if code else [])


def test_sequential_from_an_ordered_dict_is_unknown() -> None:
    body = """
    b = nn.Sequential(OrderedDict(fc=nn.Linear(8, 3), act=nn.Softmax(1)))
    loss = F.cross_entropy(b(x), y)
    """
    assert codes(body) == []


def test_sequential_from_a_list_follows_its_appends() -> None:
    body = """
    layers = [nn.Linear(8, 3)]
    layers.append(nn.Softmax(1))
    a = nn.Sequential(*layers)
    loss = F.cross_entropy(a(x), y)
    """
    assert codes(body) == ["LL401"]


@pytest.mark.parametrize(
    "change",
    [
        "if wide:\n    layers.append(nn.Softmax(1))",  # may not run
        "layers.insert(0, nn.Softmax(1))",
        "layers[-1] = nn.Identity()",
        "layers.extend(more)",
    ],
)
def test_sequential_from_a_list_changed_otherwise_is_unknown(change: str) -> None:
    body = f"layers = [nn.Linear(8, 3), nn.Softmax(1)]\n{change}\na = nn.Sequential(*layers)\nloss = F.cross_entropy(a(x), y)\n"
    assert codes(body) == []


@pytest.mark.parametrize(
    "change",
    [
        "model.append(nn.LogSoftmax(1))",
        "model.add_module('act', nn.LogSoftmax(1))",
        "model.insert(2, nn.LogSoftmax(1))",
        "model.pop(1)",
        "model[-1] = nn.Identity()",
        "del model[-1]",
        "setattr(model, '1', nn.Identity())",
        "model.register_forward_hook(lambda module, args, output: output.log())",
    ],
)
def test_sequential_changed_after_construction_is_unknown(change: str) -> None:
    body = f"model = nn.Sequential(nn.Linear(8, 3), nn.Softmax(1))\n{change}\nloss = F.cross_entropy(model(x), y)\n"
    assert codes(body) == []
    without = "model = nn.Sequential(nn.Linear(8, 3), nn.Softmax(1))\nloss = F.cross_entropy(model(x), y)\n"
    assert codes(without) == ["LL401"]


def test_changed_sequential_is_unknown_through_an_alias() -> None:
    body = """
    head = nn.Sequential(nn.Linear(8, 3))
    head.append(nn.LogSoftmax(1))
    model = nn.Sequential(nn.ReLU(), head)
    loss = F.nll_loss(model(x), y)
    """
    assert codes(body) == []


# -- nn.Module subclasses ---------------------------------------------------------------------

NET = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)
{extra}
    def forward(self, x):
{forward}
{methods}
"""


def net(forward: str, extra: str = "", after: str = "", methods: str = "") -> str:
    """A module class ``Net`` (``extra``: more lines of ``__init__``), then ``after``."""
    return (
        NET.format(
            forward=textwrap.indent(textwrap.dedent(forward), " " * 8),
            extra=extra,
            methods=textwrap.indent(textwrap.dedent(methods), " " * 4),
        )
        + after
    )


@pytest.mark.parametrize(
    "forward, code",
    [
        ("return self.fc(x)", None),
        ("return F.softmax(self.fc(x), dim=1)", "LL401"),
        ("x = self.fc(x)\nreturn x.softmax(dim=-1)", "LL401"),
        ("x = self.fc(x)\nx = torch.softmax(x, 1)\nreturn x", "LL401"),
        ("return F.log_softmax(self.fc(x), 1)", None),
        ("logits = self.fc(x)\nif self.training:\n    return logits\nreturn F.softmax(logits, 1)", None),
        ("return F.softmax(self.fc(x), 1) if self.use_probs else self.fc(x)", None),
        ("return self.fc(x), x", None),
    ],
)
def test_forward_return(forward: str, code: str) -> None:
    assert codes(net(forward, after="loss = nn.CrossEntropyLoss()(Net()(x), y)\n")) == ([code] if code else [])


def test_forward_returning_a_tuple() -> None:
    body = """
    class CharRNN(nn.Module):
        def __init__(self, n_letters, hidden, n_categories):
            super().__init__()
            self.i2h = nn.Linear(n_letters + hidden, hidden)
            self.i2o = nn.Linear(n_letters + hidden, n_categories)
            self.softmax = nn.Softmax(dim=1)

        def forward(self, letter, hidden):
            combined = torch.cat((letter, hidden), 1)
            return self.softmax(self.i2o(combined)), self.i2h(combined)

    rnn = CharRNN(57, 128, 18)
    criterion = nn.NLLLoss()
    output, hidden = rnn(letter, hidden)
    a = criterion(output, category)
    b = criterion(hidden, category)
    c = criterion(rnn(letter, hidden), category)
    """
    assert found(body) == [("LL402", 15), ("LL402", 16)]


def test_softmax_submodule_attribute() -> None:
    extra = "        self.softmax = nn.Softmax(dim=1)\n"
    body = net("return self.softmax(self.fc(x))", extra, after="loss = F.cross_entropy(Net()(x), y)\n")
    assert codes(body) == ["LL401"]


def test_submodule_named_softmax_is_not_taken_for_the_tensor_method() -> None:
    extra = "        self.softmax = nn.LogSoftmax(dim=1)\n"
    body = net("return self.softmax(self.fc(x))", extra, after="loss = F.nll_loss(Net()(x), y)\n")
    assert codes(body) == []


@pytest.mark.parametrize(
    "use",
    [
        "model = Net().to(device)\nmodel.eval()\nout = model(x)",
        "model = Net().cuda().train()\nout = model.forward(x)",
        "model = nn.DataParallel(Net())\nout = model(x)",
        "model = torch.compile(Net())\nout = model(x)",
        "model = torch.nn.parallel.DistributedDataParallel(Net().to(rank), device_ids=[rank])\nout = model(x)",
    ],
)
def test_model_handling_keeps_the_model(use: str) -> None:
    body = net("return torch.sigmoid(self.fc(x))", after=f"{use}\nloss = nn.BCEWithLogitsLoss()(out, y)\n")
    assert codes(body) == ["LL404"]


def test_criterion_attribute_and_self_call() -> None:
    extra = "        self.criterion = nn.NLLLoss().to(device)\n"
    methods = "def training_step(self, x, y):\n    return self.criterion(self(x), y)\n"
    assert codes(net("return self.fc(x)", extra, methods=methods)) == ["LL402"]


def test_self_call_is_unknown_when_a_subclass_overrides_forward() -> None:
    forward = "return F.softmax(self.fc(x), 1)"
    methods = "def loss(self, x, y):\n    return F.cross_entropy(self(x), y)\n"
    child = "\nclass Child(Net):\n    def forward(self, x):\n        return self.fc(x)\n"
    assert codes(net(forward, methods=methods)) == ["LL401"]
    assert codes(net(forward, after=child, methods=methods)) == []


def test_helper_method_of_the_module() -> None:
    methods = "def classify(self, h):\n    return torch.sigmoid(self.fc(h))\n"
    after = "loss = nn.BCEWithLogitsLoss()(Net()(x), y)\n"
    assert codes(net("return self.classify(x)", methods=methods, after=after)) == ["LL404"]
    decorated = "@some_decorator\n" + methods
    assert codes(net("return self.classify(x)", methods=decorated, after=after)) == []
    child = "\nclass Child(Net):\n    def classify(self, h):\n        return self.fc(h)\n"
    assert codes(net("return self.classify(x)", methods=methods, after=after + child)) == []


def test_inherited_forward() -> None:
    child = "\nclass Child(Net):\n    pass\n\nloss = F.cross_entropy(Child()(x), y)\n"
    assert codes(net("return F.softmax(self.fc(x), 1)", after=child)) == ["LL401"]


def test_inherited_forward_with_replaced_attributes_is_unknown() -> None:
    child = (
        "\nclass Child(Net):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Sequential(nn.Linear(16, 4), nn.LogSoftmax(1))\n"
        "\nloss = F.nll_loss(Child()(x), y)\n"
    )
    assert codes(net("return self.fc(x)", after=child)) == []


def test_unknown_base_class_is_not_judged() -> None:
    body = """
    class Net(Mixin, nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(16, 4)

    loss = F.nll_loss(Net()(x), y)
    """
    assert codes(body) == []


@pytest.mark.parametrize(
    "change",
    ["model.fc = nn.Sequential(nn.Linear(16, 4), nn.Sigmoid())", "model.fc[0] = nn.Identity()", "setattr(model, 'fc', head)"],
)
def test_model_changed_after_construction_is_unknown(change: str) -> None:
    body = net("return self.fc(x)", after=f"model = Net()\n{change}\nloss = nn.BCELoss()(model(x), y)\n")
    assert codes(body) == []
    assert codes(net("return self.fc(x)", after="model = Net()\nloss = nn.BCELoss()(model(x), y)\n")) == ["LL403"]


def test_keras_model_on_the_torch_backend_is_followed() -> None:
    body = """
    from tensorflow import keras

    class Net(keras.Model):
        def call(self, x):
            return torch.softmax(x, 1)

    loss = F.cross_entropy(Net()(x), y)
    """
    # Keras 3 on the torch backend: a Keras model returning torch.softmax,
    # trained with a torch loss.  The Keras inference knows its head.
    assert codes(body) == ["LL401"]


# -- criteria ---------------------------------------------------------------------------------------

def test_criterion_chosen_in_a_branch_is_unknown() -> None:
    body = """
    if multi:
        criterion = nn.BCELoss()
    else:
        criterion = nn.BCEWithLogitsLoss()
    loss = criterion(nn.Sequential(nn.Linear(3, 1))(x), y)
    """
    assert codes(body) == []


@pytest.mark.parametrize(
    "loss, code",
    [
        ("nn.CrossEntropyLoss()", None),
        ("nn.NLLLoss()", "LL402"),
        ("nn.BCELoss()", "LL403"),
        ("nn.BCEWithLogitsLoss()", None),
        ("F.cross_entropy", None),
        ("F.nll_loss", "LL402"),
        ("F.binary_cross_entropy", "LL403"),
        ("F.binary_cross_entropy_with_logits", None),
        ("nn.MSELoss()", None),
    ],
)
def test_each_loss_on_logits(loss: str, code: str) -> None:
    body = f"model = nn.Sequential(nn.Linear(8, 1))\nloss = ({loss})(model(x), y)\n"
    assert codes(body) == ([code] if code else [])


def test_report_position_message_and_subject() -> None:
    source = HEADER + textwrap.dedent(
        """
        model = nn.Sequential(
            nn.Linear(8, 3),
            nn.Softmax(dim=1),
        )
        criterion = nn.CrossEntropyLoss()
        loss = criterion(model(x), y)
        """
    )
    (report,) = analyze(source)
    assert (report.code, report.line, report.col) == ("LL401", 10, 17)
    assert report.message == (
        "nn.CrossEntropyLoss applies log_softmax itself, but its input is softmax probabilities (line 7): "
        "pass the logits from before the softmax"
    )
    use = report.finding.subject
    assert isinstance(use, TorchLossUse)
    assert use.kind == TORCH_CROSS_ENTROPY and use.prediction.activation == SOFTMAX
    assert use.prediction.units == 3


def test_linear_width_is_recorded_until_a_reshape() -> None:
    source = HEADER + (
        "model = nn.Sequential(nn.Linear(8, out_features=1))\n"
        "a = nn.BCELoss()(model(x), y)\n"
        "b = nn.BCELoss()(model(x).view(-1), y)\n"
    )
    first, second = analyze(source)
    assert (first.finding.subject.prediction.activation, first.finding.subject.prediction.units) == (LINEAR, 1)
    assert (second.finding.subject.prediction.activation, second.finding.subject.prediction.units) == (LINEAR, None)
    assert "(line 4)" in first.message and "(line 4)" in second.message
