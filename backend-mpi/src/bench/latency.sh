#!/usr/bin/env bash
# Collective latency of mpi: against a C program making the same MPI calls, in one run.
#
#   backend-mpi/src/bench/latency.sh [ranks...]        (default: 2 4 8)
#
# Builds the module and its test classes, compiles c/mpi_latency.c with mpicc, then for each rank
# count runs the C program, the Java benchmark on mpi:, and on mpi:?transport=tcp, one after the
# other under the same mpirun options. Needs Open MPI (openmpi-bin, libopenmpi-dev). Environment:
# ITERATIONS (default 10000) and REPEATS (default 7) per loop; MPIRUN_OPTS to add mpirun options.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
ranks=("${@:-2 4 8}")
[ $# -eq 0 ] && ranks=(2 4 8)
iterations=${ITERATIONS:-10000}
repeats=${REPEATS:-7}
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
echo "# $(nproc) cores; mpirun ${opts[*]}; $iterations calls per loop, median of $repeats repeats"
echo "# $(mpirun --version | head -1); $(java -version 2>&1 | head -1)"
for n in "${ranks[@]}"; do
  mpirun "${opts[@]}" -np "$n" "$out/mpi_latency" "$iterations" "$repeats"
  mpirun "${opts[@]}" -np "$n" java -cp "$cp" io.muster.mpi.MpiLatencyBenchmark \
    "mpi:" "$iterations" "$repeats" 2>&1 | grep -v '^SLF4J'
  mpirun "${opts[@]}" -np "$n" java -cp "$cp" io.muster.mpi.MpiLatencyBenchmark \
    "mpi:?transport=tcp" "$iterations" "$repeats" 2>&1 | grep -v '^SLF4J'
done
