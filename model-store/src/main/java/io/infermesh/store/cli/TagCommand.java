package io.infermesh.store.cli;

import io.infermesh.store.ModelRef;
import io.infermesh.store.ModelStoreException;
import io.infermesh.store.TagStore.TagEntry;
import io.infermesh.store.cid.Cid;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "tag",
        description = "Names (org/model:tag) that point at manifest CIDs, with history.",
        subcommands = {TagCommand.Resolve.class, TagCommand.History.class, TagCommand.List.class})
final class TagCommand {
    @Command(name = "resolve", description = "Print the manifest CID a tag points at.")
    static final class Resolve implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", paramLabel = "ORG/MODEL:TAG")
        String ref;

        @Override
        public Integer call() {
            ModelRef parsed = ModelRef.parse(ref);
            Cid cid = store.tags()
                    .resolve(parsed)
                    .orElseThrow(() -> new ModelStoreException(
                            ModelStoreException.ErrorCode.NOT_FOUND, "no tag " + parsed + " in the store"));
            System.out.println(cid);
            return 0;
        }
    }

    @Command(name = "history", description = "Print every manifest a tag has pointed at, oldest first.")
    static final class History implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", paramLabel = "ORG/MODEL:TAG")
        String ref;

        @Override
        public Integer call() {
            for (TagEntry e : store.tags().history(ModelRef.parse(ref))) {
                System.out.printf("%s  %s%n", e.at(), e.manifest());
            }
            return 0;
        }
    }

    @Command(name = "list", description = "Print the tags of a model and where each points.")
    static final class List implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", paramLabel = "ORG/MODEL")
        String repository;

        @Override
        public Integer call() {
            ModelRef repo = ModelRef.parse(repository);
            for (TagEntry e : store.tags().tags(repo.org(), repo.model())) {
                System.out.printf("%s  %s  %s%n", e.ref().tag(), e.manifest(), e.at());
            }
            return 0;
        }
    }
}
