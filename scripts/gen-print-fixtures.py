#!/usr/bin/python3
"""Writes test/fixtures/print/cases.json: tensors and how PyTorch prints them (repr), for
test/tensor/format.test.ts, which checks that convkit's Tensor.toString() prints the same.

Run with /usr/bin/python3 (torch 1.13): /usr/bin/python3 scripts/gen-print-fixtures.py [--out FILE]
With --stdin it reads {"cases": [{dtype, shape, data, requiresGrad, op, options}]} (the fixture's
format) from stdin and writes the JSON list of their printed strings instead
(test/tensor/format-torch.slow.test.ts sends random tensors that way).

Two namings are adapted to convkit's, as documented in src/tensor/format.ts: convkit's int32 is
its default integer type, so the integer cases are made as torch.int64 (torch's default integer
type) and `dtype=torch.int64` becomes `dtype=int32`; `grad_fn=<MulBackward0>` becomes
`grad_fn=<MulBackward>` (convkit's op names carry no version number).
"""
import json
import math
import os
import sys

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "print", "cases.json")

# The names are adapted where PyTorch lays the suffixes out, so that line wrapping is decided on
# the adapted (shorter) text, as convkit decides it.
_torch_add_suffixes = torch._tensor_str._add_suffixes


def _convkit_suffixes(tensor_str, suffixes, indent, force_newline):
    adapted = [x.replace("dtype=torch.int64", "dtype=int32").replace("Backward0>", "Backward>") for x in suffixes]
    return _torch_add_suffixes(tensor_str, adapted, indent, force_newline)


torch._tensor_str._add_suffixes = _convkit_suffixes

# convkit option names -> torch.set_printoptions keywords
OPTION_NAMES = {
    "precision": "precision",
    "threshold": "threshold",
    "edgeItems": "edgeitems",
    "lineWidth": "linewidth",
    "sciMode": "sci_mode",
    "profile": "profile",
}

# convkit: x.mul(2), x.add(1), x.relu(), x.sum()
OPS = {
    "mul2": lambda x: x * 2,
    "add1": lambda x: x + 1,
    "relu": lambda x: torch.relu(x),
    "sum": lambda x: x.sum(),
}


