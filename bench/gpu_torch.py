# PyTorch side of the GPU benchmark: the same copy kernel and 8-op chain + sum as bench/GpuBench.java,
# timed with CUDA events (median of runs after warm-up). Eager, and torch.compile where it works.
import sys
import torch

from torch_timing import med_ms

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 28
runs = 10
torch.manual_seed(1)
x = torch.rand(n, device="cuda", dtype=torch.float32)


def chain(x):
    return torch.sqrt(torch.abs(torch.relu(x * 1.5 + 0.5) * x - 0.25) + 1).sum()


gb = n * 4 / 1e9
copy = med_ms(lambda: x * 1.0001, runs)
eager = med_ms(lambda: chain(x), runs)
print(f"| torch {torch.__version__} copy kernel (x*1.0001) | {copy:.3f} | {2 * gb / (copy / 1e3):.0f} GB/s |")
print(f"| torch eager 8-op chain + sum | {eager:.3f} | {gb / (eager / 1e3):.0f} GB/s |")
try:
    compiled = torch.compile(chain)
    c = med_ms(lambda: compiled(x), runs)
    print(f"| torch.compile 8-op chain + sum | {c:.3f} | {gb / (c / 1e3):.0f} GB/s |")
except Exception as e:  # no compiler toolchain on the machine, for example
    print(f"| torch.compile | failed: {type(e).__name__}: {str(e)[:80]} | |")
print("torch chain sum =", float(chain(x)))
