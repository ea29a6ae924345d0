package io.meterlake.cli;

import io.meterlake.cli.options.CliErrors;
import io.meterlake.cli.options.CommandLineErrors;
import io.meterlake.error.ExitCodes;
import io.meterlake.signing.Signing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code meterlake keys}: signing keys for billing periods. */
@Command(
        name = "keys",
        description = "Manage the Ed25519 keys that sign billing periods.",
        subcommands = KeysCommand.Generate.class,
        mixinStandardHelpOptions = true)
final class KeysCommand implements Runnable {
    @ParentCommand
    MeterlakeCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw CommandLineErrors.subcommandRequired(spec);
    }

    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            description = "Write a new Ed25519 key pair as PEM (PKCS#8 private, X.509 public) and print its key id.")
    static final class Generate implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Option(
                names = "--private-key-out",
                required = true,
                paramLabel = "<file>",
                description = "Where to write the private key; it must not exist yet.")
        Path privateKeyOut;

        @Option(
                names = "--public-key-out",
                required = true,
                paramLabel = "<file>",
                description = "Where to write the public key; it must not exist yet.")
        Path publicKeyOut;

        @Override
        public Integer call() {
            for (Path path : new Path[] {privateKeyOut, publicKeyOut}) {
                if (Files.exists(path)) {
                    throw CliErrors.keyFileExists(path);
                }
            }
            KeyPair pair = Signing.generateKeyPair();
            Signing.writeKeyPair(pair, privateKeyOut, publicKeyOut);
            keys.root
                    .out()
                    .println("key id " + Signing.keyId(pair.getPublic()) + ": private key " + privateKeyOut
                            + ", public key " + publicKeyOut);
            keys.root.out().flush();
            return ExitCodes.OK;
        }
    }
}
