package io.muster.mpi.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * Open MPI's binary interface. Its handles are pointers to global objects that the library exports
 * ({@code MPI_COMM_WORLD} is {@code &ompi_mpi_comm_world}), so the predefined ones are the
 * addresses of those symbols; its {@code MPI_Status} is {@code {int MPI_SOURCE, MPI_TAG, MPI_ERROR,
 * _cancelled; size_t _ucount}}. The natives use JNA's direct mapping (no proxies, no per-call
 * reflection) with every pointer and handle passed as a {@code long}.
 */
final class OpenMpi extends Abi {
  private static boolean registered;

  private OpenMpi(NativeLibrary lib) {
    super(
        symbol(lib, "ompi_mpi_comm_world"),
        symbol(lib, "ompi_mpi_byte"),
        symbol(lib, "ompi_mpi_int"),
        symbol(lib, "ompi_mpi_errors_return"),
        -1, // MPI_ANY_SOURCE
        -1, // MPI_ANY_TAG
        0, // MPI_TAG_UB, the first predefined keyval
        8,
        24,
        0,
        4,
        8);
  }

  /** Whether {@code lib} is Open MPI: it exports the global objects behind the handles. */
  static boolean recognises(NativeLibrary lib) {
    try {
      lib.getGlobalVariableAddress("ompi_mpi_comm_world");
      return true;
    } catch (UnsatisfiedLinkError e) {
      return false;
    }
  }

  /** Binds the natives to {@code lib}; a JVM binds them once. */
  static synchronized OpenMpi bind(NativeLibrary lib) {
    if (!registered) {
      Native.register(OpenMpi.class, lib);
      registered = true;
    }
    return new OpenMpi(lib);
  }

  private static long symbol(NativeLibrary lib, String name) {
    return Pointer.nativeValue(lib.getGlobalVariableAddress(name));
  }

  @Override
  String family() {
    return "Open MPI";
  }

  // The C functions. Names and parameter order follow mpi.h.

  private static native int MPI_Initialized(long flag);

  private static native int MPI_Finalized(long flag);

  private static native int MPI_Init_thread(long argc, long argv, int required, long provided);

  private static native int MPI_Query_thread(long provided);

  private static native int MPI_Finalize();

  private static native int MPI_Abort(long comm, int errorcode);

  private static native int MPI_Error_string(int errorcode, long string, long resultlen);

  private static native int MPI_Get_library_version(long version, long resultlen);

  private static native int MPI_Comm_rank(long comm, long rank);

  private static native int MPI_Comm_size(long comm, long size);

  private static native int MPI_Comm_get_attr(long comm, int keyval, long value, long flag);

  private static native int MPI_Comm_set_errhandler(long comm, long errhandler);

  private static native int MPI_Comm_idup(long comm, long newcomm, long request);

  private static native int MPI_Comm_free(long comm);

  private static native int MPI_Comm_group(long comm, long group);

  private static native int MPI_Group_incl(long group, int n, long ranks, long newgroup);

  private static native int MPI_Group_free(long group);

  private static native int MPI_Comm_create_group(long comm, long group, int tag, long newcomm);

  private static native int MPI_Isend(
      long buf, int count, long datatype, int dest, int tag, long comm, long request);

  private static native int MPI_Improbe(
      int source, int tag, long comm, long flag, long message, long status);

  private static native int MPI_Imrecv(
      long buf, int count, long datatype, long message, long request);

  private static native int MPI_Get_count(long status, long datatype, long count);

  private static native int MPI_Test(long request, long flag, long status);

  private static native int MPI_Request_free(long request);

  private static native int MPI_Ibarrier(long comm, long request);

  private static native int MPI_Ibcast(
      long buffer, int count, long datatype, int root, long comm, long request);

  private static native int MPI_Iallgather(
      long sendbuf,
      int sendcount,
      long sendtype,
      long recvbuf,
      int recvcount,
      long recvtype,
      long comm,
      long request);

  private static native int MPI_Iallgatherv(
      long sendbuf,
      int sendcount,
      long sendtype,
      long recvbuf,
      long recvcounts,
      long displs,
      long recvtype,
      long comm,
      long request);

  private static native int MPI_Ialltoall(
      long sendbuf,
      int sendcount,
      long sendtype,
      long recvbuf,
      int recvcount,
      long recvtype,
      long comm,
      long request);

  private static native int MPI_Ialltoallv(
      long sendbuf,
      long sendcounts,
      long sdispls,
      long sendtype,
      long recvbuf,
      long recvcounts,
      long rdispls,
      long recvtype,
      long comm,
      long request);

  @Override
  int initialized(long flagOut) {
    return MPI_Initialized(flagOut);
  }

  @Override
  int finalized(long flagOut) {
    return MPI_Finalized(flagOut);
  }

