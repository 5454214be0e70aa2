#!/usr/bin/env bash
# The GPU work of a session, in as few device calls as possible (device time is scarce and each call
# pays a start-up): run it from the repository root on a machine with a CUDA GPU and PyTorch.
#
#   bash scripts/gpu_session.sh env     # the machine: GPU, driver, torch / CUDA / Triton versions
#   bash scripts/gpu_session.sh tests   # the CUDA tests, then the rest of the suite with a GPU present
#   bash scripts/gpu_session.sh bench   # benchmarks: CUDA rows into benchmarks/results/gpu/, dense-count probe
#   bash scripts/gpu_session.sh all     # the three, in that order
#
# Logs, JUnit reports and the GPU results file go to $OUT (default ./gpu_out). Bring
# $OUT/RESULTS.json back to benchmarks/results/gpu/ and run
# `python -m benchmarks.run --from-json --out benchmarks/results/gpu/RESULTS.md` to render the tables,
# the chart and the README's GPU block from it. No install is needed: the package is imported from
# the working tree. Wheels for missing packages can travel in .whl/ (see CONTRIBUTING.md, "On a GPU").
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
status=0

stage_env() {
    {
        nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.mem --format=csv || true
        python3 - <<'EOF'
import importlib, platform, torch
print("python", platform.python_version(), "| torch", torch.__version__, "| CUDA", torch.version.cuda,
      "| available", torch.cuda.is_available())
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print(f"{p.name}: {p.multi_processor_count} SMs, {p.total_memory / 2**30:.0f} GiB, capability {p.major}.{p.minor}")
for name in ("triton", "numba", "torchmetrics", "lightning", "sklearn", "scipy", "pyarrow", "hypothesis", "mpmath"):
    try:
        print(name, importlib.import_module(name).__version__)
    except Exception as error:  # a missing package is a line in the report, not a stop
        print(name, "MISSING:", error)
import torch_mi
print("torch_mi", torch_mi.__version__, "from", torch_mi.__file__)
EOF
    } 2>&1 | tee "$OUT/env.txt"
}

stage_tests() {
    # The CUDA cases first: they are what only this machine can run.
    python3 -m pytest -m cuda -p no:cacheprovider -q -rfEs --junitxml="$OUT/junit-cuda.xml" 2>&1 | tee "$OUT/tests-cuda.log"
    status=$(( status | PIPESTATUS[0] ))
    # Then everything else with a GPU present (paths that check for CUDA take other branches). The
    # notebooks need Jupyter, which the GPU image lacks; CI runs them on the CPU.
    python3 -m pytest -m "not cuda" -p no:cacheprovider -q -rfE --ignore=tests/docs/test_notebooks.py \
        --junitxml="$OUT/junit-rest.xml" 2>&1 | tail -n 60 > "$OUT/tests-rest.log"
    status=$(( status | PIPESTATUS[0] ))
    tail -n 5 "$OUT/tests-rest.log"
}

stage_bench() {
    # CUDA rows only (the CPU figures of record come from the CPU machine); caps short enough that a
    # peer far behind costs seconds, not minutes.
    python3 -m benchmarks.run --devices cuda --fresh --threads 1 --cap 20 \
        --out benchmarks/results/gpu/RESULTS.md 2> "$OUT/bench.log"
    status=$(( status | $? ))
    cp benchmarks/results/gpu/RESULTS.json benchmarks/results/gpu/RESULTS.md "$OUT/" 2>/dev/null
    tail -n 3 "$OUT/bench.log"
    sed -n '/^## Targets/,/^See also\|^## [^T]/p' benchmarks/results/gpu/RESULTS.md | head -n 30
}

case "${1:-all}" in
    env) stage_env ;;
    tests) stage_env >/dev/null; stage_tests ;;
    bench) stage_env >/dev/null; stage_bench ;;
    all) stage_env; stage_tests; stage_bench ;;
    *) echo "usage: bash scripts/gpu_session.sh [env|tests|bench|all]" >&2; exit 2 ;;
esac
exit $status
