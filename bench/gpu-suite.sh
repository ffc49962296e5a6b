#!/usr/bin/env bash
# The GPU suite in one command, on a machine with a GPU, PyTorch and the folder bench/pack-gpu.sh made (it builds
# nothing): PyTorch's side (bench/gpu_suite.py), jtiny's side with the default heuristics (bench/GpuSuite.java),
# then the compute-bound cases again under BEAM search with an empty choice cache, and a table of the two.
# Usage (in the packed folder): bash gpu-suite.sh [BEAM width, default 4]      Output: the tables; suite.svg.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")"
beam=${1:-4}
java=(java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xmx64g -cp "classes:lib/*")
[[ -d classes && -d lib ]] || { echo "gpu-suite.sh: run bench/pack-gpu.sh first (no classes/ or lib/ here)" >&2; exit 2; }
command -v java >/dev/null || { echo "gpu-suite.sh: no java on the PATH (a JDK 25 runtime)" >&2; exit 2; }
compute="matmul_1024x1024x1024 matmul_4096x4096x4096 matmul_64x8192x8192 linear_relu conv2d conv2d_256x28 conv1x1_256x56 conv2d_512x7"

echo "== PyTorch $(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null) on $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)"
timeout 400 python3 gpu_suite.py --onnx-light . > torch.jsonl 2> torch.err || { echo "gpu_suite.py failed:"; tail -20 torch.err; exit 1; }
echo "== jtiny, default heuristics"
timeout 400 "${java[@]}" -Donnx.light=. -Dchart=suite.svg GpuSuite torch.jsonl > heuristic.txt 2>&1 || { tail -30 heuristic.txt; exit 1; }
grep -v '^WARNING' heuristic.txt
echo "== jtiny, BEAM=$beam (empty cache), compute-bound cases"
rm -rf beam-cache
timeout 500 "${java[@]}" -Djtiny.beam="$beam" -Djtiny.debug=2 -Djtiny.cachedir=beam-cache GpuSuite torch.jsonl $compute > beam.txt 2>&1 \
  || { tail -30 beam.txt; exit 1; }
grep '^beam ' beam.txt | cut -c1-260
echo
echo "| case | heuristics ms | BEAM=$beam ms | BEAM / heuristics |"
echo "|---|---:|---:|---:|"
for c in $compute; do
  h=$(grep "^| $c " heuristic.txt | tail -1 | awk -F'|' '{print $4}')
  b=$(grep "^| $c " beam.txt | tail -1 | awk -F'|' '{print $4}')
  awk -v c="$c" -v h="$h" -v b="$b" 'BEGIN { printf "| %s | %.3f | %.3f | %.2f |\n", c, h, b, b / h }'
done
