package io.meterlake.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * How a JSONL file is cut into records, for every reader of one (file ingest, {@code produce}):
 * records are separated by LF only, as bytes, never decoded here. A CR inside a record is JSON
 * whitespace and stays; one CR right before the LF (a CRLF file) is dropped. The last record needs
 * no LF after it; an LF at the very end does not start an empty record.
 */
public final class JsonLines {
    /** The record separator, as Hadoop's {@code textinputformat.record.delimiter}. */
    public static final String DELIMITER = "\n";

    private JsonLines() {
    }

    /** One record from the bytes of a line without its LF: a trailing CR is dropped. */
    public static byte[] record(byte[] line, int length) {
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        return Arrays.copyOf(line, end);
    }

    /** Reads every record of {@code in}, in order; returns how many. */
    public static long read(InputStream in, Consumer<byte[]> records) {
        byte[] buffer = new byte[1 << 16];
        byte[] line = new byte[1 << 12];
        int length = 0;
        long count = 0;
        boolean pending = false;
        try {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                for (int i = 0; i < read; i++) {
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
