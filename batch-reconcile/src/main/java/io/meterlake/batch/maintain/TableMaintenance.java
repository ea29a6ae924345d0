package io.meterlake.batch.maintain;

import java.time.Duration;

/**
 * What {@link MaintainJob} did to one table.
 *
 * @param filesBefore  data files of the current version before compaction
 * @param filesAfter   data files of the current version after compaction
 * @param retention    the VACUUM retention used
 * @param filesDeleted files VACUUM deleted (no longer referenced by any version it had to keep)
 */
public record TableMaintenance(
        String table, long filesBefore, long filesAfter, Duration retention, long filesDeleted) {}
