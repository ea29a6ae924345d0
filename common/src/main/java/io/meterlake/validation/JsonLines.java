package io.meterlake.validation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * What a record is, for every reader of lines of events (file ingest, {@code produce}, the gateway's
 * NDJSON bodies): records are separated by LF only, as bytes, never decoded here. A CR inside a record
 * is JSON whitespace and stays; one CR right before the LF (a CRLF file) is dropped. The last record
 * needs no LF after it; an LF at the very end does not start an empty record. A UTF-8 byte-order mark
 * at the very start of the input is not part of the first record, and a mark alone is an empty input
 * (Hadoop's line reader, which file ingest runs on, does the same). Every other line is a record, a blank one too: it is
 * quarantined {@code MALFORMED_JSON} like any line that is not an event, so nothing sent vanishes
 * unseen. File ingest reads with Hadoop (a split file in parallel); a test pins that it cuts every
 * case of {@code RecordSplittingCases} exactly as {@link #split} does.
 */
public final class JsonLines {
    /** The record separator, as Hadoop's {@code textinputformat.record.delimiter}. */
    public static final String DELIMITER = "\n";

    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private JsonLines() {}

    /** One record from the bytes of a line without its LF: a trailing CR is dropped. */
    public static byte[] record(byte[] line, int length) {
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        return Arrays.copyOf(line, end);
    }

    /** The records of {@code body}, in order. */
    public static java.util.List<byte[]> split(byte[] body) {
        java.util.List<byte[]> records = new java.util.ArrayList<>();
        read(new java.io.ByteArrayInputStream(body), records::add);
        return records;
    }

    /** Reads every record of {@code in}, in order; returns how many. */
    public static long read(InputStream in, Consumer<byte[]> records) {
        byte[] buffer = new byte[1 << 16];
        byte[] line = new byte[1 << 12];
        int length = 0;
        long count = 0;
        boolean pending = false;
        boolean first = true;
        try {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                int from = 0;
                if (first && read > 0) {
                    // A read may end inside the mark: gather the first three bytes before deciding.
                    while (read < BOM.length) {
                        int more = in.read(buffer, read, BOM.length - read);
                        if (more < 0) {
                            break;
                        }
                        read += more;
                    }
                    first = false;
                    if (read >= BOM.length && buffer[0] == BOM[0] && buffer[1] == BOM[1] && buffer[2] == BOM[2]) {
                        from = BOM.length;
                    }
                }
                for (int i = from; i < read; i++) {
                    byte b = buffer[i];
                    if (b == '\n') {
                        records.accept(record(line, length));
                        count++;
                        length = 0;
                        pending = false;
                        continue;
                    }
                    if (length == line.length) {
                        line = Arrays.copyOf(line, line.length * 2);
                    }
                    line[length++] = b;
                    pending = true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (pending) {
            records.accept(record(line, length));
            count++;
        }
        return count;
    }
}