  @Override
  int initThread(int required, long providedOut) {
    return MPI_Init_thread(0, 0, required, providedOut);
  }

  @Override
  int queryThread(long providedOut) {
    return MPI_Query_thread(providedOut);
  }

  @Override
  int finalizeMpi() {
    return MPI_Finalize();
  }

  @Override
  int abort(long comm, int errorCode) {
    return MPI_Abort(comm, errorCode);
  }

  @Override
  int errorString(int code, long textOut, long lengthOut) {
    return MPI_Error_string(code, textOut, lengthOut);
  }

  @Override
  int libraryVersion(long textOut, long lengthOut) {
    return MPI_Get_library_version(textOut, lengthOut);
  }

  @Override
  int commRank(long comm, long rankOut) {
    return MPI_Comm_rank(comm, rankOut);
  }

  @Override
  int commSize(long comm, long sizeOut) {
    return MPI_Comm_size(comm, sizeOut);
  }

  @Override
  int commGetAttr(long comm, int keyval, long valueOut, long flagOut) {
    return MPI_Comm_get_attr(comm, keyval, valueOut, flagOut);
  }

  @Override
  int commSetErrhandler(long comm, long errhandler) {
    return MPI_Comm_set_errhandler(comm, errhandler);
  }

  @Override
  int commIdup(long comm, long newCommOut, long requestOut) {
    return MPI_Comm_idup(comm, newCommOut, requestOut);
  }

  @Override
  int commFree(long commInOut) {
    return MPI_Comm_free(commInOut);
  }

  @Override
  int commGroup(long comm, long groupOut) {
    return MPI_Comm_group(comm, groupOut);
  }

  @Override
  int groupIncl(long group, int count, long ranks, long groupOut) {
    return MPI_Group_incl(group, count, ranks, groupOut);
  }

  @Override
  int groupFree(long groupInOut) {
    return MPI_Group_free(groupInOut);
  }

  @Override
  int commCreateGroup(long comm, long group, int tag, long newCommOut) {
    return MPI_Comm_create_group(comm, group, tag, newCommOut);
  }

  @Override
  int isend(long buffer, int count, long type, int dest, int tag, long comm, long reqOut) {
    return MPI_Isend(buffer, count, type, dest, tag, comm, reqOut);
  }

  @Override
  int improbe(int source, int tag, long comm, long flagOut, long messageOut, long statusOut) {
    return MPI_Improbe(source, tag, comm, flagOut, messageOut, statusOut);
  }

  @Override
  int imrecv(long buffer, int count, long type, long messageInOut, long requestOut) {
    return MPI_Imrecv(buffer, count, type, messageInOut, requestOut);
  }

  @Override
  int getCount(long status, long type, long countOut) {
    return MPI_Get_count(status, type, countOut);
  }

  @Override
  int test(long requestInOut, long flagOut, long statusOut) {
    return MPI_Test(requestInOut, flagOut, statusOut);
  }

  @Override
  int requestFree(long requestInOut) {
    return MPI_Request_free(requestInOut);
  }

  @Override
  int ibarrier(long comm, long requestOut) {
    return MPI_Ibarrier(comm, requestOut);
  }

  @Override
  int ibcast(long buffer, int count, long type, int root, long comm, long requestOut) {
    return MPI_Ibcast(buffer, count, type, root, comm, requestOut);
  }

  @Override
  int iallgather(
      long send,
      int sendCount,
      long sendType,
      long recv,
      int recvCount,
      long recvType,
      long comm,
      long requestOut) {
    return MPI_Iallgather(send, sendCount, sendType, recv, recvCount, recvType, comm, requestOut);
  }

  @Override
  int iallgatherv(
      long send,
      int sendCount,
      long sendType,
      long recv,
      long recvCounts,
      long displacements,
      long recvType,
      long comm,
      long requestOut) {
    return MPI_Iallgatherv(
        send, sendCount, sendType, recv, recvCounts, displacements, recvType, comm, requestOut);
  }

  @Override
  int ialltoall(
      long send,
      int sendCount,
      long sendType,
      long recv,
      int recvCount,
      long recvType,
      long comm,
      long requestOut) {
    return MPI_Ialltoall(send, sendCount, sendType, recv, recvCount, recvType, comm, requestOut);
  }

  @Override
  int ialltoallv(
      long send,
      long sendCounts,
      long sendDisplacements,
      long sendType,
      long recv,
      long recvCounts,
      long recvDisplacements,
      long recvType,
      long comm,
      long requestOut) {
    return MPI_Ialltoallv(
        send,
        sendCounts,
        sendDisplacements,
        sendType,
        recv,
        recvCounts,
        recvDisplacements,
        recvType,
        comm,
        requestOut);
  }
}
