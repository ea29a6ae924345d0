package io.meterlake.config;

import io.meterlake.catalog.MetricCatalog;
import io.meterlake.error.ContractErrors;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/** The files a configuration is read from: properties files and the metric catalog (given, in the conf directory, or packaged). */
final class ConfigFiles {
    private ConfigFiles() {}

    static MetricCatalog catalog(String file, Optional<Path> confDir) {
        if (!file.isEmpty()) {
            return readCatalog(Path.of(file));
        }
        if (confDir.isPresent() && Files.isRegularFile(confDir.get().resolve(ConfigLoader.CATALOG_FILE))) {
            return readCatalog(confDir.get().resolve(ConfigLoader.CATALOG_FILE));
        }
        try (InputStream in = ConfigFiles.class
                .getClassLoader()
                .getResourceAsStream(ConfigLoader.PACKAGED_CONF + ConfigLoader.CATALOG_FILE)) {
            if (in == null) {
                throw ContractErrors.noCatalog(ConfigKeys.CATALOG_FILE);
            }
            return MetricCatalog.read(in, "packaged " + ConfigLoader.CATALOG_FILE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the packaged catalog", e);
        }
    }

    private static MetricCatalog readCatalog(Path path) {
        if (!Files.isRegularFile(path)) {
            throw ContractErrors.catalogMissing(path);
        }
        try (InputStream in = Files.newInputStream(path)) {
            return MetricCatalog.read(in, path.toString());
        } catch (IOException e) {
            throw ContractErrors.catalogUnreadable(path, e);
        }
    }

    static Properties properties(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw ContractErrors.configUnreadable(file, e.getMessage());
        }
        return properties;
    }
}
