package io.meterlake.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * How fresh the provisional windows are, as the stream last said it: the instant through which every record the
 * broker had appended is in {@code usage_aggregates_provisional} (the stream's {@code Freshness}). One small file
 * of the warehouse, {@value #FILE}, which the stream rewrites whenever the instant moves (idle triggers included),
 * and which the usage API, {@code usage} and the limit notifications give as {@code as_of}: the same for every
 * tenant, since it is the stream's, not anyone's usage. A stopped stream leaves its last mark, so {@code as_of}
 * then shows how far behind the windows are.
 *
 * <p>The stream writes the mark after the provisional commit that makes it true, so a reader that reads it
 * <em>before</em> it reads the provisional table's version reads windows that hold everything through it ({@link
 * DeltaReads}, {@link LiveTables}). A local warehouse gets the file written aside and renamed over the old one; an
 * object store publishes a whole object on close. A file that cannot be parsed counts as no mark.
 */
public final class VisibleThrough {
    /** Where the mark lives, under the warehouse's root. */
    public static final String FILE = "_meterlake/stream/visible-through.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIELD = "visible_through";

    private VisibleThrough() {}

    /** Records {@code through} as the stream's mark of the warehouse at {@code root}. */
    public static void write(Configuration hadoop, String root, Instant through) {
        Path file = new Path(root, FILE);
        byte[] body = JSON.createObjectNode()
                .put(FIELD, through.toString())
                .toString()
                .getBytes(StandardCharsets.UTF_8);
        try {
            FileSystem fs = file.getFileSystem(hadoop);
            Optional<java.nio.file.Path> onDisk = local(fs, file);
            if (onDisk.isPresent()) {
                java.nio.file.Path local = onDisk.get();
                Files.createDirectories(local.getParent());
                java.nio.file.Path aside = Files.createTempFile(local.getParent(), ".visible-through", ".tmp");
                Files.write(aside, body);
                Files.move(aside, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                try (OutputStream out = fs.create(file, true)) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The stream's mark of the warehouse at {@code root}; empty when no stream has written one. */
    public static Optional<Instant> read(Configuration hadoop, String root) {
        Path file = new Path(root, FILE);
        try {
            FileSystem fs = file.getFileSystem(hadoop);
            Optional<java.nio.file.Path> onDisk = local(fs, file);
            byte[] body;
            if (onDisk.isPresent()) {
                body = Files.readAllBytes(onDisk.get());
            } else {
                try (InputStream in = fs.open(file)) {
                    body = in.readAllBytes();
                }
            }
            JsonNode mark = JSON.readTree(body);
            return mark != null && mark.path(FIELD).isTextual()
                    ? Optional.of(Instant.parse(mark.get(FIELD).asText()))
                    : Optional.empty();
        } catch (FileNotFoundException
                | NoSuchFileException
                | com.fasterxml.jackson.core.JsonProcessingException
                | DateTimeParseException e) {
            return Optional.empty(); // none written yet, or torn: no mark
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The file on a local disk (read and renamed with java.nio, without Hadoop's checksum files); else empty. */
    private static Optional<java.nio.file.Path> local(FileSystem fs, Path file) {
        return "file".equals(fs.getScheme())
                ? Optional.of(java.nio.file.Path.of(fs.makeQualified(file).toUri()))
                : Optional.empty();
    }
}
