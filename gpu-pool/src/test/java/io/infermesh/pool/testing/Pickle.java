package io.infermesh.pool.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes a pickle (protocol 2) opcode by opcode, the subset libtorch's Pickler emits for TorchScript archives and
 * {@code torch.save} zip files. No memo (BINPUT) entries: the unpickler does not need them. Not thread-safe.
 */
public final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Pickle() {
        out.write(0x80); // PROTO
        out.write(2);
    }

    /** GLOBAL: pushes {@code module.name} (a class or function, resolved by the reader). */
    public Pickle global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    public Pickle mark() {
        out.write('(');
        return this;
    }

    /** TUPLE: everything since the last {@link #mark()}. */
    public Pickle tuple() {
        out.write('t');
        return this;
    }

    public Pickle emptyTuple() {
        out.write(')');
        return this;
    }

    public Pickle emptyDict() {
        out.write('}');
        return this;
    }

    /** SETITEMS: the key/value pairs since the last {@link #mark()} go into the dict below the mark. */
    public Pickle setItems() {
        out.write('u');
        return this;
    }

    /** NEWOBJ: {@code cls.__new__(cls, *args)} with the class and the args tuple on the stack. */
    public Pickle newObj() {
        out.write(0x81);
        return this;
    }

    /** BUILD: applies the state on top of the stack to the object below it. */
    public Pickle build() {
        out.write('b');
        return this;
    }

    /** REDUCE: calls the callable below the top with the args tuple on top. */
    public Pickle reduce() {
        out.write('R');
        return this;
    }

    /** BINPERSID: replaces the tuple on top by the object it names (libtorch: a tensor storage). */
    public Pickle persistentId() {
        out.write('Q');
        return this;
    }

    /** BINUNICODE. */
    public Pickle string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(b.length)
                .array());
        out.writeBytes(b);
        return this;
    }

    /** BININT for values that fit 32 bits, LONG1 with 8 bytes otherwise (the only LONG1 libtorch reads). */
    public Pickle integer(long v) {
        if (v == (int) v) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt((int) v)
                    .array());
        } else {
            out.write(0x8a);
            out.write(8);
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(v)
                    .array());
        }
        return this;
    }

    public Pickle bool(boolean v) {
        out.write(v ? 0x88 : 0x89);
        return this;
    }

    /** STOP, and the pickle's bytes. */
    public byte[] stop() {
        out.write('.');
        return out.toByteArray();
    }
}
