package io.meterlake.batch.ingest;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the tables hold for one ingested file, read back after the write.
 *
 * @param alreadyIngested true when the file's content had been ingested before and nothing was written
 * @param records         accepted + quarantined: every line of the file
 * @param quarantined     quarantined records per reason code name, in name order
 */
public record IngestReport(
        String file,
        String sha256,
        boolean alreadyIngested,
        long records,
        long accepted,
        SortedMap<String, Long> quarantined,
        SortedMap<String, String> examples) {

    public IngestReport {
        quarantined = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(quarantined));
        examples = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(examples));
    }

    /** A report without examples of the reasons' details. */
    public IngestReport(
            String file,
            String sha256,
            boolean alreadyIngested,
            long records,
            long accepted,
            SortedMap<String, Long> quarantined) {
        this(file, sha256, alreadyIngested, records, accepted, quarantined, new TreeMap<>());
    }

    public long quarantinedTotal() {
        return quarantined.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Sums reports of several files into one. */
    public static IngestReport total(Iterable<IngestReport> reports) {
        long records = 0;
        long accepted = 0;
        SortedMap<String, Long> quarantined = new TreeMap<>();
        SortedMap<String, String> examples = new TreeMap<>();
        boolean all = true;
        for (IngestReport report : reports) {
            records += report.records();
            accepted += report.accepted();
            all &= report.alreadyIngested();
            for (Map.Entry<String, Long> entry : report.quarantined().entrySet()) {
                quarantined.merge(entry.getKey(), entry.getValue(), Long::sum);
            }
            report.examples().forEach(examples::putIfAbsent);
        }
        return new IngestReport("(all files)", "", all, records, accepted, quarantined, examples);
    }
}
