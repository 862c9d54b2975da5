#!/usr/bin/env bash
# One server replica on the embedded SQLite state vs two replicas on one PostgreSQL state behind HAProxy, all on
# this machine's loopback: aggregate decode throughput (`BenchTool load`) and control-plane write latency
# (`BenchTool control-writes`).
#
#   benchmarks/scripts/replicas.sh [load|control-writes|all] [WORKDIR]
#   e.g. benchmarks/scripts/replicas.sh all /var/tmp/bench-replicas
#
# Needs `mvn -B -q -DskipTests package` first, Debian's postgresql-15 and haproxy (test.sh installs both). The
# model is the tinystories-15m-shaped random checkpoint (written into WORKDIR once). Everything it starts (the
# PostgreSQL server, three serve processes, HAProxy) is stopped on exit and the PostgreSQL data folder removed.
#
# On one machine the replicas share its cores: this measures what a balancer and a shared PostgreSQL state cost,
# not how replicas scale. Thread counts (intra-op threads per engine): the single replica runs once with
# SINGLE_THREADS (default "2 1": all cores, then the same one core a replica of the pair gets), each of the two
# replicas with PAIR_THREADS (default 1) so that together they do not ask for more cores than there are.
#
# Unlike the tests' PostgreSQL (DebianPostgres starts it with -F, fsync off), this one runs with PostgreSQL's
# defaults (fsync on, synchronous_commit on): an acknowledged control-plane write is on disk on both stores.
# WORKDIR should be on a real disk, not a tmpfs, for the same reason (SQLite's synchronous=FULL fsync).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-all}
work=${2:-/var/tmp/bench-replicas}
concurrency=${CONCURRENCY:-1,4,16}
requests=${REQUESTS:-32}
prompt=${PROMPT_TOKENS:-128}
output=${OUTPUT_TOKENS:-64}
writes=${WRITES:-500}
single_threads=${SINGLE_THREADS:-2 1}
pair_threads=${PAIR_THREADS:-1}
model_id=meta.llama2-13b-chat-v1
case $mode in load|control-writes|all) ;; *) echo "usage: $0 [load|control-writes|all] [WORKDIR]" >&2; exit 2;; esac

bench="java -cp benchmarks/target/benchmarks.jar dev.localbedrock.benchmarks.BenchTool"
runtime_jar=runtime/target/bedrock-runtime.jar
[ -f "$runtime_jar" ] && [ -f benchmarks/target/benchmarks.jar ] || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pg_bin/initdb" ] || { echo "Debian's PostgreSQL server is missing (apt-get install postgresql)" >&2; exit 2; }
[ -x /usr/sbin/haproxy ] || { echo "Debian's haproxy is missing (apt-get install haproxy)" >&2; exit 2; }

mkdir -p "$work"
work=$(cd "$work" && pwd)
dir="$work/ts15m"
[ -f "$dir/config.json" ] || $bench write-checkpoint --preset tinystories-15m --out "$dir" --seed 0
run="$work/run-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run"
echo "results and logs: $run"

pids=()
pg_data=""
as_pg=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$pg_data" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$(dirname "$pg_data")"
  fi
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The master key the replicas share (PostgreSQL state reads it from the environment; SQLite would make its own).
LOCAL_BEDROCK_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
export LOCAL_BEDROCK_MASTER_KEY

