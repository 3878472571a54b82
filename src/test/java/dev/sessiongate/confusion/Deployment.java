package dev.sessiongate.confusion;

/**
 * A running deployment under test.
 *
 * @param name        how reports call it
 * @param port        its HTTP port on 127.0.0.1
 * @param contextPath the context path corpus targets are written under ({@code ""} for the root)
 * @param recorder    what its protected resources record
 */
public record Deployment(String name, int port, String contextPath, Recorder recorder) {
}
