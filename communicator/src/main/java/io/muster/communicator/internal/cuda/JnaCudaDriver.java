package io.muster.communicator.internal.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CUDA driver through JNA's direct mapping of {@code libcuda.so.1}. Loaded only by {@link
 * CudaDrivers}, by name. Symbols carry the {@code _v2} suffixes that {@code cuda.h} maps the public
 * names to.
 */
final class JnaCudaDriver implements CudaDriver {
  private static final int CUDA_SUCCESS = 0;
  private static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
  private static final int CUDA_ERROR_INVALID_DEVICE = 101;
  private static final int CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS = 1;

  /** {@code CUipcMemHandle}, passed by value to {@code cuIpcOpenMemHandle}. */
  @Structure.FieldOrder("reserved")
  public static class IpcMemHandle extends Structure implements Structure.ByValue {
    public byte[] reserved = new byte[64];
  }

  /** The native functions; registering them loads the library. */
  static final class Lib {
    static {
      Native.register(Lib.class, NativeLibrary.getInstance("libcuda.so.1"));
    }

    private Lib() {}

    static native int cuInit(int flags);

    static native int cuDeviceGetCount(IntByReference count);

    static native int cuDeviceGet(IntByReference device, int ordinal);

    static native int cuDevicePrimaryCtxRetain(PointerByReference context, int device);

    static native int cuCtxSetCurrent(Pointer context);

    static native int cuCtxSynchronize();

    static native int cuMemAlloc_v2(LongByReference address, long bytes);

    static native int cuMemFree_v2(long address);

    static native int cuMemcpyHtoD_v2(long dst, Pointer src, long bytes);

    static native int cuMemcpyDtoH_v2(Pointer dst, long src, long bytes);

    static native int cuMemcpyDtoD_v2(long dst, long src, long bytes);

    static native int cuIpcGetMemHandle(Pointer handle, long address);

    static native int cuIpcOpenMemHandle_v2(
        LongByReference address, IpcMemHandle handle, int flags);

    static native int cuIpcCloseMemHandle(long address);

    static native int cuGetErrorName(int error, PointerByReference name);
  }

  private final int deviceCount;
  private final ConcurrentHashMap<Integer, Pointer> contexts = new ConcurrentHashMap<>();

  private JnaCudaDriver(int deviceCount) {
    this.deviceCount = deviceCount;
  }

  /** Loads the library and initialises the driver (called reflectively by CudaDrivers). */
  static CudaDriver load() {
    check(Lib.cuInit(0), "cuInit");
    IntByReference count = new IntByReference();
    check(Lib.cuDeviceGetCount(count), "cuDeviceGetCount");
    return new JnaCudaDriver(count.getValue());
  }

  @Override
  public int deviceCount() {
    return deviceCount;
  }

  /** Makes the device's primary context current on this thread. */
  private void use(int device) {
    if (device < 0 || device >= deviceCount) {
      throw new BootstrapException(
          Code.CONFIG,
          "there is no CUDA device "
              + device
              + ": this machine has "
              + deviceCount
              + " (0.."
              + (deviceCount - 1)
              + ")");
    }
    Pointer context = contexts.computeIfAbsent(device, JnaCudaDriver::retainPrimary);
    check(Lib.cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  private static Pointer retainPrimary(int ordinal) {
    IntByReference device = new IntByReference();
    check(Lib.cuDeviceGet(device, ordinal), "cuDeviceGet");
    PointerByReference context = new PointerByReference();
    check(Lib.cuDevicePrimaryCtxRetain(context, device.getValue()), "cuDevicePrimaryCtxRetain");
    return context.getValue();
  }

  @Override
  public long allocate(int device, long bytes) {
    use(device);
    LongByReference address = new LongByReference();
    check(Lib.cuMemAlloc_v2(address, bytes), "cuMemAlloc of " + bytes + " bytes");
    return address.getValue();
  }

  @Override
  public void free(int device, long address) {
    use(device);
    check(Lib.cuMemFree_v2(address), "cuMemFree");
  }

  @Override
  public void copyHostToDevice(int device, long dst, ByteBuffer src) {
    use(device);
    check(Lib.cuMemcpyHtoD_v2(dst, pointer(src), src.remaining()), "cuMemcpyHtoD");
  }

  @Override
  public void copyDeviceToHost(int device, ByteBuffer dst, long src) {
    use(device);
    check(Lib.cuMemcpyDtoH_v2(pointer(dst), src, dst.remaining()), "cuMemcpyDtoH");
  }

  private static Pointer pointer(ByteBuffer direct) {
    return Native.getDirectBufferPointer(direct).share(direct.position());
  }

  @Override
  public void copyDeviceToDevice(int device, long dst, long src, long bytes) {
    use(device);
    check(Lib.cuMemcpyDtoD_v2(dst, src, bytes), "cuMemcpyDtoD");
  }

  @Override
  public void synchronize(int device) {
    use(device);
    check(Lib.cuCtxSynchronize(), "cuCtxSynchronize");
  }

  @Override
  public byte[] ipcHandle(int device, long address) {
    use(device);
    Memory handle = new Memory(64);
    check(Lib.cuIpcGetMemHandle(handle, address), "cuIpcGetMemHandle");
    return handle.getByteArray(0, 64);
  }

  @Override
  public long openIpcHandle(int device, byte[] handle) {
    use(device);
    IpcMemHandle h = new IpcMemHandle();
    System.arraycopy(handle, 0, h.reserved, 0, 64);
    LongByReference address = new LongByReference();
    check(
        Lib.cuIpcOpenMemHandle_v2(address, h, CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS),
        "cuIpcOpenMemHandle");
    return address.getValue();
  }

  @Override
  public void closeIpcHandle(int device, long address) {
    use(device);
    check(Lib.cuIpcCloseMemHandle(address), "cuIpcCloseMemHandle");
  }

  private static void check(int result, String call) {
    if (result == CUDA_SUCCESS) {
      return;
    }
    String name = "CUDA error " + result;
    PointerByReference p = new PointerByReference();
    if (Lib.cuGetErrorName(result, p) == CUDA_SUCCESS && p.getValue() != null) {
      name = p.getValue().getString(0);
    }
    Code code =
        result == CUDA_ERROR_OUT_OF_MEMORY
            ? Code.UNAVAILABLE
            : result == CUDA_ERROR_INVALID_DEVICE ? Code.CONFIG : Code.INTERNAL;
    throw new BootstrapException(code, call + " failed: " + name + " (" + result + ")");
  }
}
