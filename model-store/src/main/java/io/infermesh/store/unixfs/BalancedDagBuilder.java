package io.infermesh.store.unixfs;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the balanced UnixFS layout from leaves that arrive in file order, holding at most {@code maxLinks} pending
 * links per level (memory is O(maxLinks × depth), independent of file size).
 *
 * <p>Layout, as in go-ipfs and js-ipfs: leaves are grouped {@code maxLinks} at a time under interior nodes, those
 * nodes are grouped the same way, and so on until one node remains: the root. A file of exactly one chunk is that
 * leaf itself. A level is closed into a parent as soon as it holds {@code maxLinks} links; this eager close gives the
 * same tree as grouping at the end, because a level left holding one node at the top is the root either way.
 *
 * <p>Not thread-safe; one builder per file.
 */
final class BalancedDagBuilder {
    private final ImportOptions options;
    private final List<List<DagLink>> levels = new ArrayList<>();

    BalancedDagBuilder(ImportOptions options) {
        this.options = options;
    }

    void addLeaf(DagLink leaf) {
        push(0, leaf);
    }

    /** Closes every open level and returns the root. At least one leaf must have been added. */
    DagLink finish() {
        for (int level = 0; level < levels.size(); level++) {
            List<DagLink> pending = levels.get(level);
            boolean top = level == levels.size() - 1;
            if (top && pending.size() == 1) {
                return pending.getFirst();
            }
            if (!pending.isEmpty()) {
                DagLink parent = UnixfsNodes.parent(pending, options);
                pending.clear();
                push(level + 1, parent);
            }
        }
        throw new IllegalStateException("finish() called before any leaf was added");
    }

    private void push(int level, DagLink link) {
        if (levels.size() == level) {
            levels.add(new ArrayList<>(options.maxLinks()));
        }
        List<DagLink> pending = levels.get(level);
        pending.add(link);
        if (pending.size() == options.maxLinks()) {
            DagLink parent = UnixfsNodes.parent(pending, options);
            pending.clear();
            push(level + 1, parent);
        }
    }
}
