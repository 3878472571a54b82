package dev.sessiongate.confusion;

/**
 * What reached a protected resource: the recording upstream behind a gateway, or one of an
 * application's own servlets behind the filter.
 *
 * @param where         which recorder saw it (e.g. {@code upstream}, {@code servlet /admin/*})
 * @param method        the request method
 * @param uri           the request target as the recorder received it
 * @param authorization the {@code Authorization} header it carried, or {@code null}
 * @param remoteUser    the user the filter authenticated, or {@code null}; {@code "?"} where the
 *                      recorder cannot know (an upstream sees headers, not the filter's verdict)
 * @param marker        the runner's {@link #MARKER_HEADER}, or {@code null} when the request
 *                      arrived without it (e.g. one smuggled inside another's body)
 */
public record RecordedRequest(String where, String method, String uri, String authorization, String remoteUser,
                              String marker) {
    /** The header by which the runner tags each request, so that what reaches an app is attributed to its case. */
    public static final String MARKER_HEADER = "X-Confusion-Case";
    /** The header by which every protected resource signs its answers. */
    public static final String ANSWER_HEADER = "X-Protected-Answer";
    /** Where the filter's verdict cannot be seen. */
    public static final String UNKNOWN_USER = "?";

    /** Whether this request passed the filter's authentication with {@code validAuthorization}. */
    public boolean authenticatedWith(String validAuthorization) {
        return validAuthorization.equals(authorization) && remoteUser != null;
    }

    @Override
    public String toString() {
        return where + " got " + method + " " + uri + " (user " + remoteUser + ", "
                + (authorization == null ? "no Authorization" : "Authorization " + authorization) + ")";
    }
}
