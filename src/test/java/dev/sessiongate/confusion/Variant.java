package dev.sessiongate.confusion;

import static dev.sessiongate.testing.Fixtures.basic;

/** The three ways every corpus case is sent. */
public enum Variant {
    NO_CREDENTIALS("no credentials", null),
    WRONG_CREDENTIALS("wrong credentials", basic(Variant.USER, "not-the-password")),
    VALID_CREDENTIALS("valid credentials", basic(Variant.USER, Variant.USER + "-pw"));

    /**
     * A fixture user (src/test/resources/htpasswd) whose {SHA} hash costs microseconds: every wrong
     * password is checked again, and a bcrypt user would make a thousand checks a minute's work.
     */
    public static final String USER = "sha1";

    private final String label;
    private final String authorization;

    Variant(String label, String authorization) {
        this.label = label;
        this.authorization = authorization;
    }

    /** The {@code Authorization} header of this variant, or {@code null}. */
    public String authorization() {
        return authorization;
    }

    /** The one valid {@code Authorization} header. */
    public static String valid() {
        return VALID_CREDENTIALS.authorization;
    }

    @Override
    public String toString() {
        return label;
    }
}
