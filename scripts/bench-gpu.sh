#!/usr/bin/env bash
# `npm run bench:gpu`: the prepared device check for an NVIDIA GPU host (fits in 10 minutes).
#
#   scripts/bench-gpu.sh [--dry-run] [--node PATH] [--cuda-from DIR] [--out NAME]   (results in bench/results/NAME)
#
# 1. finds Node (--node, ZEROSHOT_NODE, .cache/node/bin/node, then `node` on PATH): GPU hosts often have
#    Python and torch but no Node; copy a Node 20+ binary to .cache/node/bin/node (any linux-x64 build from
#    nodejs.org) or pass --node;
# 2. npm dependencies and the build (skipped when node_modules/ and dist/ are already there);
# 3. the CUDA provider: `npm run cuda:install` (downloads it from npm), or --cuda-from DIR (offline);
# 4. the ViT-B/32-shaped stand-in (scripts/make-stand-in-clip.py --preset b32) plus its fp16 graphs
#    (scripts/gpu/make-fp16-variant.py, exported on the GPU), in .cache/models/clip-b32-stand-in;
# 5. samples nvidia-smi every 200 ms while it runs
#    - the engine bench on CUDA, fp32 then fp16, vision batch sweep 16..256, large-photo decode table;
#    - the end-to-end bench (Redis + S3 server + workers), one then two workers per GPU, fp16 defaults;
# 6. prints one table: per phase img/s, per-stage times, GPU utilisation and memory (and writes JSON).
#
# --dry-run: no GPU needed. Runs every step but the GPU ones on the CPU with the tiny fixture model (no
# CUDA install, no fp16 export; nvidia-smi sampling skipped), to check the script end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DRY_RUN=0
NODE_BIN=${ZEROSHOT_NODE:-}
CUDA_FROM=""
NAME="gpu-$(date -u +%Y-%m-%dT%H-%MZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --node) NODE_BIN=$2; shift ;;
    --cuda-from) CUDA_FROM=$2; shift ;;
    --out) NAME=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "bench-gpu: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

OUT="$ROOT/bench/results/$NAME"
say() { printf '[bench:gpu] %s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }

if [ -z "$NODE_BIN" ]; then
  if [ -x "$ROOT/.cache/node/bin/node" ]; then NODE_BIN="$ROOT/.cache/node/bin/node"
  elif command -v node >/dev/null 2>&1; then NODE_BIN=$(command -v node)
  else die "no Node.js: copy a Node 20+ linux-x64 binary to .cache/node/bin/node, or pass --node PATH"; fi
fi
"$NODE_BIN" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || die "$NODE_BIN is older than Node 20"
export PATH="$(dirname "$NODE_BIN"):$PATH"
PYTHON=${ZEROSHOT_PYTHON:-python3}
mkdir -p "$OUT"
PHASES="$OUT/phases.tsv"
: > "$PHASES"
now_ms() { "$NODE_BIN" -e 'process.stdout.write(String(Date.now()))'; }
# phase NAME RESULT_JSON COMMAND...: runs it, records its time window and result file for the report
phase() {
  local name=$1 result=$2; shift 2
  say "$name"
  local start; start=$(now_ms)
  if "$@" > "$OUT/$name.log" 2>&1; then status=ok; else status=failed; fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$start" "$(now_ms)" "$status" "$result" >> "$PHASES"
  [ "$status" = ok ] || say "$name failed: see $OUT/$name.log (last lines below)"
  [ "$status" = ok ] || tail -5 "$OUT/$name.log" >&2
}

GPUS=0
if [ "$DRY_RUN" = 0 ]; then
  command -v nvidia-smi >/dev/null || die "nvidia-smi not found: no NVIDIA driver here (use --dry-run)"
  GPUS=$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)
  [ "$GPUS" -gt 0 ] || die "nvidia-smi lists no GPU"
  say "$GPUS GPU(s): $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | head -1)"
