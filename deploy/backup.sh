#!/usr/bin/env bash
# deploy/backup.sh: one archive with the database (pg_dump) and every file of every named storage (through the
# storage API: a folder or an S3 bucket alike), written to BACKUP_DIR as switchoff-<UTC time>.tar; archives older
# than BACKUP_KEEP_DAYS days are removed. Prints the archive's path. Restore with deploy/restore.sh.
#
# Needs: DATABASE_URL (postgres://…), BACKUP_DIR; the same variables as the app (STORAGES come from them).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-$([ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python)}
: "${DATABASE_URL:?backup.sh: set DATABASE_URL (postgres://user:password@host:5432/switchoff)}"
: "${BACKUP_DIR:?backup.sh: set BACKUP_DIR, the folder the archives go to}"
KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
[[ "$KEEP_DAYS" =~ ^[0-9]+$ ]] || { echo "backup.sh: BACKUP_KEEP_DAYS=$KEEP_DAYS is not a whole number of days" >&2; exit 2; }
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL is not PostgreSQL; back up an SQLite file by copying it while the site is stopped" >&2; exit 2 ;;
esac

mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=$(mktemp -d "$BACKUP_DIR/.switchoff-$stamp.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The database as one consistent snapshot, in pg_restore's format.
pg_dump --format=custom --no-owner --no-privileges --file="$work/database.dump" "$DATABASE_URL"
# Every file of every storage named in STORAGES (the static files are rebuilt by each release).
"$PYTHON" "$ROOT/manage.py" backup_storages "$work/files.tar" >&2
(cd "$work" && sha256sum database.dump files.tar > SHA256SUMS)

archive="$BACKUP_DIR/switchoff-$stamp.tar"
tar -C "$work" -cf "$archive.part" database.dump files.tar SHA256SUMS
mv "$archive.part" "$archive"

# Retention: archives older than BACKUP_KEEP_DAYS days go (never the one just written).
while IFS= read -r old; do
  echo "backup.sh: removed $old (older than $KEEP_DAYS days)" >&2
done < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name 'switchoff-*.tar' -mtime +"$KEEP_DAYS" ! -path "$archive" -print -delete)
echo "$archive"
