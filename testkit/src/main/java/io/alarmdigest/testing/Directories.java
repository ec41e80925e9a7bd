package io.alarmdigest.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch directories of tests and benchmarks. */
public final class Directories {
    private Directories() {
    }

    /** Deletes {@code dir} and everything under it; returns the bytes of the files deleted (0: nothing there). */
    public static long delete(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        long bytes = 0;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                bytes += Files.isRegularFile(path) ? Files.size(path) : 0;
                Files.deleteIfExists(path);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
