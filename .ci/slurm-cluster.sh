#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the `slurm` tests (tests/test_slurm.py).
#   .ci/slurm-cluster.sh install   Debian's slurmctld, slurmd, slurm-client and munge (as root)
#   .ci/slurm-cluster.sh start     write a minimal slurm.conf, start munged, slurmctld, slurmd
#   .ci/slurm-cluster.sh stop      stop the daemons this script started
#   .ci/slurm-cluster.sh env       print the SLURM_CONF line the tests need
# State (config, spool, logs, pid files) lives in $RECENTER_SLURM_DIR (default
# /tmp/recenter-slurm). /etc/slurm/slurm.conf becomes a link to its slurm.conf (unless a
# configuration of another cluster is there already): the executor plugin clears SLURM_* from
# the jobs' environment, so `srun` inside a job finds the configuration only at the default path.
# munge's key is created only if missing.
set -euo pipefail
DIR=${RECENTER_SLURM_DIR:-/tmp/recenter-slurm}
CONF=$DIR/slurm.conf

install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
    && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmctld slurmd slurm-client munge
}

write_conf() {
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  # leave 1 GiB to the system; slurmd refuses a node that claims more than it has
  mem=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
  mkdir -p "$DIR"/{spool/ctld,spool/d,log,run}
  cat >"$CONF" <<CONF
ClusterName=recenter-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$DIR/spool/ctld
SlurmdSpoolDir=$DIR/spool/d
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
MinJobAge=600
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
  install
  write_conf
  export SLURM_CONF=$CONF
  mkdir -p /etc/slurm
  if [ -L /etc/slurm/slurm.conf ] || [ ! -e /etc/slurm/slurm.conf ]; then
    ln -sfn "$CONF" /etc/slurm/slurm.conf
    touch "$DIR/run/etc-link"
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  if ! pgrep -x munged >/dev/null; then
    munged --force --pid-file="$DIR/run/munged.pid" 2>>"$DIR/log/munged.log" \
      || munged --force 2>>"$DIR/log/munged.log"
    touch "$DIR/run/munged.started"
  fi
  # daemons of an earlier start (a run that was killed) would hold the ports
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  sleep 1
  slurmctld -f "$CONF"
  slurmd -f "$CONF"
  # wait until the node takes jobs
  for _ in $(seq 1 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      echo "slurm: node up ($(sinfo -h -o '%N %c CPUs %m MB %T'))"
      return 0
    fi
    sleep 1
  done
  echo "slurm: node did not come up; logs in $DIR/log" >&2
  tail -n 20 "$DIR/log/"*.log >&2 || true
  return 1
}

stop() {
  for d in slurmd slurmctld; do
    if [ -s "$DIR/run/$d.pid" ]; then kill "$(cat "$DIR/run/$d.pid")" 2>/dev/null || true; fi
  done
  if [ -e "$DIR/run/munged.started" ]; then
    if [ -s "$DIR/run/munged.pid" ]; then kill "$(cat "$DIR/run/munged.pid")" 2>/dev/null || true
    else pkill -x munged || true; fi
    rm -f "$DIR/run/munged.started"
  fi
  sleep 1
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  if [ -e "$DIR/run/etc-link" ]; then rm -f /etc/slurm/slurm.conf "$DIR/run/etc-link"; fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  env) echo "SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
