package io.meterlake.cli.options;

/**
 * A command that only reads, through the read path without Spark (Delta Kernel), and so lives a second or two:
 * {@code bin/meterlake} starts its JVM with the JIT's first tier alone (no C2 compilations competing for the
 * second core with a command that ends before they pay off), and the jobs that start Spark keep both tiers.
 * {@code CommandLineTest} pins the launcher's list of these commands to the classes that implement this.
 */
public interface ReadsOnly {}
