/*
 * The reference for mpi:'s collective latency: the MPI calls Muster makes, timed in plain C.
 *
 *   mpicc -O2 -o mpi_latency mpi_latency.c
 *   mpirun -np 8 ./mpi_latency [iterations] [repeats]
 *
 * Four loops, each on a duplicate of MPI_COMM_WORLD (as Muster's groups are):
 *   allgather-64B   MPI_Allgather of 64 bytes per rank, the textbook call
 *   barrier         MPI_Barrier
 *   iallgather-slot MPI_Iallgather of 256-byte slots polled with MPI_Test: what Muster's
 *                   allGather does for contributions up to 252 bytes (a length, then the bytes)
 *   ibarrier        MPI_Ibarrier polled with MPI_Test: what Muster's barrier does
 * Each repeat times every loop; a loop's time is the slowest rank's mean per call. Rank 0 prints
 * the median over the repeats (the first is warm-up and not counted), then the fastest and slowest.
 * Output lines: "C <loop> ranks=N median=X us min=Y us max=Z us".
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT 256
#define LOOPS 4

static const char *names[LOOPS] = {"allgather-64B", "barrier", "iallgather-slot", "ibarrier"};

static void wait_for(MPI_Request *req) {
  int done = 0;
  while (!done) {
    MPI_Test(req, &done, MPI_STATUS_IGNORE);
  }
}

static double run(int loop, int iterations, MPI_Comm comm, char *send, char *recv) {
  MPI_Request req;
  MPI_Barrier(comm);
  double start = MPI_Wtime();
  for (int i = 0; i < iterations; i++) {
    switch (loop) {
      case 0:
        MPI_Allgather(send, 64, MPI_BYTE, recv, 64, MPI_BYTE, comm);
        break;
      case 1:
        MPI_Barrier(comm);
        break;
      case 2:
        memcpy(send, &i, sizeof i); /* the length field Muster writes */
        MPI_Iallgather(send, SLOT, MPI_BYTE, recv, SLOT, MPI_BYTE, comm, &req);
        wait_for(&req);
        break;
      default:
        MPI_Ibarrier(comm, &req);
        wait_for(&req);
        break;
    }
  }
  double mine = (MPI_Wtime() - start) / iterations, slowest;
  MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm);
  return slowest;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int iterations = argc > 1 ? atoi(argv[1]) : 10000;
  int repeats = argc > 2 ? atoi(argv[2]) : 7;
  MPI_Comm comm;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  char *send = calloc(SLOT, 1);
  char *recv = calloc((size_t)SLOT * size, 1);
  double *times = calloc((size_t)LOOPS * repeats, sizeof(double));
  for (int r = 0; r <= repeats; r++) {
    for (int loop = 0; loop < LOOPS; loop++) {
      double t = run(loop, iterations, comm, send, recv);
      if (r > 0) {
        times[loop * repeats + r - 1] = t;
      }
    }
  }
  if (rank == 0) {
    for (int loop = 0; loop < LOOPS; loop++) {
      double *v = times + loop * repeats;
      qsort(v, repeats, sizeof(double), by_value);
      printf("C %s ranks=%d median=%.2f us min=%.2f us max=%.2f us\n", names[loop], size,
             v[repeats / 2] * 1e6, v[0] * 1e6, v[repeats - 1] * 1e6);
    }
    fflush(stdout);
  }
  free(times);
  free(recv);
  free(send);
  MPI_Comm_free(&comm);
  MPI_Finalize();
  return 0;
}
