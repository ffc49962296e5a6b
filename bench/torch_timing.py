# Timing for the PyTorch sides of the GPU benchmarks (gpu_suite.py, gpu_torch.py, onnx_gpu_torch.py): medians
# after 3 warm-up calls, of kernel time (CUDA events) or of wall time with the device synchronised.
import time

import torch


def _event_ms(f):
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    f()
    b.record()
    torch.cuda.synchronize()
    return a.elapsed_time(b)


def _wall_ms(f):
    t0 = time.perf_counter()
    f()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1e3


def _median_ms(f, runs, one):
    for _ in range(3):
        f()
    torch.cuda.synchronize()
    ts = sorted(one(f) for _ in range(runs))
    return ts[len(ts) // 2]


def med_ms(f, runs=20):
    """Median CUDA-event time of f() in ms: the device work one call queues."""
    return _median_ms(f, runs, _event_ms)


def wall_med_ms(f, runs=20):
    """Median wall time of f() in ms with the device synchronised: whole steps, host work included."""
    return _median_ms(f, runs, _wall_ms)
