#!/usr/bin/env bash
# Collective latency of mpi: against a C program making the same MPI calls, in one run.
#
#   backend-mpi/src/bench/latency.sh [ranks...]        (default: 2 4 8)
#
# Builds the module and its test classes, compiles c/mpi_latency.c with mpicc, then for each rank
# count runs, ROUNDS times in turn, the C program, the Java benchmark on mpi: and on
# mpi:?transport=tcp, all under the same mpirun options, so that a busy machine slows them alike.
# Prints every result line, then a table of the medians (microseconds per call, slowest rank).
# Needs Open MPI (openmpi-bin, libopenmpi-dev). Environment: ITERATIONS (calls per loop, default
# 5000), REPEATS (per program run, default 5), ROUNDS (default 3), MPIRUN_OPTS (more options).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
ranks=("$@")
[ ${#ranks[@]} -eq 0 ] && ranks=(2 4 8)
iterations=${ITERATIONS:-5000}
repeats=${REPEATS:-5}
rounds=${ROUNDS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

./mvnw -q -pl backend-mpi -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$out/cp.txt" -Dmdep.includeScope=test
cp="backend-mpi/target/classes:backend-mpi/target/test-classes:$(cat "$out/cp.txt")"
mpicc -O2 -o "$out/mpi_latency" backend-mpi/src/bench/c/mpi_latency.c

opts=(--oversubscribe --bind-to none --mca pml ob1)
[ "$(id -u)" -eq 0 ] && opts+=(--allow-run-as-root)
# shellcheck disable=SC2206
opts+=(${MPIRUN_OPTS:-})
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); mpirun ${opts[*]}"
echo "# $iterations calls per loop, median of $repeats repeats per run, $rounds rounds"
echo "# $(mpirun --version | head -1); $(java -version 2>&1 | head -1)"
for n in "${ranks[@]}"; do
  for ((r = 1; r <= rounds; r++)); do
    mpirun "${opts[@]}" -np "$n" "$out/mpi_latency" "$iterations" "$repeats" | tee -a "$out/all"
    for uri in "mpi:" "mpi:?transport=tcp"; do
      mpirun "${opts[@]}" -np "$n" java -cp "$cp" io.muster.mpi.MpiLatencyBenchmark \
        "$uri" "$iterations" "$repeats" 2>&1 | grep -v '^SLF4J' | tee -a "$out/all"
    done
  done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "median over rounds, us per call | C | Java mpi: | Java mpi:?transport=tcp"
# "C allgather-64B ranks=8 median=17.27 us ..." -> key "allgather-64B ranks=8", column by program
awk '{ split($4, m, "="); v[$2 " " $3, $1] = v[$2 " " $3, $1] " " m[2]; keys[$2 " " $3] = 1 }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
      t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
    }
    return n ? a[int((n + 1) / 2)] : "-"
  }
  END { for (k in keys) printf "%s | %s | %s | %s\n", k, median(v[k, "C"]), median(v[k, "Java"]),
        median(v[k, "Java(tcp)"]) }' "$out/all" | sort -t= -k2 -n | sort -s -k1,1
