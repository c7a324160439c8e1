#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the SLURM test and for trying the cluster profile.
#
#   sudo bash scripts/local-slurm.sh start    # install (Debian/Ubuntu packages) if needed, configure, start, wait
#   sudo bash scripts/local-slurm.sh status   # daemons, node and queue
#   sudo bash scripts/local-slurm.sh stop     # stop the daemons this script started
#
# Needs root, apt-get (only when the SLURM binaries are missing) and free ports 6817/6818. Works without systemd:
# munged, slurmctld and slurmd are started directly. No accounting database (slurmdbd): `sacct` does not work, so the
# profile queries job states with `squeue` (profiles/slurm/config.yaml); finished jobs are logged by the controller
# to the job-completion log (jobcomp/filetxt, path printed by `status`). Idempotent: `start` on a running cluster
# only reports it; `stop` on a stopped one does nothing.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
MARKER="# written by scratchnet scripts/local-slurm.sh"
STATE_DIR=/var/lib/slurm
LOG_DIR=/var/log/slurm
RUN_DIR=/run/scratchnet-slurm          # what this script started (so `stop` ends only that)
JOBCOMP_LOG="$LOG_DIR/jobcomp.log"
PARTITION=local
CTLD_PORT=6817
SLURMD_PORT=6818
PACKAGES=(munge slurmctld slurmd slurm-client)

say() { printf 'local-slurm: %s\n' "$*"; }
die() { printf 'local-slurm: ERROR: %s\n' "$*" >&2; exit 1; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages, writes $CONF and starts daemons); try: sudo bash $0 $1"
}

install_packages() {
  local missing=()
  command -v munged >/dev/null 2>&1 || missing+=(munge)
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurmctld)
  command -v slurmd >/dev/null 2>&1 || missing+=(slurmd)
  command -v sbatch >/dev/null 2>&1 || missing+=(slurm-client)
  if [ ${#missing[@]} -eq 0 ]; then
    say "SLURM binaries present ($(slurmctld -V 2>/dev/null || echo 'version unknown'))"
    return
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "SLURM binaries missing (${missing[*]}) and no apt-get to install them (Debian/Ubuntu only); install ${PACKAGES[*]} yourself"
  say "installing ${PACKAGES[*]} with apt-get (no recommends)"
  export DEBIAN_FRONTEND=noninteractive
  # An apt cache that has never been updated has no package lists.
  if ! apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >/tmp/local-slurm-apt.log 2>&1; then
    apt-get update -q >>/tmp/local-slurm-apt.log 2>&1 || die "apt-get update failed, see /tmp/local-slurm-apt.log"
    apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >>/tmp/local-slurm-apt.log 2>&1 ||
      die "apt-get install ${PACKAGES[*]} failed, see /tmp/local-slurm-apt.log"
  fi
  say "installed $(slurmctld -V)"
}

write_conf() {
  local host node
  host="$(hostname -s)"
  # The node line as slurmd sees this machine (CPUs, sockets, cores, threads, memory), minus its uptime line.
  node="$(slurmd -C | head -n 1)"
  [[ "$node" == NodeName=* ]] || die "'slurmd -C' did not describe this node: $node"
  if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
    die "$CONF exists and was not written by this script: not overwriting a real cluster's configuration"
  fi
  mkdir -p "$CONF_DIR"
  cat >"$CONF" <<EOF
$MARKER
# Single-node cluster: controller and compute node on this machine, addressed by 127.0.0.1 (no DNS needed).
ClusterName=scratchnet
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=$STATE_DIR/slurmctld
SlurmdSpoolDir=$STATE_DIR/slurmd
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# No systemd/cgroups: track processes by parent id, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# Cores and memory are consumable; a job without --mem gets DefMemPerCPU per CPU, not the whole node.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
# No accounting database: sacct does not work; finished jobs are logged to a text file instead.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$JOBCOMP_LOG
# squeue must still list finished jobs when the executor plugin polls: at least 3x its first status-check delay.
MinJobAge=300
# Reject at submission a job no node can ever run (more CPUs or memory than the node has), instead of leaving it
# pending forever while Snakemake waits for it.
EnforcePartLimits=ALL
ReturnToService=2
SlurmdTimeout=60
${node/NodeName=$host/NodeName=$host NodeAddr=127.0.0.1} State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  say "wrote $CONF (node: ${node})"
}

start_munge() {
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "munged already running"
    return
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    mungekey --create --keyfile /etc/munge/munge.key 2>/dev/null ||
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 755 /run/munge
  # munged refuses to run as root
  runuser -u munge -- /usr/sbin/munged
  touch "$RUN_DIR/munged.ours"
  for _ in $(seq 1 50); do
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && { say "started munged"; return; }
    sleep 0.1
  done
  die "munged did not answer; see /var/log/munge/munged.log"
}

start_daemon() { # name pidfile port
  local name=$1 pidfile=$2 port=$3
  if pid_alive "$pidfile"; then
    say "$name already running (pid $(cat "$pidfile"))"
    return
  fi
  if port_open "$port"; then
    die "port $port (needed by $name) is taken by another program; stop it or change the ports in $0"
  fi
  "$name" || die "$name failed to start; see $LOG_DIR/$name.log"
  say "started $name"
}

wait_for_node() {
  local state host
  host="$(hostname -s)"
  for _ in $(seq 1 60); do
    state="$(sinfo -h -n "$host" -o %T 2>/dev/null | head -n 1 || true)"
    case "$state" in
      idle | mixed | allocated | completing)
        say "node $host is $state in partition '$PARTITION'; submit with sbatch or snakemake --workflow-profile profiles/slurm"
        return
        ;;
      down* | drain* | fail*)
        scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
        ;;
    esac
    sleep 0.5
  done
  die "node $host did not become ready (state: '${state:-none}'); see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd.log"
}

