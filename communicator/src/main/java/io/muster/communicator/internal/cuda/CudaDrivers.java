package io.muster.communicator.internal.cuda;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.lang.reflect.InvocationTargetException;
import java.util.Optional;

/**
 * Loads the CUDA driver binding on first use, by name, so that JNA and {@code libcuda.so.1} are
 * touched only by code that asks for CUDA; remembers why it could not.
 */
public final class CudaDrivers {
  private static final String BINDING = "io.muster.communicator.internal.cuda.JnaCudaDriver";
  private static volatile Object loaded; // a CudaDriver, or the reason (String) there is none

  private CudaDrivers() {}

  /** Why CUDA is unavailable, or empty when it is available. */
  public static Optional<String> unavailableReason() {
    Object state = load();
    return state instanceof String ? Optional.of((String) state) : Optional.empty();
  }

  /**
   * The driver.
   *
   * @throws BootstrapException {@code CONFIG} saying why there is none
   */
  public static CudaDriver require() {
    Object state = load();
    if (state instanceof CudaDriver) {
      return (CudaDriver) state;
    }
    throw new BootstrapException(
        Code.CONFIG,
        "the CUDA_IPC transport and device memory need the CUDA driver, which is not usable here: "
            + state
            + ". Use SHARED_MEMORY or TCP with host memory on this machine.");
  }

  private static Object load() {
    Object state = loaded;
    if (state == null) {
      synchronized (CudaDrivers.class) {
        state = loaded;
        if (state == null) {
          state = tryLoad();
          loaded = state;
        }
      }
    }
    return state;
  }

  private static Object tryLoad() {
    try {
      CudaDriver driver =
          (CudaDriver) Class.forName(BINDING).getDeclaredMethod("load").invoke(null);
      int count = driver.deviceCount();
      if (count == 0) {
        return "the CUDA driver sees no GPU";
      }
      return driver;
    } catch (InvocationTargetException e) {
      return reason(e.getCause());
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return reason(e);
    }
  }

  private static String reason(Throwable t) {
    if (t instanceof ExceptionInInitializerError && t.getCause() != null) {
      t = t.getCause();
    }
    // JNA lists every place it looked, one per line: the first two say what failed
    String[] lines = String.valueOf(t.getMessage()).split("\\R");
    String message = lines[0].strip();
    if (lines.length > 1) {
      message = (message + " " + lines[1].strip()).strip();
    }
    if (t instanceof UnsatisfiedLinkError) {
      return "libcuda.so.1 could not be loaded (no NVIDIA driver on this machine?): " + message;
    }
    if (t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) {
      return "JNA (net.java.dev.jna:jna) is not on the class path: " + message;
    }
    if (t instanceof BootstrapException) {
      return message;
    }
    return t.getClass().getSimpleName() + ": " + message;
  }
}
