#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages when it is missing, for the
# tests of sink/sqlreplica and examples/sqlreplica, which start a private
# cluster of their own (initdb and pg_ctl in a temporary folder, on a
# loopback port). Run it from .ci/run:
#
#	bash sink/sqlreplica/ci-install-postgres.sh
#
# It does nothing when initdb is on PATH or in /usr/lib/postgresql/*/bin.
set -euo pipefail

if command -v initdb >/dev/null || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
	echo "PostgreSQL found: $(command -v initdb || compgen -G '/usr/lib/postgresql/*/bin/initdb' | tail -n1)"
else
	sudo=""
	if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
	# The tests need only the binaries: no default cluster on port 5432.
	$sudo mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/ledgersink.conf >/dev/null
	$sudo apt-get update
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { echo "PostgreSQL installed but no initdb found" >&2; exit 1; }
fi
