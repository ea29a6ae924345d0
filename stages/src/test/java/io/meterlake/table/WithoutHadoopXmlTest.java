package io.meterlake.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a file read sees of Hadoop's configuration: no XML defaults in a Configuration made inside it (what Kernel's
 * Parquet reader makes per file), the table's file system as the engine opened it, and the thread as it was after.
 */
class WithoutHadoopXmlTest {
    @TempDir
    Path dir;

    @Test
    void aConfigurationMadeInsideParsesNoDefaultsAndFindsTheEnginesFileSystem() throws IOException {
        Configuration engine = new Configuration();
        String root = dir.toUri().toString();
        assertThat(new Configuration().get("fs.defaultFS"))
                .as("outside: core-default.xml")
                .isEqualTo("file:///");
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        Configuration[] inside = new Configuration[1];
        FileSystem[] found = new FileSystem[1];

        WithoutHadoopXml.read(engine, root, () -> {
            inside[0] = new Configuration();
            found[0] = new org.apache.hadoop.fs.Path(root).getFileSystem(inside[0]);
        });

        assertThat(inside[0].get("fs.defaultFS"))
                .as("inside: no core-default.xml")
                .isNull();
        assertThat(inside[0].size()).isZero();
        assertThat(found[0]).isSameAs(new org.apache.hadoop.fs.Path(root).getFileSystem(engine));
        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
    }

    @Test
    void theThreadsClassLoaderIsRestoredWhenTheReadFails() {
        ClassLoader before = Thread.currentThread().getContextClassLoader();

        assertThatThrownBy(() ->
                        WithoutHadoopXml.read(new Configuration(), dir.toUri().toString(), () -> {
                            throw new IOException("torn file");
                        }))
                .hasMessage("torn file");
        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
    }

    @Test
    void onlyHadoopsConfigurationFilesAreHidden() {
        assertThat(WithoutHadoopXml.hidden("core-default.xml")).isTrue();
        assertThat(WithoutHadoopXml.hidden("core-site.xml")).isTrue();
        assertThat(WithoutHadoopXml.hidden("hdfs-default.xml")).isTrue();
        assertThat(WithoutHadoopXml.hidden("log4j2.properties")).isFalse();
        assertThat(WithoutHadoopXml.hidden("META-INF/services/org.apache.hadoop.fs.FileSystem"))
                .isFalse();
    }
}
