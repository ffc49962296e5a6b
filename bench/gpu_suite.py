# PyTorch side of the GPU suite (bench/GpuSuite.java reads what this prints): the same cases on the same inputs,
# timed with CUDA events (median after warm-up), eager and torch.compile where it works, TF32 off.
# Prints one JSON object per line: {"case", "eager_ms", "compile_ms", "check": [sum, first, last, sum of |x|]}.
# cnn_step and resnet50 are wall times per call (host work included, synchronised), as GpuSuite times them; the
# resnet50 check is ONNX Runtime (CPU) on the same light model file and input as jtiny's (argument --onnx-light DIR).
import json
import os
import sys

import torch

from torch_timing import med_ms, wall_med_ms

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def data(*shape):
    """The suite's inputs: x[i] = ((i * 2654435761) mod 1000003) / 1000003 - 0.5, in float32, as GpuSuite makes them."""
    n = 1
    for d in shape:
        n *= d
    i = torch.arange(n, device="cuda", dtype=torch.int64)
    return ((i * 2654435761 % 1000003).double() / 1000003.0 - 0.5).float().reshape(shape)


def check(t):
    t = t.double().flatten()
    return [t.sum().item(), t[0].item(), t[-1].item(), t.abs().sum().item()]


def chain(x):
    return torch.sqrt(torch.abs(torch.relu(x * 1.5 + 0.5) * x - 0.25) + 1)


def layernorm(x):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), eps=1e-5)


def x64_sum():
    return data(1 << 28).double().sum().item()


def cnn_step_fn(compiled=False):
    """TrainBench's CNN (random init), Adam 1e-3, one step on GpuSuite's fixed batch of 64."""
    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10)).cuda()
    model = torch.compile(net) if compiled else net
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = data(64, 1, 28, 28)
    y = torch.tensor([(7 * i) % 10 for i in range(64)], device="cuda")

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def resnet50(light):
    """torchvision's resnet50 (random weights: the light model's layers and FLOPs), batch 1, eager; and ONNX
    Runtime's output for the light model file on the suite's input, as the check."""
    import torchvision
    out = {"case": "resnet50"}
    net = torchvision.models.resnet50().cuda().eval()
    x = data(1, 3, 224, 224)
    with torch.no_grad():
        out["eager_ms"] = wall_med_ms(lambda: net(x))
        try:
            compiled = torch.compile(net)
            out["compile_ms"] = wall_med_ms(lambda: compiled(x))
        except Exception as e:  # noqa: BLE001
            out["compile_error"] = str(e).splitlines()[0][:120]
    try:
        import onnxruntime as ort
        session = ort.InferenceSession(os.path.join(light, "light_resnet50.onnx"), providers=["CPUExecutionProvider"])
        feed = {session.get_inputs()[0].name: x.cpu().numpy()}
        out["check"] = check(torch.tensor(session.run(None, feed)[0]))
    except ImportError:
        out["check_error"] = "onnxruntime is not installed"
    return out


def conv(n, cin, hw, cout, k, scale):
    """A convolution that keeps its size (padding k // 2), as GpuSuite.conv makes it."""
    img, w = data(n, cin, hw, hw), data(cout, cin, k, k) * scale
    return lambda: torch.nn.functional.conv2d(img, w, padding=k // 2)


def cases():
    n = 1 << 28
    x = data(n)
    yield "chain", lambda: chain(x)
    yield "sum", lambda: x.sum()
    rows = x.reshape(16384, 16384)
    yield "sum_rows", lambda: rows.sum(1)
    s = data(16384, 4096)
    yield "softmax", lambda: torch.softmax(s, 1)
    yield "layernorm", lambda: layernorm(s)
    for m, k, nn in ((1024, 1024, 1024), (4096, 4096, 4096), (64, 8192, 8192)):
        a, b = data(m, k), data(k, nn) * 0.01
        yield "matmul_%dx%dx%d" % (m, k, nn), (lambda a=a, b=b: a @ b)
    yield "conv2d", conv(32, 64, 56, 128, 3, 0.05)
    tokens, lw, lb = data(4096, 1024), data(4096, 1024) * 0.01, data(4096) * 0.1
    yield "linear_relu", lambda: torch.relu(torch.nn.functional.linear(tokens, lw, lb))
    yield "conv2d_256x28", conv(32, 256, 28, 256, 3, 0.02)
    yield "conv1x1_256x56", conv(32, 256, 56, 64, 1, 0.05)
    yield "conv2d_512x7", conv(32, 512, 7, 512, 3, 0.01)


def main():
    args = sys.argv[1:]
    light = None
    if "--onnx-light" in args:
        i = args.index("--onnx-light")
        light = args[i + 1]
        del args[i:i + 2]
    only = args
    copy_src = data(1 << 28)
    dst = torch.empty_like(copy_src)
    copy_ms = med_ms(lambda: dst.copy_(copy_src))
    print(json.dumps({"case": "peak_copy", "eager_ms": copy_ms, "gbps": 2 * copy_src.numel() * 4 / copy_ms / 1e6}), flush=True)
    big_a, big_b = data(8192, 8192), data(8192, 8192)
    mm_ms = med_ms(lambda: big_a @ big_b)
    print(json.dumps({"case": "peak_matmul", "eager_ms": mm_ms, "tflops": 2 * 8192 ** 3 / mm_ms / 1e9}), flush=True)
    del big_a, big_b, copy_src, dst
    for name, f in cases():
        if only and name not in only:
            continue
        eager = med_ms(f)
        out = {"case": name, "eager_ms": eager, "check": check(f())}
        if name == "sum":  # how far each float32 sum is from the float64 one
            out["ref"] = x64_sum()
        if not name.startswith(("chain", "sum", "softmax", "layernorm", "linear")):
            print(json.dumps(out), flush=True)  # cuBLAS / cuDNN alone: torch.compile calls the same library
            continue
        try:
            compiled = torch.compile(f)
            out["compile_ms"] = med_ms(compiled)
        except Exception as e:  # noqa: BLE001 - torch.compile fails on some machines; say so and go on
            out["compile_error"] = str(e).splitlines()[0][:120]
        print(json.dumps(out), flush=True)
        torch.cuda.empty_cache()
    if not only or "cnn_step" in only:
        out = {"case": "cnn_step", "eager_ms": wall_med_ms(cnn_step_fn())}
        try:
            out["compile_ms"] = wall_med_ms(cnn_step_fn(compiled=True))
        except Exception as e:  # noqa: BLE001
            out["compile_error"] = str(e).splitlines()[0][:120]
        print(json.dumps(out), flush=True)
    if light and (not only or "resnet50" in only or "resnet50_nojit" in only):
        r = resnet50(light)
        print(json.dumps(r), flush=True)
        print(json.dumps(dict(r, case="resnet50_nojit")), flush=True)


if __name__ == "__main__":
    main()
