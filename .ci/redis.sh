#!/usr/bin/env bash
# Ensures a Redis answers on 127.0.0.1:6379 for the store tests
# (store.TestRedis and friends, which fail instead of skipping when CI=true).
# Starts a throwaway redis-server (no persistence) if none answers, installing
# it with apt-get when it is missing.
set -euo pipefail

host=127.0.0.1
port=6379

pong() {
	command -v redis-cli >/dev/null 2>&1 &&
		[ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" = "PONG" ]
}

if pong; then
	echo "redis.sh: Redis already answers on $host:$port"
	exit 0
fi

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
	echo "redis.sh: installing redis-server"
	sudo=""
	if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	fi
	$sudo apt-get update
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y redis-server
fi

if ! pong; then # the package may have started its own service
	echo "redis.sh: starting redis-server on $host:$port"
	redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no
fi

for _ in $(seq 1 50); do
	if pong; then
		echo "redis.sh: Redis answers on $host:$port"
		exit 0
	fi
	sleep 0.2
done

echo "redis.sh: no Redis answers PONG on $host:$port after 10 s; the store tests need one (see store/redis_test.go)" >&2
exit 1
