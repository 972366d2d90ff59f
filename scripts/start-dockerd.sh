#!/usr/bin/env bash
# Starts the Docker engine in the background when none answers (a machine without systemd, as
# CI's), and waits until it does. Its log goes to /tmp/glide-dockerd.log.
set -euo pipefail
if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Without systemd nothing mounts the cgroup hierarchies dockerd needs (cgroup v2 has cgroup.controllers).
if [ ! -e /sys/fs/cgroup/cgroup.controllers ] && ! mountpoint -q /sys/fs/cgroup/devices 2>/dev/null && command -v cgroupfs-mount >/dev/null; then
  $SUDO cgroupfs-mount
fi
$SUDO sh -c 'nohup dockerd >/tmp/glide-dockerd.log 2>&1 &'
for _ in $(seq 1 120); do
  if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
echo "dockerd did not start within 60 s; the end of /tmp/glide-dockerd.log:" >&2
tail -n 20 /tmp/glide-dockerd.log >&2
exit 1
