#!/usr/bin/env bash
# A throwaway redis-server for tests and benches (Debian's package; installed with apt-get if missing).
#   hack/ensure-redis.sh start DIR PORT   start on 127.0.0.1:PORT with its files in DIR, print redis://127.0.0.1:PORT
#   hack/ensure-redis.sh stop DIR         stop it (the caller removes DIR)
#   hack/ensure-redis.sh install          only make sure redis-server is there (CI's first step)
# No persistence: a restarted server comes back empty, which is what the cache's restart test wants.
set -euo pipefail

if ! command -v redis-server >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >&2; }
  fi
fi
command -v redis-server >/dev/null 2>&1 || { echo "ensure-redis: no redis-server (install the 'redis-server' package)" >&2; exit 2; }

cmd="${1:-}"
dir="${2:-}"
[[ "$cmd" == install ]] && exit 0
[[ -n "$cmd" && -n "$dir" ]] || { echo "usage: $0 start DIR PORT | stop DIR | install" >&2; exit 2; }

case "$cmd" in
  start)
    port="${3:?port}"
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 1 100); do
      redis-cli -p "$port" ping >/dev/null 2>&1 && { echo "redis://127.0.0.1:$port"; exit 0; }
      sleep 0.05
    done
    cat "$dir/redis.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$dir/redis.pid" ]]; then
      pid="$(cat "$dir/redis.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.05; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    ;;
  *)
    echo "usage: $0 start DIR PORT | stop DIR | install" >&2
    exit 2
    ;;
esac
