package io.infermesh.pool.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive the way {@code torch.jit.save} lays it out, without Python: one top-level module class
 * with tensor parameters and a {@code forward} written in TorchScript. libtorch compiles the source when it loads the
 * file, so a test model is a few lines of TorchScript plus its weights.
 *
 * <p>Zip entries (stored, not compressed), all under {@code <archive>/}:
 *
 * <ul>
 *   <li>{@code data.pkl}: the module object, pickled as libtorch's Pickler does (protocol 2): {@code GLOBAL
 *       '__torch__' '<Class>'}, {@code EMPTY_TUPLE NEWOBJ}, then its attributes as a dict (every attribute the class
 *       declares, {@code training} included) and {@code BUILD}. Each tensor is {@code
 *       torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())} whose storage
 *       is the persistent id {@code ('storage', torch.<Type>Storage, '<key>', 'cpu', numel)};
 *   <li>{@code data/<key>}: each storage's raw little-endian elements;
 *   <li>{@code code/__torch__.py}: the class in TorchScript, as {@code python_print} writes it: {@code
 *       __parameters__}, {@code __buffers__}, typed attributes, then the methods with {@code self} typed as {@code
 *       __torch__.<Class>};
 *   <li>{@code constants.pkl}: the constant table, an empty tuple;
 *   <li>{@code version} ({@value #FILE_FORMAT_VERSION}, the file format torch.jit.save writes when no versioned
 *       operator is used) and {@code byteorder} ({@code little}).
 * </ul>
 *
 * <p>{@link #torchSaveCheckpoint} writes the other zip format PyTorch has, a {@code torch.save} state dict: the same
 * {@code data.pkl} + {@code data/} layout but without {@code code/}, which a worker must refuse.
 */
public final class TorchScriptArchive {
    static final String FILE_FORMAT_VERSION = "3";
    /** 2000-01-01T00:00:00Z: entries carry a fixed time. */
    private static final long FIXED_TIME = 946_684_800_000L;

    private final String archive;
    private final String className;
    private final Map<String, Storage> parameters = new LinkedHashMap<>();
    private final List<String> methods = new ArrayList<>();

    /** A tensor's elements: the storage class libtorch maps to a dtype, and the raw little-endian bytes. */
    record Storage(String storageClass, long[] shape, byte[] bytes, long numel) {}

    private TorchScriptArchive(String archive, String className) {
        this.archive = archive;
        this.className = className;
    }

    /** A module class {@code __torch__.<className>}, in a zip whose top folder is {@code archive}. */
    public static TorchScriptArchive module(String archive, String className) {
        return new TorchScriptArchive(archive, className);
    }

    /** An FP32 parameter (row-major {@code values} of {@code shape}), an attribute {@code name : Tensor}. */
    public TorchScriptArchive parameter(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        parameters.put(name, new Storage("FloatStorage", shape, b.array(), values.length));
        return this;
    }

    /** An INT64 parameter. */
    public TorchScriptArchive parameter(String name, long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        parameters.put(name, new Storage("LongStorage", shape, b.array(), values.length));
        return this;
    }

    /**
     * {@code def forward(self, <arguments>) -> <returns>:} with {@code body} as its lines (TorchScript, no indent).
     *
     * @param arguments e.g. {@code "x: Tensor, ids: Tensor"}
     * @param returns e.g. {@code "Tensor"} or {@code "Tuple[Tensor, Tensor]"}
     */
    public TorchScriptArchive forward(String arguments, String returns, String... body) {
        return method("forward", arguments, returns, body);
    }

    public TorchScriptArchive method(String name, String arguments, String returns, String... body) {
        StringBuilder s = new StringBuilder();
        s.append("  def ").append(name).append("(self: __torch__.").append(className);
        for (String arg : arguments.isBlank() ? new String[0] : arguments.split(",")) {
            s.append(",\n    ").append(arg.strip());
        }
        s.append(") -> ").append(returns).append(":\n");
        for (String line : body) {
            s.append("    ").append(line).append('\n');
        }
        methods.add(s.toString());
        return this;
    }

    /** The TorchScript source of the class, {@code code/__torch__.py}. */
    public String source() {
        StringBuilder s = new StringBuilder();
        s.append("class ").append(className).append("(Module):\n");
        s.append("  __parameters__ = [");
        parameters.keySet().forEach(p -> s.append('"').append(p).append("\", "));
        s.append("]\n");
        s.append("  __buffers__ = []\n");
        parameters.keySet().forEach(p -> s.append("  ").append(p).append(" : Tensor\n"));
        s.append("  training : bool\n");
        methods.forEach(s::append);
        return s.toString();
    }

    /** The module object as {@code data.pkl}: its parameters, and {@code training = False} (eval mode). */
    byte[] dataPickle() {
        Pickle p = new Pickle().global("__torch__", className).emptyTuple().newObj();
        p.emptyDict().mark();
        p.string("training").bool(false);
        int key = 0;
        for (var e : parameters.entrySet()) {
            p.string(e.getKey());
            tensor(p, String.valueOf(key++), e.getValue());
        }
        return p.setItems().build().stop();
    }

    /** Pushes {@code _rebuild_tensor_v2(storage, 0, size, contiguous stride, False, OrderedDict())}. */
    static void tensor(Pickle p, String key, Storage s) {
        p.global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark()
                .string("storage")
                .global("torch", s.storageClass())
                .string(key)
                .string("cpu")
                .integer(s.numel())
                .tuple()
                .persistentId();
        p.integer(0);
        p.mark();
        for (long d : s.shape()) {
            p.integer(d);
        }
        p.tuple().mark();
        long stride = 1;
        long[] strides = new long[s.shape().length];
        for (int i = strides.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= s.shape()[i];
        }
        for (long st : strides) {
            p.integer(st);
        }
        p.tuple();
        p.bool(false);
        p.global("collections", "OrderedDict").emptyTuple().reduce();
        p.tuple().reduce();
    }

    /** The archive's bytes, ready to be written as a {@code .pt} file. */
    public byte[] toBytes() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("data.pkl", dataPickle());
        entries.put("code/__torch__.py", source().getBytes(StandardCharsets.UTF_8));
        entries.put("constants.pkl", new Pickle().emptyTuple().stop());
        int key = 0;
        for (Storage s : parameters.values()) {
            entries.put("data/" + key++, s.bytes());
        }
        entries.put("version", (FILE_FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
        entries.put("byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        return zip(archive, entries);
    }

    /**
     * A {@code torch.save(state_dict)} file: {@code data.pkl} is a dict of this module's parameters, pickled for
     * Python's unpickler, with {@code data/}, {@code version} and {@code byteorder}, but no {@code code/}.
     */
    public byte[] torchSaveCheckpoint() {
        Pickle p = new Pickle().emptyDict().mark();
        int key = 0;
        for (var e : parameters.entrySet()) {
            p.string(e.getKey());
            tensor(p, String.valueOf(key++), e.getValue());
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("data.pkl", p.setItems().stop());
        key = 0;
        for (Storage s : parameters.values()) {
            entries.put("data/" + key++, s.bytes());
        }
        entries.put("version", (FILE_FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
        entries.put("byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        return zip(archive, entries);
    }

    /** A zip of stored (uncompressed) entries under {@code top/}, as PyTorch's stream writer makes them. */
    static byte[] zip(String top, Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(top + "/" + e.getKey());
                entry.setMethod(ZipEntry.STORED);
                entry.setTime(FIXED_TIME); // equal models, equal bytes, equal CIDs
                entry.setSize(e.getValue().length);
                entry.setCompressedSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
