#!/bin/sh
# For each secret given as a file (docker compose: the random secrets written by the secrets-init
# service), reads VAR from the file named by VAR_FILE unless VAR is given directly, then runs the
# command. A secret file that is missing or too short stops the container with its reason.
set -eu
read_secret() { # <variable> <minimum length>
  name="$1"; minimum="$2"
  eval "value=\${$name:-}"; eval "file=\${${name}_FILE:-}"
  [ -n "$value" ] || [ -z "$file" ] && return 0
  if [ ! -r "$file" ]; then echo "${name}_FILE=$file cannot be read" >&2; exit 1; fi
  value="$(cat "$file")"
  if [ "${#value}" -lt "$minimum" ]; then echo "${name}_FILE=$file holds fewer than $minimum characters" >&2; exit 1; fi
  export "$name=$value"
}
read_secret AUTH_JWT_SECRET 32
read_secret WEBHOOK_SECRET_KEY 44
exec "$@"
