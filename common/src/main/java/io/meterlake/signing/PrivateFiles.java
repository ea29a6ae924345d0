package io.meterlake.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Files only their owner may access: signing keys and the gateway's tokens file. One check (refused when
 * the group or others have any permission) and one way to write them (owner-only before the first byte).
 * On a file system without POSIX permissions there is nothing to check.
 */
public final class PrivateFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private PrivateFiles() {}

    /**
     * The mode of {@code file} (as {@code rw-r--r--}) when its group or others may access it; empty when only
     * its owner may, or the file system has no POSIX permissions. Throws when the permissions cannot be read.
     */
    public static Optional<String> exposedMode(Path file) throws IOException {
        if (!supportsPosix(file)) {
            return Optional.empty(); // e.g. Windows: no group or other bits to check
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        return Collections.disjoint(permissions, NOT_OWNER)
                ? Optional.empty()
                : Optional.of(PosixFilePermissions.toString(permissions));
    }

    /** Writes {@code text} to {@code file}, which is made owner-only (new or not) before a byte is written. */
    public static void write(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (Files.getFileStore(parent != null ? parent : file).supportsFileAttributeView("posix")) {
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static boolean supportsPosix(Path file) {
        try {
            return Files.getFileStore(file).supportsFileAttributeView("posix");
        } catch (IOException e) {
            return true; // then reading the permissions fails, with the path
        }
    }
}
