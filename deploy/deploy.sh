#!/bin/sh
# Deploys a new version without cutting off paid work (the seed's update-and-deploy.sh, redone).
#
#   1. holdfast check          who is running where, what is in flight (the seed grepped ps aux)
#   2. holdfast drain --wait   every running worker stops claiming, finishes its current video and
#                              exits 0; this blocks until they have (or exits 4 after the timeout)
#   3. restart                 with your process manager (set RESTART, examples below)
#   4. holdfast migrate        idempotent
#   5. holdfast recover --yes  anything a crash left behind; unattended, so --yes (without it
#                              and without a terminal, recover refuses and exits 2)
#   6. holdfast health         exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
#
# DRAIN_TIMEOUT defaults to 330 s: the workers' --grace (300) plus margin. A worker that is
# still running after its grace has aborted and released its work already, so waiting longer
# than grace + margin only means a worker is wedged: the script stops and says so.
set -eu

HOLDFAST=${HOLDFAST:-holdfast}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-330}
# e.g. "docker compose up -d --no-deps --build worker scheduler"
#      "supervisorctl restart holdfast-worker:* holdfast-scheduler"
#      "kubectl rollout restart deployment/holdfast-worker && kubectl rollout status deployment/holdfast-worker"
RESTART=${RESTART:?set RESTART to the command that starts the new version}

echo "== before"
$HOLDFAST check

echo "== draining workers (up to ${DRAIN_TIMEOUT} s)"
if ! $HOLDFAST drain --wait --timeout "$DRAIN_TIMEOUT"; then
  echo "drain did not finish in ${DRAIN_TIMEOUT} s: not restarting. Look at 'holdfast check'." >&2
  exit 1
fi

echo "== restarting: $RESTART"
sh -c "$RESTART"

echo "== migrating"
$HOLDFAST migrate

echo "== recovering anything a crash left behind"
$HOLDFAST recover --yes

echo "== after"
$HOLDFAST check
status=0
$HOLDFAST health || status=$?
if [ "$status" -ne 0 ]; then
  echo "health is not OK (exit $status): see above" >&2
fi
exit "$status"
