# PyTorch side of the training benchmark: the same CNN, optimizer, batch size and data as bench/TrainBench.java.
# Reads Fashion-MNIST from the IDX files (path as the first argument), times steps with CUDA synchronisation.
import gzip, os, struct, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

root = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def idx(name):
    path = os.path.join(root, name)
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, rows, cols).astype(np.float32) / 255
    return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)


dev = "cuda" if torch.cuda.is_available() else "cpu"
xtr, ytr = torch.tensor(idx("train-images-idx3-ubyte.gz")), torch.tensor(idx("train-labels-idx1-ubyte.gz"))
xte, yte = torch.tensor(idx("t10k-images-idx3-ubyte.gz")).to(dev), torch.tensor(idx("t10k-labels-idx1-ubyte.gz")).to(dev)
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                    nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10)).to(dev)
opt = torch.optim.Adam(net.parameters(), 1e-3)
g = torch.Generator().manual_seed(1)
for epoch in range(epochs):
    perm = torch.randperm(len(xtr), generator=g)
    t0, steps, step_ms = time.perf_counter(), 0, 0.0
    for i in range(0, len(xtr) - 63, 64):
        idx_b = perm[i:i + 64]
        s0 = time.perf_counter()
        xb, yb = xtr[idx_b].to(dev), ytr[idx_b].to(dev)
        opt.zero_grad()
        loss = F.cross_entropy(net(xb), yb)
        loss.backward()
        opt.step()
        if dev == "cuda":
            torch.cuda.synchronize()
        if steps >= 5:
            step_ms += (time.perf_counter() - s0) * 1e3
        steps += 1
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    print(f"torch {torch.__version__} eager epoch {epoch}: test accuracy {acc:.4f}, {time.perf_counter() - t0:.1f} s, "
          f"{step_ms / (steps - 5):.2f} ms per step")