cmd_start() {
  need_root start
  install_packages
  mkdir -p "$RUN_DIR" "$STATE_DIR/slurmctld" "$STATE_DIR/slurmd" "$LOG_DIR"
  chown slurm:slurm "$STATE_DIR/slurmctld" "$LOG_DIR" "$RUN_DIR"
  touch "$JOBCOMP_LOG" && chown slurm:slurm "$JOBCOMP_LOG"
  if pid_alive "$RUN_DIR/slurmctld.pid" && pid_alive "$RUN_DIR/slurmd.pid"; then
    say "already running"
  else
    write_conf
    start_munge
    start_daemon slurmctld "$RUN_DIR/slurmctld.pid" "$CTLD_PORT"
    start_daemon slurmd "$RUN_DIR/slurmd.pid" "$SLURMD_PORT"
  fi
  wait_for_node
}

stop_pid() { # name pidfile
  local name=$1 pidfile=$2 pid
  if ! pid_alive "$pidfile"; then
    say "$name not running"
    return
  fi
  pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || { say "stopped $name (pid $pid)"; return; }
    sleep 0.1
  done
  die "$name (pid $pid) did not stop"
}

cmd_stop() {
  need_root stop
  stop_pid slurmd "$RUN_DIR/slurmd.pid"
  stop_pid slurmctld "$RUN_DIR/slurmctld.pid"
  if [ -f "$RUN_DIR/munged.ours" ]; then
    stop_pid munged /run/munge/munged.pid
    rm -f "$RUN_DIR/munged.ours"
  fi
}

cmd_status() {
  local rc=0
  for d in slurmctld slurmd; do
    if pid_alive "$RUN_DIR/$d.pid"; then say "$d running (pid $(cat "$RUN_DIR/$d.pid"))"; else say "$d not running"; rc=3; fi
  done
  if [ $rc -eq 0 ]; then
    sinfo
    squeue
    say "job-completion log: $(scontrol show config | awk -F' = ' '/^JobCompLoc/ {print $2}')"
  fi
  return $rc
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
