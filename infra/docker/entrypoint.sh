#!/bin/sh
# Reads AUTH_JWT_SECRET from the file named by AUTH_JWT_SECRET_FILE (docker compose: the random
# secret written by the secrets-init service), unless AUTH_JWT_SECRET is given directly, then runs
# the command. A secret file that is missing or too short stops the container with its reason.
set -eu
if [ -z "${AUTH_JWT_SECRET:-}" ] && [ -n "${AUTH_JWT_SECRET_FILE:-}" ]; then
  if [ ! -r "$AUTH_JWT_SECRET_FILE" ]; then
    echo "AUTH_JWT_SECRET_FILE=$AUTH_JWT_SECRET_FILE cannot be read" >&2
    exit 1
  fi
  AUTH_JWT_SECRET="$(cat "$AUTH_JWT_SECRET_FILE")"
  if [ "${#AUTH_JWT_SECRET}" -lt 32 ]; then
    echo "AUTH_JWT_SECRET_FILE=$AUTH_JWT_SECRET_FILE holds fewer than 32 characters" >&2
    exit 1
  fi
  export AUTH_JWT_SECRET
fi
exec "$@"
