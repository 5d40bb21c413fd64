#!/usr/bin/env bash
# deploy/restore.sh ARCHIVE: bring back a backup of deploy/backup.sh into an EMPTY database and EMPTY storages
# (a new server, or after a loss), then migrate it to this release's code. It refuses a database that has tables
# or a storage that has files: a restore never mixes a backup with what a running site wrote since.
#
# Needs: DATABASE_URL of the empty database (createdb it first), the app's variables (STORAGES come from them).
# Stop the app servers and workers first, start them after.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-$([ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python)}
archive=${1:?usage: deploy/restore.sh BACKUP.tar}
: "${DATABASE_URL:?restore.sh: set DATABASE_URL (postgres://user:password@host:5432/switchoff) of an empty database}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xf "$archive"
(cd "$work" && sha256sum --check --quiet SHA256SUMS) || { echo "restore.sh: $archive is damaged" >&2; exit 1; }

tables=$(psql "$DATABASE_URL" -X -At -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "restore.sh: the database already has $tables tables; restore into an empty database (createdb a new one)" >&2
  exit 1
fi
# Checked before anything is written: every storage the archive names exists here and is empty.
"$PYTHON" "$ROOT/manage.py" restore_storages --check "$work/files.tar" >&2

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$work/database.dump"
"$PYTHON" "$ROOT/manage.py" restore_storages "$work/files.tar" >&2
# A backup of an earlier release is brought up to this one (nothing to do for the same release).
DB_STATEMENT_TIMEOUT_MS=0 "$PYTHON" "$ROOT/manage.py" migrate --noinput >&2
echo "restore.sh: restored $archive"
