#!/usr/bin/env bash
# Side-by-side decode throughput on one benchmark-sized checkpoint: the server on each engine configuration
# (PyTorch, ONNX Runtime on the graph built from the HF directory in f32 and int8) and llama.cpp in-process on
# the GGUF of the same weights, at the same concurrencies, prompt/output lengths and thread count.
#
#   benchmarks/scripts/compare-engines.sh PRESET [CONCURRENCY] [WORKDIR]
#   e.g. benchmarks/scripts/compare-engines.sh tinystories-15m 1,4,16,32 /tmp/bench
#
# Needs `mvn -B -q -DskipTests package` first. Results: WORKDIR/PRESET-<engine>.json and the printed tables.
set -euo pipefail
cd "$(dirname "$0")/../.."
preset=${1:?preset, e.g. tinystories-15m}
concurrency=${2:-1,4,16,32}
work=${3:-/tmp/bench}
threads=${THREADS:-2}
prompt=${PROMPT_TOKENS:-128}
output=${OUTPUT_TOKENS:-64}

max_conc=$(tr ',' '\n' <<<"$concurrency" | sort -n | tail -1)
bench="java -cp benchmarks/target/benchmarks.jar dev.localbedrock.benchmarks.BenchTool"
dir="$work/$preset"
mkdir -p "$work"
[ -f "$dir/config.json" ] || $bench write-checkpoint --preset "$preset" --out "$dir" --seed 0 --gguf

serve_and_load() {   # name engine quantize
  local name=$1 engine=$2 quantize=$3 yaml="$work/$preset-$1.yaml"
  cat > "$yaml" <<YAML
server: {host: 127.0.0.1, port: 0}
cache_dir: $work/cache
models:
  - id: meta.llama2-13b-chat-v1
    family: meta-llama2
    source: $dir
    engine: $engine
$( [ -n "$quantize" ] && echo "    quantize: $quantize" )
    device: cpu
    intra_op_threads: $threads
    max_context_tokens: $((prompt + output + 8))
    max_running_sequences: $max_conc
    max_tokens_per_step: $(( max_conc > prompt ? max_conc : prompt ))
    kv_cache_tokens: $(( max_conc * (prompt + output + 8) ))
YAML
  java -jar runtime/target/bedrock-runtime.jar serve --config "$yaml" --port 0 > "$work/$name.out" 2> "$work/$name.err" &
  local pid=$!
  for _ in $(seq 1 600); do grep -q listening "$work/$name.out" 2>/dev/null && break; sleep 1; done
  local url; url=$(sed -n 's/^listening on //p' "$work/$name.out")
  echo "== $preset on $name ($url)"
  $bench load --endpoint "$url" --model-id meta.llama2-13b-chat-v1 --model-dir "$dir" --concurrency "$concurrency" \
    --prompt-tokens "$prompt" --output-tokens "$output" --stream \
    --json "$work/$preset-$name.json" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

serve_and_load pytorch pytorch ""
serve_and_load onnx-f32 onnxruntime ""
serve_and_load onnx-int8 onnxruntime int8
echo "== $preset on llama.cpp"
$bench llamacpp --gguf "$dir/model-f32.gguf" --concurrency "$concurrency" --threads "$threads" \
  --prompt-tokens "$prompt" --output-tokens "$output" --flash-attn --compare "$work/$preset-pytorch.json"
