package io.infermesh.pool.djl;

import io.infermesh.pool.WorkerException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Which PyTorch files the worker hands to libtorch: TorchScript archives only, never a {@code torch.save} pickle.
 *
 * <p>Both are zip files with one top folder and a {@code data.pkl}. In a TorchScript archive ({@code torch.jit.save})
 * the folder also holds {@code code/}, the model's TorchScript source, and libtorch reads {@code data.pkl} with its
 * own restricted C++ unpickler: no Python, and the only classes it can build are tensors and the TorchScript classes
 * compiled from {@code code/}. A {@code torch.save} checkpoint has no {@code code/}: its {@code data.pkl} is an
 * arbitrary Python pickle whose globals name Python code to run, and the legacy {@code torch.save} format is a bare
 * pickle (first bytes {@code 0x80 0x02}). Those are refused here, by their zip entries, before libtorch opens the file,
 * with a message that says how to export the model instead. This complements the extension rule of {@code
 * ModelPacker.isPickle}, which cannot see inside a {@code .pt} file.
 *
 * <p>The top folder is the first entry's, as libtorch determines it.
 */
final class TorchArchivePolicy {
    private static final String EXPORT_HINT =
            "export the model with torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path)";

    private TorchArchivePolicy() {}

    /**
     * Throws INVALID_ARGUMENT unless {@code file} is a TorchScript archive.
     *
     * @param displayName the file's manifest path, for messages
     */
    static void requireTorchScript(Path file, String displayName) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        } catch (IOException e) {
            throw WorkerException.unavailable(
                    "cannot read '" + displayName + "' from the local cache: " + e.getMessage());
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            throw WorkerException.invalidArgument("'" + displayName + "' is a Python pickle (the legacy torch.save"
                    + " format); loading pickles runs code, so this worker refuses them: " + EXPORT_HINT);
        }
        if (head.length < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
            throw WorkerException.invalidArgument(
                    "'" + displayName + "' is not a TorchScript archive (not a zip file): " + EXPORT_HINT);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            if (!entries.hasMoreElements()) {
                throw WorkerException.invalidArgument(
                        "'" + displayName + "' is an empty zip file, not a TorchScript" + " archive: " + EXPORT_HINT);
            }
            String first = entries.nextElement().getName();
            int slash = first.indexOf('/');
            if (slash <= 0) {
                throw WorkerException.invalidArgument("'" + displayName + "' is not a TorchScript archive: its entries"
                        + " are not inside one top folder");
            }
            String prefix = first.substring(0, slash + 1);
            boolean hasCode = first.startsWith(prefix + "code/");
            while (!hasCode && entries.hasMoreElements()) {
                hasCode = entries.nextElement().getName().startsWith(prefix + "code/");
            }
            if (hasCode) {
                return;
            }
            if (zip.getEntry(prefix + "data.pkl") != null) {
                throw WorkerException.invalidArgument("'" + displayName + "' is a torch.save checkpoint: its data.pkl"
                        + " is a Python pickle with no TorchScript code beside it, and loading such pickles runs"
                        + " code, so this worker refuses it: " + EXPORT_HINT);
            }
            throw WorkerException.invalidArgument("'" + displayName + "' is a zip file but not a TorchScript archive"
                    + " (no code/ folder): " + EXPORT_HINT);
        } catch (ZipException e) {
            throw WorkerException.invalidArgument(
                    "'" + displayName + "' is not a readable zip file (" + e.getMessage() + "): " + EXPORT_HINT);
        } catch (IOException e) {
            throw WorkerException.unavailable(
                    "cannot read '" + displayName + "' from the local cache: " + e.getMessage());
        }
    }
}
