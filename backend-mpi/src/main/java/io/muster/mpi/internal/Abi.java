package io.muster.mpi.internal;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * Everything that differs between MPI implementations at the binary level, in one place: how a
 * handle looks (Open MPI: the address of a global object; the MPICH family: a 32-bit integer),
 * where the predefined handles come from, the layout of {@code MPI_Status}, a few constants, and
 * the C calls whose parameters are handles.
 *
 * <p>The rest of the backend sees handles as {@code long} and passes every pointer as a native
 * address, so a second implementation is one more subclass: its natives declare handles as {@code
 * int}, and it converts. Output handles are read and written with {@link #readHandle} and {@link
 * #writeHandle}, which know their width.
 */
abstract class Abi {
  /** The predefined handles, as this implementation spells them. */
  final long commWorld;

  final long byteType;
  final long intType;
  final long errorsReturn;

  /** Constants whose values differ between implementations. */
  final int anySource;

  final int anyTag;
  final int tagUbKey;

  /** The bytes of one handle in memory, and of one {@code MPI_Status}. */
  final int handleBytes;

  final int statusBytes;
  final int statusSourceOffset;
  final int statusTagOffset;
  final int statusErrorOffset;

  /** Thread levels, the same numbers everywhere (MPI_THREAD_SINGLE .. MPI_THREAD_MULTIPLE). */
  static final int THREAD_SERIALIZED = 2;

  static final int THREAD_MULTIPLE = 3;

  static final int SUCCESS = 0;

  Abi(
      long commWorld,
      long byteType,
      long intType,
      long errorsReturn,
      int anySource,
      int anyTag,
      int tagUbKey,
      int handleBytes,
      int statusBytes,
      int statusSourceOffset,
      int statusTagOffset,
      int statusErrorOffset) {
    this.commWorld = commWorld;
    this.byteType = byteType;
    this.intType = intType;
    this.errorsReturn = errorsReturn;
    this.anySource = anySource;
    this.anyTag = anyTag;
    this.tagUbKey = tagUbKey;
    this.handleBytes = handleBytes;
    this.statusBytes = statusBytes;
    this.statusSourceOffset = statusSourceOffset;
    this.statusTagOffset = statusTagOffset;
    this.statusErrorOffset = statusErrorOffset;
  }

  /** The implementation's name, for messages: {@code Open MPI}. */
  abstract String family();

  /** Reads a handle that MPI wrote at {@code address + offset}. */
  final long readHandle(Pointer base, long offset) {
    return handleBytes == 8 ? base.getLong(offset) : base.getInt(offset);
  }

  /** Reads a handle that MPI wrote into {@code buffer} at {@code index}. */
  final long readHandle(ByteBuffer buffer, int index) {
    return handleBytes == 8 ? buffer.getLong(index) : buffer.getInt(index);
  }

  /** Writes a handle into {@code buffer} at {@code index}, where MPI will read it. */
  final void writeHandle(ByteBuffer buffer, int index, long handle) {
    if (handleBytes == 8) {
      buffer.putLong(index, handle);
    } else {
      buffer.putInt(index, (int) handle);
    }
  }

  /** Writes a handle where MPI will read (and maybe update) it. */
  final void writeHandle(Pointer base, long offset, long handle) {
    if (handleBytes == 8) {
      base.setLong(offset, handle);
    } else {
      base.setInt(offset, (int) handle);
    }
  }

  // ------------------------------------------------------------------ environment

  abstract int initialized(long flagOut);

  abstract int finalized(long flagOut);

  abstract int initThread(int required, long providedOut);

  abstract int queryThread(long providedOut);

  abstract int finalizeMpi();

  abstract int abort(long comm, int errorCode);

  abstract int errorString(int code, long textOut, long lengthOut);

  abstract int libraryVersion(long textOut, long lengthOut);

  // ------------------------------------------------------------------ communicators

  abstract int commRank(long comm, long rankOut);

  abstract int commSize(long comm, long sizeOut);

  abstract int commGetAttr(long comm, int keyval, long valueOut, long flagOut);

  abstract int commSetErrhandler(long comm, long errhandler);

  abstract int commIdup(long comm, long newCommOut, long requestOut);

  abstract int commFree(long commInOut);

  abstract int commGroup(long comm, long groupOut);

  abstract int groupIncl(long group, int count, long ranks, long groupOut);

  abstract int groupFree(long groupInOut);

  abstract int commCreateGroup(long comm, long group, int tag, long newCommOut);

  // ------------------------------------------------------------------ point to point

  abstract int isend(long buffer, int count, long type, int dest, int tag, long comm, long reqOut);

  abstract int improbe(
      int source, int tag, long comm, long flagOut, long messageOut, long statusOut);

  abstract int imrecv(long buffer, int count, long type, long messageInOut, long requestOut);

  abstract int getCount(long status, long type, long countOut);

  abstract int test(long requestInOut, long flagOut, long statusOut);

  abstract int requestFree(long requestInOut);

  // ------------------------------------------------------------------ collectives

  abstract int ibarrier(long comm, long requestOut);

  abstract int ibcast(long buffer, int count, long type, int root, long comm, long requestOut);

  abstract int iallgather(
      long send,
      int sendCount,
      long sendType,
      long recv,
      int recvCount,
      long recvType,
      long comm,
      long requestOut);

  abstract int iallgatherv(
      long send,
      int sendCount,
      long sendType,
      long recv,
      long recvCounts,
      long displacements,
      long recvType,
      long comm,
      long requestOut);

  abstract int ialltoall(
      long send,
      int sendCount,
      long sendType,
      long recv,
      int recvCount,
      long recvType,
      long comm,
      long requestOut);

  abstract int ialltoallv(
      long send,
      long sendCounts,
      long sendDisplacements,
      long sendType,
      long recv,
      long recvCounts,
      long recvDisplacements,
      long recvType,
      long comm,
      long requestOut);
}
