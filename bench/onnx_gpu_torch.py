# GPU baselines for bench/OnnxBench.java's light models on the device machine, batch 1, fp32, TF32 off:
# ONNX Runtime on the same .onnx files when its GPU package is there, else torchvision's models of the same
# architectures (random weights: same layers and FLOPs, not the same file). Medians of 20 after warm-up, CUDA events.
import sys
import time

import torch

from torch_timing import med_ms

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
light = sys.argv[1]
RUNS = 20


try:
    import onnxruntime as ort
    providers = ort.get_available_providers()
    print("onnxruntime", ort.__version__, providers)
except ImportError:
    ort = None
    print("onnxruntime: not installed")
if ort is not None and "CUDAExecutionProvider" in providers:
    import numpy as np
    for name in ["squeezenet", "shufflenet", "bvlc_alexnet", "resnet50", "inception_v1", "inception_v2", "densenet121", "zfnet512", "vgg19"]:
        s = ort.InferenceSession("%s/light_%s.onnx" % (light, name), providers=["CUDAExecutionProvider"])
        i = s.get_inputs()[0]
        x = np.random.rand(*i.shape).astype(np.float32)
        for _ in range(3):
            s.run(None, {i.name: x})
        ts = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            s.run(None, {i.name: x})
            ts.append((time.perf_counter() - t0) * 1e3)
        ts.sort()
        print("| %s | ort-cuda | %.2f |" % (name, ts[RUNS // 2]), flush=True)
try:
    import torchvision.models as tvm
    print("torchvision", __import__("torchvision").__version__)
except ImportError:
    tvm = None
    print("torchvision: not installed")
if tvm is not None:
    same = {"squeezenet": tvm.squeezenet1_0, "bvlc_alexnet": tvm.alexnet, "resnet50": tvm.resnet50,
            "inception_v1": lambda: tvm.googlenet(aux_logits=False, init_weights=True), "densenet121": tvm.densenet121,
            "vgg19": tvm.vgg19}
    for name, make in same.items():
        m = make().cuda().eval()
        x = torch.rand(1, 3, 224, 224, device="cuda")
        with torch.no_grad():
            ms = med_ms(lambda: m(x))
        print("| %s | torchvision eager | %.2f |" % (name, ms), flush=True)
