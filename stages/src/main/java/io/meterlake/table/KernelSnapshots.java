package io.meterlake.table;

import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.exceptions.TableNotFoundException;
import java.util.Optional;

/**
 * A table's latest snapshot as the readers without Spark ({@link DeltaReads}, {@link LiveTables}) see it: none while
 * the table does not exist, and none while it is being created (its {@code _delta_log} made, its first commit not yet
 * written: Delta Kernel 3.3 says "No delta files found" then, where Spark sees no table).
 */
final class KernelSnapshots {
    private KernelSnapshots() {}

    static Optional<Snapshot> latest(Engine engine, String path) {
        try {
            return Optional.of(Table.forPath(engine, path).getLatestSnapshot(engine));
        } catch (TableNotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).startsWith("No delta files found in the directory")) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
