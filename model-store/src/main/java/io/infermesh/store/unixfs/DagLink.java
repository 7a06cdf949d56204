package io.infermesh.store.unixfs;

import io.infermesh.store.cid.Cid;

/**
 * A finished node of a file DAG, as its parent links to it.
 *
 * @param cid the node's CID
 * @param tsize the cumulative encoded size of the node and everything under it (dag-pb {@code Tsize})
 * @param fileBytes how many bytes of the file the node covers (UnixFS {@code blocksizes} entry)
 */
record DagLink(Cid cid, long tsize, long fileBytes) {}