fi

# 2. dependencies and build
if [ ! -d node_modules/onnxruntime-node ]; then
  say "npm ci"
  npm ci --ignore-scripts --no-audit --no-fund >/dev/null || die "npm ci (needs the npm registry, or carry node_modules/)"
fi
if [ ! -f dist/bench/engine.js ] || [ ! -f dist/src/cli/main.js ]; then
  say "build"
  "$NODE_BIN" node_modules/typescript/bin/tsc -p tsconfig.json || die "build"
fi

# 3-4. CUDA provider and model
if [ "$DRY_RUN" = 1 ]; then
  MODEL="$ROOT/test/fixtures/tiny-clip"
  DTYPES="fp32"
  PROVIDER_NOTE="cpu (dry run)"
else
  if [ -n "$CUDA_FROM" ]; then
    "$NODE_BIN" scripts/install-cuda-provider.mjs --from "$CUDA_FROM" || die "cuda:install --from $CUDA_FROM"
  else
    "$NODE_BIN" scripts/install-cuda-provider.mjs || die "cuda:install (offline? use --cuda-from DIR)"
  fi
  "$NODE_BIN" scripts/install-cuda-provider.mjs --check || die "the CUDA provider's libraries do not resolve"
  MODEL="$ROOT/.cache/models/clip-b32-stand-in"
  if [ ! -f "$MODEL/onnx/vision_model.onnx" ]; then
    say "stand-in ViT-B/32 (fp32)"
    "$PYTHON" scripts/make-stand-in-clip.py "$MODEL" --preset b32 --seed 0 || die "make-stand-in-clip.py"
  fi
  if [ ! -f "$MODEL/onnx/vision_model_fp16.onnx" ]; then
    say "stand-in ViT-B/32 (fp16, exported on the GPU)"
    "$PYTHON" scripts/gpu/make-fp16-variant.py "$MODEL" --preset b32 --seed 0 || die "make-fp16-variant.py"
  fi
  DTYPES="fp32 fp16"
  PROVIDER_NOTE="cuda"
fi

# 5. sampling and benches
SMI_PID=""
if [ "$DRY_RUN" = 0 ]; then
  nvidia-smi --query-gpu=timestamp,index,utilization.gpu,memory.used --format=csv,noheader,nounits \
    -lms 200 > "$OUT/gpu.csv" &
  SMI_PID=$!
fi
cleanup() { if [ -n "$SMI_PID" ]; then kill "$SMI_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

export ZEROSHOT_LOG_LEVEL=warn
BATCHES="16,32,64,128,256"
[ "$DRY_RUN" = 1 ] && BATCHES="8,16"
for dtype in $DTYPES; do
  phase "engine-$dtype" "$OUT/engine-$dtype.json" timeout 120 \
    "$NODE_BIN" scripts/run-bench.mjs engine --no-build --quick --no-peer --model "$MODEL" --dtype "$dtype" \
    --batch-sizes "$BATCHES" --large-photos 3 --out "$NAME/engine-$dtype"
done
# End to end: one worker per GPU, then two (a worker's JS thread can be the limit before the GPU is).
for per in 1 2; do
  E2E_ARGS=(--no-build --quick --only baseline --model "$MODEL" --out "$NAME/e2e-$per-per-gpu")
  if [ "$DRY_RUN" = 0 ]; then E2E_ARGS+=(--gpus "$GPUS" --workers-per-gpu "$per" --images 1960)
  else E2E_ARGS+=(--gpus 1 --workers-per-gpu "$per"); fi
  phase "e2e-$per-per-gpu" "$OUT/e2e-$per-per-gpu.json" timeout 150 \
    "$NODE_BIN" scripts/run-bench.mjs e2e "${E2E_ARGS[@]}"
done
cleanup
SMI_PID=""

# 6. report
"$NODE_BIN" scripts/gpu/report.mjs "$OUT" "$PROVIDER_NOTE"