def encode(v):
    """JSON has no NaN, Infinity or -0: those go as strings."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 and math.copysign(1.0, v) < 0:
        return "-0"
    return v


def decode(v):
    return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-0": -0.0}[v] if isinstance(v, str) else v


def printed(c):
    """How PyTorch prints a case given as data (the --stdin mode)."""
    dtype = torch.int64 if c["dtype"] == "int32" else torch.float32
    t = torch.tensor([decode(v) for v in c["data"]], dtype=dtype).reshape(c["shape"])
    return case("stdin", t, c.get("requiresGrad", False), c.get("op"), c.get("options"))["expected"]


def big_case(name, shape, mul=1, mod=7, offset=0, scale=1, last=None):
    """A tensor kept out of the JSON file (too big, or no need for its digits): element i is
    ((i * mul) % mod - offset) / scale (exact in float32 for a power-of-two scale), the last
    one is `last` if given."""
    n = math.prod(shape)
    t = ((torch.arange(n) * mul) % mod - offset).to(torch.float32) / scale
    if last is not None:
        t[-1] = last
    c = case(name, t.reshape(shape))
    c["data"] = []
    c["fill"] = {"mul": mul, "mod": mod, "offset": offset, "scale": scale, "last": last}
    return c


def case(name, t, requires_grad=False, op=None, options=None):
    options = options or {}
    if requires_grad:
        t = t.clone().requires_grad_(True)
    shown = OPS[op](t) if op else t
    torch.set_printoptions(**{OPTION_NAMES[k]: v for k, v in options.items()})
    try:
        text = repr(shown)
    finally:
        torch.set_printoptions(profile="default")
    assert "torch." not in text, f"{name}: unadapted torch name in {text!r}"
    is_int = t.dtype == torch.int64
    flat = t.detach().reshape(-1).tolist()
    return {
        "name": name,
        "dtype": "int32" if is_int else "float32",
        "shape": list(t.shape),
        "data": [int(v) for v in flat] if is_int else [encode(v) for v in flat],
        "requiresGrad": requires_grad,
        "op": op,
        "options": options,
        "expected": text,
    }


def main():
    if "--stdin" in sys.argv:
        json.dump([printed(c) for c in json.load(sys.stdin)["cases"]], sys.stdout)
        return
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else OUT
    g = torch.Generator().manual_seed(0)

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=g) * scale

    f = lambda data: torch.tensor(data, dtype=torch.float32)
    i = lambda data: torch.tensor(data, dtype=torch.int64)
    cases = [
        case("1-D", f([1.5, -2.25, 3.0])),
        case("2-D", f([[1.0, -2.5], [3.0, 4.0]])),
        case("3-D randn", randn(2, 3, 4)),
        case("4-D randn", randn(2, 2, 3, 3)),
        case("negative only", f([-1.25, -0.5, -3.75])),
        case("integer-valued floats", f([[1.0, 2.0, 3.0], [-4.0, 50.0, 600.0]])),
        case("integer-valued 1e3 ratio -> sci", f([1.0, 10000.0])),
        case("integer-valued above 1e8 -> sci", f([2.0e9, 3.0])),
        case("mixed magnitudes -> sci", f([1e-5, 1.0, 100.0])),
        case("small values -> sci", f([[1.5e-5, -2.5e-6], [3.0e-5, 0.0]])),
        case("ratio just under 1000", f([0.25, 249.5])),
        case("large values", f([123456.789, -98765.4321])),
        case("zeros", torch.zeros(2, 3)),
        case("negative zero", f([-0.0, 1.5])),
        case("negative zero int mode", f([-0.0, 0.0, 2.0])),
        case("NaN and Inf", f([1.5, float("nan"), float("inf"), float("-inf")])),
        case("NaN and Inf int mode", f([[1.0, float("nan")], [float("-inf"), 20.0]])),
        case("only NaN", f([float("nan"), float("inf")])),
        case("NaN with sci", f([1e-6, float("nan"), 5.0])),
        case("ties round half to even", f([1.03125, 2.96875, -0.15625])),
        case("ties round half to even, sci", f([1.03125e-6, 2.96875, -0.15625])),
        case("long row wraps", randn(30)),
        case("long 2-D rows wrap", randn(2, 15)),
        case("summarised 1-D", torch.arange(2000, dtype=torch.float32)),
        big_case("summarised 2-D", [40, 40], mul=7919, mod=2001, offset=1000, scale=256),
        big_case("summarised 3-D", [10, 10, 20], mul=104729, mod=4099, offset=2049, scale=1024),
        big_case("summarised 4-D", [4, 5, 8, 9], mul=7919, mod=999, offset=400, scale=64),
        big_case("summarised along one dim only", [1001, 2], mul=31, mod=1000, offset=500, scale=128),
        case("summarised int", torch.arange(-1000, 1000, dtype=torch.int64).reshape(40, 50)),
        case("int 1-D", i([1, -20, 300])),
        case("int 2-D", i([[1, -20], [300, 4]])),
        case("int scalar", i(7)),
        case("scalar", f(3.5)),
        case("scalar integer-valued", f(2.0)),
        case("scalar sci", f(-0.000012)),
        case("scalar NaN", f(float("nan"))),
        case("empty 1-D", torch.zeros(0)),
        case("empty 2-D", torch.zeros(0, 3)),
        case("empty 3-D", torch.zeros(2, 0, 3)),
        case("empty int", torch.zeros(0, dtype=torch.int64)),
        case("empty int 2-D", torch.zeros(3, 0, dtype=torch.int64)),
        case("requires_grad", f([1.0, 2.0]), requires_grad=True),
        case("requires_grad suffix wraps", randn(8), requires_grad=True),
        case("requires_grad empty", torch.zeros(0, 2), requires_grad=True),
        case("grad_fn mul", f([[1.0, 2.0], [3.0, 4.5]]), requires_grad=True, op="mul2"),
        case("grad_fn add", randn(3), requires_grad=True, op="add1"),
        case("grad_fn relu", f([[-1.0, 2.5, 0.0], [0.5, -3.0, 7.25]]), requires_grad=True, op="relu"),
        case("grad_fn sum scalar", randn(4), requires_grad=True, op="sum"),
        case("grad_fn suffix wraps", randn(2, 8), requires_grad=True, op="mul2"),
        case("precision 2", randn(2, 3), options={"precision": 2}),
        case("precision 2 tie", f([0.125, 0.375, -0.625]), options={"precision": 2}),
        case("precision 0", f([1.5, 2.5, -0.4]), options={"precision": 0}),
        case("precision 8", randn(3), options={"precision": 8}),
        case("sci forced on", f([1.5, -2.25]), options={"sciMode": True}),
        case("sci forced on, zeros", torch.zeros(2), options={"sciMode": True}),
        case("sci forced on, ints", f([1.0, 20.0]), options={"sciMode": True}),
        case("sci forced off", f([1e-5, 1.0, 100.0]), options={"sciMode": False}),
        case("sci forced off, big ints", f([1.0, 1e10]), options={"sciMode": False}),
        case("threshold 10 edgeitems 2", torch.arange(24, dtype=torch.float32).reshape(4, 6),
             options={"threshold": 10, "edgeItems": 2}),
        case("linewidth 40", randn(12), options={"lineWidth": 40}),
        case("linewidth 40 with grad", randn(3, 4), requires_grad=True, options={"lineWidth": 40}),
        case("profile short", randn(20, 3), options={"profile": "short"}),
        case("profile full big", torch.arange(1100, dtype=torch.int64), options={"profile": "full"}),
        big_case("2M elements", [500, 4000], mod=7, last=0.5),
    ]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as fh:
        # one case a line: diffs stay readable
        fh.write('{"torch": %s, "cases": [\n' % json.dumps(torch.__version__))
        fh.write(",\n".join(json.dumps(c) for c in cases))
        fh.write("\n]}\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
