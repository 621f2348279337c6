#!/bin/sh
# Starts Redis with ../../redis.conf after writing its ACL file from the committed rules
# (users.acl beside this script) and the rotor user's password, so no password is committed and
# only its SHA-256 ever reaches a file. Used as the redis service's command in docker-compose.yml,
# and by test/deploy/*.test.ts with extra redis-server arguments (port, dir) passed through.
#
# Password: the file named by REDIS_PASSWORD_FILE (a Docker or Kubernetes secret), else the
# variable REDIS_PASSWORD. Paths: REDIS_CONF, REDIS_ACL_TEMPLATE, REDIS_ACL_FILE (defaults below).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
conf=${REDIS_CONF:-/usr/local/etc/redis/redis.conf}
template=${REDIS_ACL_TEMPLATE:-$here/users.acl}
acl_file=${REDIS_ACL_FILE:-/run/redis/users.acl}

if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
  [ -r "$REDIS_PASSWORD_FILE" ] || { echo "start-redis: cannot read REDIS_PASSWORD_FILE=$REDIS_PASSWORD_FILE" >&2; exit 1; }
  # $(...) drops the trailing newline an editor or `echo` leaves in the file.
  password=$(cat "$REDIS_PASSWORD_FILE")
else
  password=${REDIS_PASSWORD:-}
fi
if [ "${#password}" -lt 32 ]; then
  echo "start-redis: set REDIS_PASSWORD_FILE or REDIS_PASSWORD to at least 32 random characters (openssl rand -hex 32)" >&2
  exit 1
fi
hash=$(printf '%s' "$password" | sha256sum | cut -d ' ' -f 1)
unset password REDIS_PASSWORD

umask 077
mkdir -p "$(dirname "$acl_file")"
grep -v -e '^#' -e '^[[:space:]]*$' "$template" | sed "s/ROTOR_PASSWORD_SHA256/$hash/" > "$acl_file"

# In the official image, docker-entrypoint.sh owns /data for the redis user and drops root.
if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then
  chown redis "$(dirname "$acl_file")" "$acl_file"
fi
if command -v docker-entrypoint.sh >/dev/null 2>&1; then
  exec docker-entrypoint.sh redis-server "$conf" --aclfile "$acl_file" "$@"
fi
exec redis-server "$conf" --aclfile "$acl_file" "$@"
