package io.alarmdigest.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made by {@code openssl} when a test runs (no key is ever committed), in PEM files under one
 * directory: a CA; a server certificate it signed for {@code 127.0.0.1} and {@code localhost}, and one for the name
 * {@code localhost} only; a client certificate it signed; the same server key certified for a day in 2020 (expired); another CA that signed none of them; a
 * client key in the legacy (PKCS #1) format. Keys are unencrypted PKCS #8 unless said otherwise.
 */
public final class TestCertificates {
    private static final String DAYS = "30";

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** Makes every file under {@code dir} (about a second: four RSA keys). */
    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        TestCertificates certificates = new TestCertificates(Files.createDirectories(dir));
        certificates.make();
        return certificates;
    }

    private void make() throws IOException, InterruptedException {
        selfSignedCa("ca", "alarm-digest test CA");
        selfSignedCa("other-ca", "another CA");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            + "extendedKeyUsage=serverAuth\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        Files.writeString(dir.resolve("server-dns.ext"), "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n");
        signed("server", "localhost", "server.ext");
        signedForKey("server-dns", "server", "server-dns.ext");
        signed("client", "alarm-digest", "client.ext");
        // The same server key, certified from 2020-01-01 to 2020-01-02: `openssl ca` sets the dates exactly.
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "1000\n");
        Files.writeString(dir.resolve("ca.cnf"), String.join("\n",
            "[ ca ]", "default_ca = test", "[ test ]", "database = " + dir.resolve("index.txt"),
            "new_certs_dir = " + dir, "serial = " + dir.resolve("serial"), "certificate = " + dir.resolve("ca.pem"),
            "private_key = " + dir.resolve("ca-key.pem"), "default_md = sha256", "policy = any",
            "[ any ]", "commonName = supplied", ""));
        openssl("ca", "-batch", "-config", "ca.cnf", "-notext", "-startdate", "20200101000000Z", "-enddate",
            "20200102000000Z", "-in", "server.csr", "-out", "expired-server.pem", "-extfile", "server.ext");
        openssl("rsa", "-in", "client-key.pem", "-traditional", "-out", "client-key-pkcs1.pem");
    }

    private void selfSignedCa(String name, String commonName) throws IOException, InterruptedException {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + "-key.pem", "-out", name + ".pem",
            "-days", DAYS, "-subj", "/CN=" + commonName, "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    private void signed(String name, String commonName, String extensions) throws IOException, InterruptedException {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + "-key.pem", "-out", name + ".csr",
            "-subj", "/CN=" + commonName);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-out", name + ".pem", "-days", DAYS, "-extfile", extensions);
    }

    /** Another certificate for the key of {@code keyOf} (its CSR). */
    private void signedForKey(String name, String keyOf, String extensions) throws IOException, InterruptedException {
        openssl("x509", "-req", "-in", keyOf + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-out", name + ".pem", "-days", DAYS, "-extfile", extensions);
    }

    private void openssl(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Path out = dir.resolve("openssl.out");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed:\n"
                + Files.readString(out, StandardCharsets.UTF_8));
        }
    }

    public Path dir() {
        return dir;
    }

    /** The CA that signed the server and client certificates. */
    public Path ca() {
        return dir.resolve("ca.pem");
    }

    /** A CA that signed none of them. */
    public Path otherCa() {
        return dir.resolve("other-ca.pem");
    }

    /** The server's certificate, for {@code 127.0.0.1} and {@code localhost}. */
    public Path serverCert() {
        return dir.resolve("server.pem");
    }

    public Path serverKey() {
        return dir.resolve("server-key.pem");
    }

    /** The server key's certificate for the name {@code localhost} only, no address. */
    public Path serverCertForNameOnly() {
        return dir.resolve("server-dns.pem");
    }

    /** The server key's certificate that expired on 2020-01-02. */
    public Path expiredServerCert() {
        return dir.resolve("expired-server.pem");
    }

    public Path clientCert() {
        return dir.resolve("client.pem");
    }

    public Path clientKey() {
        return dir.resolve("client-key.pem");
    }

    /** The client key in the legacy PKCS #1 format ({@code -----BEGIN RSA PRIVATE KEY-----}). */
    public Path clientKeyPkcs1() {
        return dir.resolve("client-key-pkcs1.pem");
    }
}