start_postgres() {
  local root; root=$(mktemp -d "$work/postgres.XXXXXX")
  pg_data="$root/data"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$root"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$run/initdb.log"
  pg_port=$(free_port)
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -w -t 60 -l "$root/server.log" \
    -o "-h 127.0.0.1 -p $pg_port -k $root" start >/dev/null
  "${as_pg[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE state" postgres
  echo "PostgreSQL $("${as_pg[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -Atc 'SHOW server_version' postgres)" \
    "on 127.0.0.1:$pg_port (fsync $("${as_pg[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -Atc 'SHOW fsync' postgres)," \
    "synchronous_commit $("${as_pg[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -Atc 'SHOW synchronous_commit' postgres))"
}

serve() {   # name threads state-url(or empty for SQLite) -> sets $url; the process joins $pids
  local name=$1 threads=$2 state=$3 yaml="$run/$1.yaml"
  mkdir -p "$run/$name"
  cat > "$yaml" <<YAML
server: {host: 127.0.0.1, port: 0}
cache_dir: $run/$name/cache
$( [ -n "$state" ] && echo "state: {url: \"$state\"}" )
models:
  - id: $model_id
    family: meta-llama2
    source: $dir
    engine: pytorch
    device: cpu
    intra_op_threads: $threads
    max_context_tokens: $((prompt + output + 8))
    requests_per_minute: 0    # no on-demand quota: the run measures the server, not Bedrock's 800/min
    tokens_per_minute: 0
YAML
  OMP_NUM_THREADS=$threads java -jar "$runtime_jar" serve --config "$yaml" --port 0 >"$run/$name.out" 2>"$run/$name.err" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do
    grep -q "listening on http://" "$run/$name.out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "$name exited:" >&2; tail -20 "$run/$name.err" >&2; exit 1; }
    sleep 1
  done
  url=$(grep -o "listening on http://[^ ]*" "$run/$name.out" | head -1 | sed 's/^listening on //')
  [ -n "$url" ] || { echo "$name did not start" >&2; exit 1; }
  local kind=SQLite; [ -z "$state" ] || kind=PostgreSQL
  echo "$name ($threads intra-op threads, $kind state) on $url"
}

stop_last() { local pid=${pids[-1]}; kill "$pid"; wait "$pid" 2>/dev/null || true; unset 'pids[-1]'; }

start_haproxy() {   # port port -> sets $url
  local port; port=$(free_port)
  # the project's balancer configuration (runtime's LoadBalancedReplicasTest runs it too), plus the two replicas
  { cat deploy/haproxy/haproxy.cfg
    echo "    server replica0 127.0.0.1:$1 check"
    echo "    server replica1 127.0.0.1:$2 check"; } > "$run/haproxy.cfg"
  LOCAL_BEDROCK_LB_BIND=127.0.0.1:$port \
  /usr/sbin/haproxy -db -f "$run/haproxy.cfg" >"$run/haproxy.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
  sleep 2   # two /ping checks mark both servers up
  url=http://127.0.0.1:$port
  echo "HAProxy $(/usr/sbin/haproxy -v | head -1 | awk '{print $3}') on $url -> :$1 :$2"
}

load() {   # name url
  echo "== load: $1"
  $bench load --endpoint "$2" --model-id "$model_id" --model-dir "$dir" --concurrency "$concurrency" \
    --prompt-tokens "$prompt" --output-tokens "$output" --requests "$requests" --stream --json "$run/load-$1.json"
}

writes() {   # name url label
  echo "== control-writes: $1"
  $bench control-writes --endpoint "$2" --model-id "$model_id" --writes "$writes" --label "$3" \
    --json "$run/writes-$1.json"
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%FT%TZ)"

# (a) one replica alone on its own SQLite state
for t in $single_threads; do
  serve "single-sqlite-t$t" "$t" ""
  [ "$mode" = control-writes ] || load "one-replica-sqlite-t$t" "$url"
  [ "$mode" = load ] || [ "$t" != "${single_threads%% *}" ] || writes sqlite "$url" "one replica, embedded SQLite"
  stop_last
done

# (b) two replicas on one PostgreSQL state behind HAProxy
start_postgres
state="jdbc:postgresql://127.0.0.1:$pg_port/state?user=postgres"
serve replica-a "$pair_threads" "$state"; a_url=$url
serve replica-b "$pair_threads" "$state"; b_url=$url
start_haproxy "${a_url##*:}" "${b_url##*:}"
[ "$mode" = control-writes ] || load "two-replicas-postgres-haproxy-t$pair_threads" "$url"
if [ "$mode" != load ]; then
  writes postgres-direct "$a_url" "one replica of two, PostgreSQL, direct"
  writes postgres-haproxy "$url" "two replicas, PostgreSQL, through HAProxy"
fi
echo "results: $run"
