#!/usr/bin/env bash
# platform.sh N OUT.xml: a cluster of N single-core hosts (one rank each) on a crossbar-like backbone: 1.5 us and
# 12.5 GB/s per link (HDR InfiniBand class), the backbone 2 us and 1.6 TB/s (never the bottleneck for these
# small messages), 1 Gflop/s hosts (the speed against which smpi/host-speed scales measured compute; see run.sh).
set -euo pipefail
n=$1
cat > "$2" <<X
<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <cluster id="sim" prefix="node-" suffix="" radical="0-$((n - 1))" speed="1Gf" bw="12.5GBps" lat="1.5us"
           bb_bw="1600GBps" bb_lat="2us"/>
</platform>
X
