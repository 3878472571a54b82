package dev.sessiongate.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * {@code target/sessiongate.war} in real Tomcat and Jetty distributions (unpacked by the build,
 * their homes passed as the system properties {@code tomcat11.home}, {@code tomcat10.home} and
 * {@code jetty.home}): each container gets a base directory of its own under {@code base}, and
 * the WAR reads the properties file named by the system property {@code sessiongate.config}.
 */
public final class WarContainers {
    private final Path base;

    /** Containers whose bases and configuration files live under {@code base} (a test's temporary directory). */
    public WarContainers(Path base) {
        this.base = base;
    }

    /**
     * The command that runs {@code container} ({@code tomcat11}, {@code tomcat10} or {@code jetty12})
     * with the WAR on {@code port}, configured by {@code config}.
     */
    public ProcessBuilder command(String container, int port, Path config) throws IOException, InterruptedException {
        if (container.startsWith("tomcat")) {
            return tomcat(home(container + ".home"), port, config);
        }
        if (container.equals("jetty12")) {
            return jetty(home("jetty.home"), port, config);
        }
        throw new IllegalArgumentException("no such container: " + container);
    }

    /** Writes {@code lines} to the file {@code name} under the base directory. */
    public Path file(String name, String... lines) throws IOException {
        return Files.writeString(base.resolve(name), String.join("\n", lines) + "\n");
    }

    /** Copies {@code file} into the base directory, so that a properties file there can name it relatively. */
    public Path copy(Path file, String name) throws IOException {
        return Files.copy(file, base.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A CATALINA_BASE of our own: the home's conf with our port, no shutdown port, the WAR. */
    public ProcessBuilder tomcat(Path home, int port, Path config) throws IOException {
        Path catalinaBase = tomcatBase(home, port);
        Files.copy(war(), catalinaBase.resolve("webapps/sessiongate.war"));
        return RunningProcess.java(
                "-Dsessiongate.config=" + config,
                "-Dcatalina.home=" + home, "-Dcatalina.base=" + catalinaBase,
                "-Djava.io.tmpdir=" + catalinaBase.resolve("temp"),
                "-cp", home.resolve("bin/bootstrap.jar") + File.pathSeparator + home.resolve("bin/tomcat-juli.jar"),
                "org.apache.catalina.startup.Bootstrap", "start");
    }

    /**
     * Tomcat 11 as {@code catalina.sh} starts it, with no application but its Manager, which
     * {@code user} (role {@code manager-script}) may use from 127.0.0.1: the text API at
     * {@code /manager/text/}. Logging is Tomcat's own ({@code conf/logging.properties}: one line
     * per record on standard output, and files under {@code logs/}), and the JDK's packages are
     * opened to Tomcat as {@code catalina.sh} does, so that its leak detection can look into
     * threads and thread locals.
     */
    public ProcessBuilder tomcat11WithManager(int port, String user, String password) throws IOException {
        Path home = home("tomcat11.home");
        Path catalinaBase = tomcatBase(home, port);
        Path contexts = Files.createDirectories(catalinaBase.resolve("conf/Catalina/localhost"));
        Files.writeString(contexts.resolve("manager.xml"), "<Context docBase=\"" + home.resolve("webapps/manager")
                + "\" privileged=\"true\">\n"
                + "  <Valve className=\"org.apache.catalina.valves.RemoteCIDRValve\" allow=\"127.0.0.0/8\"/>\n"
                + "</Context>\n");
        Files.writeString(catalinaBase.resolve("conf/tomcat-users.xml"), "<tomcat-users xmlns=\"http://tomcat.apache.org/xml\""
                + " version=\"1.0\">\n  <role rolename=\"manager-script\"/>\n"
                + "  <user username=\"" + user + "\" password=\"" + password + "\" roles=\"manager-script\"/>\n"
                + "</tomcat-users>\n");
        return RunningProcess.java(
                // What catalina.sh adds on Java 9 and later (JDK_JAVA_OPTIONS) for the leak detection.
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
                "-Djava.util.logging.config.file=" + catalinaBase.resolve("conf/logging.properties"),
                "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                "-Duser.language=en", "-Duser.country=US", // SEVERE and WARNING as the levels' names
                "-Dcatalina.home=" + home, "-Dcatalina.base=" + catalinaBase,
                "-Djava.io.tmpdir=" + catalinaBase.resolve("temp"),
                "-cp", home.resolve("bin/bootstrap.jar") + File.pathSeparator + home.resolve("bin/tomcat-juli.jar"),
                "org.apache.catalina.startup.Bootstrap", "start");
    }

    /** The CATALINA_BASE of {@link #tomcat}: the home's conf, HTTP on {@code port}, no shutdown port. */
    private Path tomcatBase(Path home, int port) throws IOException {
        Path catalinaBase = base.resolve("tomcat");
        for (String dir : new String[] {"conf", "webapps", "logs", "temp", "work"}) {
            Files.createDirectories(catalinaBase.resolve(dir));
        }
        try (Stream<Path> files = Files.list(home.resolve("conf"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file)) {
                    Files.copy(file, catalinaBase.resolve("conf").resolve(file.getFileName()));
                }
            }
        }
        Path serverXml = catalinaBase.resolve("conf/server.xml");
        String xml = Files.readString(serverXml)
                .replace("port=\"8005\"", "port=\"-1\"")
                .replace("port=\"8080\"", "port=\"" + port + "\"");
        Files.writeString(serverXml, xml);
        return catalinaBase;
    }

    /** A JETTY_BASE of our own with the http and ee10-deploy modules and the WAR. */
    public ProcessBuilder jetty(Path home, int port, Path config) throws IOException, InterruptedException {
        Path jettyBase = Files.createDirectories(base.resolve("jetty"));
        ProcessBuilder setup = RunningProcess.java("-jar", home.resolve("start.jar").toString(),
                "--add-modules=http,ee10-deploy").directory(jettyBase.toFile());
        try (RunningProcess modules = RunningProcess.start(setup)) {
            if (modules.process().waitFor() != 0) {
                throw new AssertionError("jetty --add-modules failed:\n" + modules.output());
            }
        }
        Files.createDirectories(jettyBase.resolve("webapps"));
        Files.copy(war(), jettyBase.resolve("webapps/sessiongate.war"), StandardCopyOption.REPLACE_EXISTING);
        return RunningProcess.java("-Dsessiongate.config=" + config, "-jar", home.resolve("start.jar").toString(),
                "jetty.http.port=" + port).directory(jettyBase.toFile());
    }

    /** The WAR the build made. */
    public static Path war() {
        return Path.of(System.getProperty("sessiongate.war", "target/sessiongate.war"));
    }

    /** A port nobody listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Path home(String property) {
        String home = System.getProperty(property);
        if (home == null) {
            throw new IllegalStateException("system property " + property + " is not set: run this test with failsafe (mvn verify)");
        }
        return Path.of(home);
    }
}
