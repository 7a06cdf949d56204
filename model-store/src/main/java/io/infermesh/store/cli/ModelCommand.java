package io.infermesh.store.cli;

import io.infermesh.store.BlobStore;
import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.cid.Cid;
import io.infermesh.store.manifest.EthAddress;
import io.infermesh.store.manifest.Framework;
import io.infermesh.store.manifest.Manifest;
import io.infermesh.store.manifest.ManifestFile;
import io.infermesh.store.manifest.ManifestSignature;
import io.infermesh.store.manifest.ModelPacker;
import io.infermesh.store.manifest.Wei;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.web3j.crypto.ECKeyPair;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "model",
        description = "Pack, sign, verify and publish model versions; push and pull them through the gateway.",
        subcommands = {
            ModelCommand.Pack.class,
            ModelCommand.Sign.class,
            ModelCommand.Verify.class,
            ModelCommand.Publish.class,
            ModelPushCommand.class,
            ModelPullCommand.class
        })
final class ModelCommand {
    /** Manifest fields a user may set on the command line. */
    static final class PackOptions {
        @Option(names = "--task", description = "e.g. text-embedding, raw-tensors")
        String task;

        @Option(names = "--framework", description = "onnx, torchscript or safetensors (default: detected)")
        String framework;

        @Option(names = "--price-wei", description = "price per request in wei (decimal)")
        String priceWei;

        @Option(names = "--license", description = "license identifier, e.g. apache-2.0")
        String license;

        ModelPacker.Options toOptions(EthAddress owner) {
            return new ModelPacker.Options(
                    Optional.ofNullable(task),
                    Optional.ofNullable(framework).map(f -> Framework.fromWire(f.toLowerCase(Locale.ROOT))),
                    Optional.ofNullable(priceWei).map(Wei::parse),
                    Optional.ofNullable(license),
                    owner,
                    Instant.now());
        }
    }

    /** The owner: an address, or a key file whose address is used. */
    static final class Owner {
        @Option(names = "--owner", description = "owner address (0x...)")
        String address;

        @Option(names = "--key", description = "key file of the owner (see `infermesh key new`)")
        Path keyFile;

        EthAddress resolve() throws Exception {
            return address != null ? EthAddress.of(address) : KeyFiles.address(KeyFiles.read(keyFile));
        }
    }

    @Command(
            name = "pack",
            description = {
                "Hash every file of a model folder and print its manifest (canonical JSON) on stdout,",
                "and its CID on stderr. Reads defaults from DIR/infermesh.json if present."
            })
    static final class Pack implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Owner owner;

        @Mixin
        PackOptions options;

        @Option(
                names = {"-o", "--output"},
                description = "write the manifest to this file instead of stdout")
        Path output;

        @Override
        public Integer call() throws Exception {
            Manifest manifest = ModelPacker.pack(dir, options.toOptions(owner.resolve()));
            byte[] json = manifest.toCanonicalJson();
            if (output == null) {
                System.out.write(json);
                System.out.println();
                System.out.flush();
            } else {
                Files.write(output, json);
            }
            System.err.println(manifest.cid());
            return 0;
        }
    }

    @Command(name = "sign", description = "Sign a manifest file's CID (EIP-191) and print the signature.")
    static final class Sign implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MANIFEST")
        Path manifestFile;

        @Option(names = "--key", required = true, description = "key file of the owner")
        Path keyFile;

        @Override
        public Integer call() throws Exception {
            Manifest manifest = Manifest.parseCanonical(Files.readAllBytes(manifestFile));
            ECKeyPair key = KeyFiles.read(keyFile);
            requireOwner(manifest, KeyFiles.address(key));
            System.out.println(ManifestSignature.sign(manifest.cid(), key).toHex());
            return 0;
        }
    }

    @Command(
            name = "verify",
            description = "Check a signature over a manifest file recovers the manifest's owner; print the owner.")
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MANIFEST")
        Path manifestFile;

        @Option(names = "--signature", required = true, description = "0x-prefixed 65-byte signature")
        String signature;

        @Override
        public Integer call() throws Exception {
            Manifest manifest = Manifest.parseCanonical(Files.readAllBytes(manifestFile));
            EthAddress signer = ManifestSignature.parse(signature).recover(manifest.cid());
            requireOwner(manifest, signer);
            System.out.println("valid: " + manifest.cid() + " signed by owner " + signer);
            return 0;
        }
    }

    @Command(
            name = "publish",
            description = {
                "Pack DIR, upload the blobs the store lacks, store the manifest, sign it and move the tag.",
                "Talks to S3 directly (operator tool); users publish through the gateway with `model push`."
            })
    static final class Publish implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;

        @Option(names = "--name", required = true, description = "org/model:tag")
        String name;

        @Option(names = "--key", required = true, description = "key file of the owner")
        Path keyFile;

        @Mixin
        PackOptions options;

        @Mixin
        StoreOptions store;

        @Override
        public Integer call() throws Exception {
            ModelRef ref = ModelRef.parse(name);
            ECKeyPair key = KeyFiles.read(keyFile);
            Manifest manifest = ModelPacker.pack(dir, options.toOptions(KeyFiles.address(key)));
            BlobStore blobs = store.blobs();
            Map<Cid, ManifestFile> byCid = manifest.files().stream()
                    .collect(Collectors.toMap(ManifestFile::cid, Function.identity(), (a, b) -> a));
            List<Cid> missing = blobs.missing(byCid.keySet());
            for (Cid cid : missing) {
                ManifestFile file = byCid.get(cid);
                try (InputStream in = Files.newInputStream(dir.resolve(file.path()))) {
                    blobs.put(cid, in);
                }
                System.err.printf("uploaded %s  %d  %s%n", cid, file.sizeBytes(), file.path());
            }
            Cid manifestCid = blobs.put(manifest.toCanonicalJson()).cid();
            ManifestSignature signature = ManifestSignature.sign(manifestCid, key);
            requireOwner(manifest, signature.recover(manifestCid));
            store.tags().setTag(ref, manifestCid);
            System.err.printf(
                    "%d of %d files uploaded, %d already stored%n",
                    missing.size(), byCid.size(), byCid.size() - missing.size());
            System.out.println("manifest  " + manifestCid);
            System.out.println("signature " + signature.toHex());
            System.out.println("tag       " + ref + " -> " + manifestCid);
            return 0;
        }
    }

    static void requireOwner(Manifest manifest, EthAddress signer) {
        if (!manifest.owner().equals(signer)) {
            throw new ModelStoreException(
                    ModelStoreException.ErrorCode.INVALID_SIGNATURE,
                    "the manifest's owner is " + manifest.owner() + " but the key/signature belongs to " + signer);
        }
    }
}
