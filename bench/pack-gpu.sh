#!/usr/bin/env bash
# Packs what bench/gpu-suite.sh needs on a GPU machine that has no Maven or network, into one folder (default .gpu,
# which git ignores): jtiny's jars and JOCL's (lib/), GpuSuite, TrainBench and EagerBench compiled (classes/), the PyTorch side,
# and the ONNX test data's light resnet50. About 2 MB. Then, on the GPU machine: bash .gpu/gpu-suite.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out=${1:-$ROOT/.gpu}
light=${JTINY_ONNX_TESTS:-$ROOT/../shared/onnx-tests}/light
"$ROOT/jtiny" build >/dev/null
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[[ -x $JDK/bin/javac ]] || { echo "pack-gpu.sh: no JDK 25 at $JDK (set JAVA_HOME)" >&2; exit 2; }
[[ -f $light/light_resnet50.onnx ]] || { echo "pack-gpu.sh: no $light/light_resnet50.onnx (set JTINY_ONNX_TESTS)" >&2; exit 2; }
rm -rf "$out/lib" "$out/classes"
mkdir -p "$out/lib" "$out/classes"
cp "$ROOT"/kernel/target/lib/jtiny-*.jar "$ROOT"/kernel/target/lib/jocl-*.jar "$out/lib/"
"$JDK/bin/javac" --add-modules jdk.incubator.vector -nowarn -d "$out/classes" -cp "$out/lib/*" \
  "$ROOT/bench/GpuSuite.java" "$ROOT/bench/TrainBench.java" "$ROOT/bench/EagerBench.java" 2>&1 | grep -v 'incubat' || true
[[ -f $out/classes/GpuSuite.class ]] || { echo "pack-gpu.sh: compiling GpuSuite failed" >&2; exit 1; }
cp "$ROOT/bench/gpu_suite.py" "$ROOT/bench/torch_timing.py" "$ROOT/bench/gpu-suite.sh" "$light/light_resnet50.onnx" "$out/"
echo "packed $(du -sh "$out" | cut -f1) into $out; on the GPU machine: bash $(basename "$out")/gpu-suite.sh [BEAM width]"
