package io.muster.mpi.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Finds out which ranks a native collective is waiting for. MPI cannot say: a pending {@code
 * MPI_Ibarrier} only knows it is not done. So each rank counts the collectives it has entered on
 * each communicator, and a rank about to time out asks the others, with point-to-point messages,
 * how far they have got; a rank that has not reached this collective, or does not answer, is one it
 * is waiting for. Answers come from the ranks' progress threads, so a rank busy elsewhere still
 * answers.
 */
final class RollCall implements MpiMessages.ControlListener {
  private static final byte QUERY = 1;
  private static final byte ANSWER = 2;

  private final MpiMessages messages;
  private final int rank;
  private final ConcurrentHashMap<String, AtomicLong> entered = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Poll> polls = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  RollCall(MpiMessages messages, int rank) {
    this.messages = messages;
    this.rank = rank;
  }

  /** Counts one more collective entered on {@code key}'s communicator; returns its number. */
  long enter(String key) {
    return entered.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
  }

  /** The answers to one question, as they come in. */
  final class Poll implements AutoCloseable {
    private final long id;
    private final int[] members;
    private final AtomicLongArray reached;

    private Poll(long id, int[] members) {
      this.id = id;
      this.members = members;
      this.reached = new AtomicLongArray(members.length);
      for (int i = 0; i < members.length; i++) {
        reached.set(i, -1);
      }
    }

    private void answer(int peer, long count) {
      for (int i = 0; i < members.length; i++) {
        if (members[i] == peer) {
          reached.accumulateAndGet(i, count, Math::max);
        }
      }
    }

    /** The members (other than this rank) that have not reached collective number {@code n}. */
    List<Integer> missing(long n) {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < members.length; i++) {
        if (members[i] != rank && reached.get(i) < n) {
          out.add(members[i]);
        }
      }
      return out;
    }

    @Override
    public void close() {
      polls.remove(id);
    }
  }

  /** Asks every member how many collectives it has entered on {@code key}'s communicator. */
  Poll ask(String key, int[] members) {
    long id = ids.incrementAndGet();
    Poll p = new Poll(id, members);
    polls.put(id, p);
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] query = ByteBuffer.allocate(9 + k.length).put(QUERY).putLong(id).put(k).array();
    for (int m : members) {
      if (m != rank) {
        try {
          messages.sendControl(m, query);
        } catch (RuntimeException e) {
          // the rank cannot be asked: it stays among the missing
        }
      }
    }
    return p;
  }

  /** Asks again under the same question, so a rank that arrived since is seen. */
  void askAgain(Poll p, String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] query = ByteBuffer.allocate(9 + k.length).put(QUERY).putLong(p.id).put(k).array();
    for (int m : p.members) {
      if (m != rank) {
        try {
          messages.sendControl(m, query);
        } catch (RuntimeException e) {
          // as above
        }
      }
    }
  }

  @Override
  public void onControl(int peer, byte[] payload) {
    if (payload.length < 9) {
      return;
    }
    ByteBuffer in = ByteBuffer.wrap(payload);
    byte kind = in.get();
    long id = in.getLong();
    if (kind == QUERY) {
      String key = StandardCharsets.UTF_8.decode(in).toString();
      AtomicLong n = entered.get(key);
      byte[] answer =
          ByteBuffer.allocate(17).put(ANSWER).putLong(id).putLong(n == null ? 0 : n.get()).array();
      try {
        messages.sendControl(peer, answer);
      } catch (RuntimeException e) {
        // closing: the asker will count us as missing, which we are
      }
    } else if (kind == ANSWER && payload.length >= 17) {
      Poll p = polls.get(id);
      if (p != null) {
        p.answer(peer, in.getLong());
      }
    }
  }
}
