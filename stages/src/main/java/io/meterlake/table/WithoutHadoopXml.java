package io.meterlake.table;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads a data file without parsing Hadoop's XML configuration for it. Delta Kernel 3.3's Parquet reader gives
 * every file a {@link Configuration} of its own ({@code new Configuration()}, never the engine's), and parsing
 * Hadoop's {@code core-default.xml} into it is a good part of opening a small file: 5-15 ms each on this
 * machine, and a read command opens tens of files. That reader needs none of it: Parquet's options have
 * defaults in code, and the file system it asks for is the table's, which Hadoop caches per scheme, authority
 * and user once opened with the engine's settings ({@link #read} opens it first). So the file is read with a
 * context class loader that finds no {@code *-default.xml} or {@code *-site.xml}: Hadoop skips a default
 * resource it cannot find.
 */
final class WithoutHadoopXml {
    private static final ClassLoader HIDING = new ClassLoader(WithoutHadoopXml.class.getClassLoader()) {
        @Override
        public java.net.URL getResource(String name) {
            return hidden(name) ? null : super.getResource(name);
        }
    };

    private WithoutHadoopXml() {}

    /** The resources hidden from the reader: Hadoop's defaults and any site file on the class path. */
    static boolean hidden(String name) {
        return name.endsWith("-default.xml") || name.endsWith("-site.xml");
    }

    interface Read {
        void run() throws IOException;
    }

    /** Runs {@code read} of a file under {@code path}, with the file system of {@code path} opened with {@code hadoop}. */
    static void read(Configuration hadoop, String path, Read read) throws IOException {
        new org.apache.hadoop.fs.Path(path).getFileSystem(hadoop);
        Thread thread = Thread.currentThread();
        ClassLoader was = thread.getContextClassLoader();
        thread.setContextClassLoader(HIDING);
        try {
            read.run();
        } finally {
            thread.setContextClassLoader(was);
        }
    }
}
