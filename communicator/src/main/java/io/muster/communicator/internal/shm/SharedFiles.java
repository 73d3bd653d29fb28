package io.muster.communicator.internal.shm;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory-mapped files of one communicator: those it creates in {@code /dev/shm} (deleted at
 * close) and those of its peers it maps. The mappings themselves go when the garbage collector
 * frees their buffers, so a buffer handed out never points at unmapped memory.
 */
public final class SharedFiles implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SharedFiles.class);

  /** Where the files live: {@code /dev/shm} (memory-backed) where it exists. */
  public static final Path DIRECTORY =
      Files.isDirectory(Path.of("/dev/shm"))
          ? Path.of("/dev/shm")
          : Path.of(System.getProperty("java.io.tmpdir"));

  /** Every file of every communicator starts with this. */
  public static final String PREFIX = "muster-";

  private final String prefix;
  private final AtomicInteger counter = new AtomicInteger();
  private final List<Path> created = new ArrayList<>();
  private final ConcurrentHashMap<String, MappedByteBuffer> own = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, MappedByteBuffer> peers = new ConcurrentHashMap<>();
  private boolean closed;

  public SharedFiles(int rank) {
    byte[] random = new byte[6];
    new SecureRandom().nextBytes(random);
    StringBuilder hex = new StringBuilder();
    for (byte b : random) {
      hex.append(String.format("%02x", b));
    }
    this.prefix = PREFIX + ProcessHandle.current().pid() + "-r" + rank + "-" + hex + "-";
  }

  /**
   * Creates a new zero-filled file of {@code size} bytes, readable and writable by this user only,
   * and maps it.
   */
  public MappedByteBuffer create(String purpose, int size) {
    Path path = DIRECTORY.resolve(prefix + purpose + "-" + counter.incrementAndGet());
    synchronized (this) {
      if (closed) {
        throw new BootstrapException(Code.CLOSED, "the communicator is closed");
      }
      created.add(path);
    }
    try (FileChannel ch =
        FileChannel.open(
            path,
            Set.of(
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
            ownerOnly())) {
      MappedByteBuffer buffer = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
      own.put(path.toString(), buffer);
      return buffer;
    } catch (IOException e) {
      throw new BootstrapException(
          Code.UNAVAILABLE,
          "cannot create the "
              + size
              + "-byte shared memory file "
              + path
              + ": "
              + e
              + " (is "
              + DIRECTORY
              + " full? check its size with df)",
          e);
    }
  }

  /** The path of the file {@link #create} mapped into {@code buffer}, or null if none. */
  public String pathOf(ByteBuffer buffer) {
    for (var e : own.entrySet()) {
      if (e.getValue() == buffer) {
        return e.getKey();
      }
    }
    return null;
  }

  /**
   * Maps {@code size} bytes at {@code offset} of a peer's file, whose path came in a descriptor.
   *
   * @throws BootstrapException {@code PROTOCOL} if the path is not a communicator file or is
   *     shorter than the descriptor says; {@code PEER_LOST} if it is gone (its owner closed)
   */
  public ByteBuffer map(String path, long offset, long size, int owner) {
    MappedByteBuffer whole = own.get(path);
    if (whole == null) {
      whole = peers.get(path);
    }
    if (whole == null) {
      whole = peers.computeIfAbsent(path, p -> mapWhole(p, owner));
    }
    if (offset < 0 || size < 0 || offset + size > whole.capacity()) {
      throw new BootstrapException(
          Code.PROTOCOL,
          "rank "
              + owner
              + " described "
              + size
              + " bytes at offset "
              + offset
              + " of "
              + path
              + ", which holds only "
              + whole.capacity(),
          List.of(owner));
    }
    return whole.slice((int) offset, (int) size);
  }

  private static MappedByteBuffer mapWhole(String path, int owner) {
    Path file = Path.of(path);
    Path parent = file.getParent();
    if (parent == null
        || !parent.equals(DIRECTORY)
        || !file.getFileName().toString().startsWith(PREFIX)) {
      throw new BootstrapException(
          Code.PROTOCOL,
          "rank " + owner + " named " + path + ", which is no communicator file in " + DIRECTORY,
          List.of(owner));
    }
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long length = ch.size();
      if (length > Integer.MAX_VALUE) {
        throw new BootstrapException(
            Code.PROTOCOL, "rank " + owner + "'s file " + path + " is too large", List.of(owner));
      }
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
    } catch (NoSuchFileException e) {
      throw new BootstrapException(
          Code.PEER_LOST,
          "the shared memory file "
              + path
              + " of rank "
              + owner
              + " is gone: rank "
              + owner
              + " has closed its communicator, or it runs on another machine (shared memory"
              + " needs both processes on one machine, with one /dev/shm)",
          List.of(owner),
          e);
    } catch (IOException e) {
      throw new BootstrapException(
          Code.UNAVAILABLE,
          "cannot map the shared memory file " + path + " of rank " + owner + ": " + e,
          List.of(owner),
          e);
    }
  }

  private static FileAttribute<?>[] ownerOnly() {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[] {
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
      };
    }
    return new FileAttribute<?>[0];
  }

  /** The files created so far (for diagnostics and leak checks). */
  public synchronized List<Path> created() {
    return List.copyOf(created);
  }

  /** Deletes every file this communicator created; peers that mapped them keep their mapping. */
  @Override
  public void close() {
    List<Path> toDelete;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toDelete = List.copyOf(created);
    }
    for (Path p : toDelete) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        log.warn("could not delete shared memory file {}: {}", p, e.toString());
      }
    }
    own.clear();
    peers.clear();
  }
}
